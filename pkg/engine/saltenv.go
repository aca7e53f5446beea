package engine

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/brine-cm/brine/pkg/tree"
	"github.com/brine-cm/brine/states"
)

// stateEnv is the environment a state reads salt:// files from, as
// Salt's State.call sets __env__: its `saltenv` argument, else the
// environment of the SLS that declared it.
func (p *prepared) stateEnv() string {
	if v, ok := p.args["saltenv"]; ok && v != nil {
		return fmt.Sprint(v)
	}
	return p.c.Env
}

// envFor is the Env a state's call gets: the run's, or, for a state of
// another environment than the one the run's files are read from by
// default (Options.Saltenv), the same with its salt:// reads sent to
// that environment.
func (r *runner) envFor(p *prepared) *states.Env {
	env := p.stateEnv()
	def := r.opts.Saltenv
	if def == "" {
		def = "base"
	}
	if r.env == nil || r.env.Files == nil || env == "" || env == def {
		return r.env
	}
	cp := *r.env
	cp.Files = envFiles{inner: r.env.Files, env: env}
	return &cp
}

// envFiles reads salt:// URLs from one environment: a URL that names
// none gets ?saltenv=ENV.
type envFiles struct {
	inner states.FileSource
	env   string
}

func (e envFiles) url(raw string) string {
	if !strings.HasPrefix(raw, "salt://") || strings.Contains(raw, "saltenv=") {
		return raw
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	return raw + sep + "saltenv=" + e.env
}

func (e envFiles) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	return e.inner.ReadFile(ctx, e.url(raw))
}

// Open streams from the inner source when it can, else reads the file
// whole, so that file.managed's large copy works on either.
func (e envFiles) Open(ctx context.Context, raw string) (io.ReadCloser, int64, error) {
	if o, ok := e.inner.(states.FileOpener); ok {
		return o.Open(ctx, e.url(raw))
	}
	b, err := e.inner.ReadFile(ctx, e.url(raw))
	if err != nil {
		return nil, 0, err
	}
	return io.NopCloser(strings.NewReader(string(b))), int64(len(b)), nil
}

func (e envFiles) ListDir(ctx context.Context, raw string) ([]string, error) {
	l, ok := e.inner.(tree.FileLister)
	if !ok {
		return nil, fmt.Errorf("%s: the file source cannot list directories", raw)
	}
	return l.ListDir(ctx, e.url(raw))
}
