package engine

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// urlsRead records the salt:// URLs a run's states read.
type urlsRead struct {
	mu   sync.Mutex
	urls []string
}

func (u *urlsRead) ReadFile(_ context.Context, url string) ([]byte, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.urls = append(u.urls, url)
	return []byte("x"), nil
}

func init() {
	states.Register("fakefile.read", func(ctx context.Context, req *states.Request) states.Result {
		if _, err := req.Env.Files.ReadFile(ctx, req.Args.String("source", "")); err != nil {
			return states.Failf(req.Name, "%v", err)
		}
		if w := req.Args.String("want_env", ""); w != "" && req.Saltenv != w {
			return states.Failf(req.Name, "Saltenv %q, want %q", req.Saltenv, w)
		}
		return states.Result{Name: req.Name, Result: states.True}
	})
}

// TestStateSaltenv is Salt's __env__ in State.call: a state reads
// salt:// files from the environment of its SLS, or of its saltenv
// argument, not the run's default; a URL that names one keeps it.
func TestStateSaltenv(t *testing.T) {
	mk := func(id, env string, a map[string]any) (c sls.Chunk) {
		c = ch(id, a)
		c.State, c.Fun, c.Env = "fakefile", "read", env
		return c
	}
	src := &urlsRead{}
	out := Run(context.Background(), chunks(
		mk("A", "base", args("source", "salt://a.conf", "want_env", "base")),
		mk("B", "dev", args("source", "salt://b.conf", "want_env", "dev")),
		mk("C", "base", args("source", "salt://c.conf", "saltenv", "prod", "want_env", "prod")),
		mk("D", "dev", args("source", "salt://d.conf?saltenv=qa")),
		mk("E", "dev", args("source", "salt://e.conf?v=1")),
	), Options{Saltenv: "base", Env: &states.Env{Files: src}})
	want := "salt://a.conf salt://b.conf?saltenv=dev salt://c.conf?saltenv=prod salt://d.conf?saltenv=qa salt://e.conf?v=1&saltenv=dev"
	if got := strings.Join(src.urls, " "); got != want {
		t.Errorf("urls read:\n%s\nwant\n%s", got, want)
	}
	for _, r := range out {
		if r.Result.Result != states.True {
			t.Errorf("%s: %s %q", r.ID, r.Result.Result, r.Comment)
		}
	}
}
