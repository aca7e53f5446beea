package sshrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/top"
)

// Tree is the operator's state and pillar trees, which every host of a
// run reads from: a host is sent the files it asks for, and its own
// pillar.
type Tree struct {
	FileRoots   []string
	PillarRoots []string // none: an empty pillar
	Saltenv     string   // "": base

	once  sync.Once
	files *fileroot.Source
	mu    sync.Mutex
	sums  map[string]string // url → sha256
}

func (t *Tree) env() string {
	if t.Saltenv == "" {
		return fileroot.DefaultEnv
	}
	return t.Saltenv
}

func (t *Tree) source() *fileroot.Source {
	t.once.Do(func() {
		// One run: the tree is read once, whatever the number of hosts.
		t.files = &fileroot.Source{Roots: fileroot.Roots{t.env(): t.FileRoots}, Env: t.env(), Memo: true}
	})
	return t.files
}

// file answers a stat or get: the file's sha256 and size, and its
// content when withData.
func (t *Tree) file(ctx context.Context, url string, withData bool) *message {
	b, err := t.source().ReadFile(ctx, url)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &message{T: tFile, URL: url, Missing: true}
		}
		return &message{T: tFile, URL: url, Err: err.Error()}
	}
	t.mu.Lock()
	h, ok := t.sums[url]
	if !ok {
		h = sum(b)
		if t.sums == nil {
			t.sums = map[string]string{}
		}
		t.sums[url] = h
	}
	t.mu.Unlock()
	m := &message{T: tFile, URL: url, SHA256: h, Size: int64(len(b))}
	if withData {
		m.Data = b
	}
	return m
}

func (t *Tree) list(ctx context.Context, url string) *message {
	names, err := t.source().ListDir(ctx, url)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &message{T: tList, URL: url, Missing: true}
		}
		return &message{T: tList, URL: url, Err: err.Error()}
	}
	return &message{T: tList, URL: url, Names: names}
}

// PillarError is a host's pillar that failed to render: the host is
// not run.
type PillarError struct{ Err error }

func (e *PillarError) Error() string { return "pillar: " + e.Err.Error() }
func (e *PillarError) Unwrap() error { return e.Err }

// pillarJSON renders one host's pillar from the pillar roots, as the
// master renders a minion's (its grains in the templates), as JSON
// whose keys keep the order of the pillar files.
func (t *Tree) pillarJSON(ctx context.Context, id string, grains map[string]any) (json.RawMessage, error) {
	if len(t.PillarRoots) == 0 {
		return nil, nil
	}
	env := t.env()
	roots := fileroot.Roots{env: t.PillarRoots}
	c := &pillar.Compiler{
		Files: &fileroot.Source{Roots: roots, Env: env},
		Globals: func(m top.Minion) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{Grains: m.Grains, ID: m.ID,
				Opts: map[string]any{"id": m.ID, "saltenv": env}, Files: roots.FS(env)}, "", "", env)
		},
	}
	p, err := c.Compile(ctx, top.Minion{ID: id, Grains: grains})
	if err != nil {
		return nil, &PillarError{Err: err}
	}
	b, err := json.Marshal(p) // an odict.Map: in the pillar files' order
	if err != nil {
		return nil, &PillarError{Err: err}
	}
	return b, nil
}

// needsPillar: the functions that read pillar, as a minion asks for it.
func needsPillar(fun string) bool {
	// Salt's ssh wrappers that read the pillar the master renders:
	// state, pillar, and config (config.get looks in the pillar too).
	return strings.HasPrefix(fun, "state.") || strings.HasPrefix(fun, "pillar.") || strings.HasPrefix(fun, "config.")
}

// converse is the operator's end of one shim's session: out is the
// shim's stdout, in its stdin. It sends the call once the shim said
// hello, serves the files it asks for, hands each state event to
// onEvent, and returns the shim's return.
func converse(ctx context.Context, out io.Reader, in io.Writer, h *Host, c Call, t *Tree, onEvent func(proto.StateResult)) (*proto.Return, error) {
	r := newLineReader(out)
	var hello message
	if err := r.expect(&hello, tHello); err != nil {
		return nil, fmt.Errorf("shim: %w", err)
	}
	g := hello.Grains
	if g == nil {
		g = map[string]any{}
	}
	if extra, ok := h.MinionOpts["grains"].(map[string]any); ok {
		for k, v := range extra {
			g[k] = v
		}
	}
	for k, v := range h.Grains {
		g[k] = v
	}
	g["id"] = h.ID
	start := &message{T: tStart, Call: &c, Grains: g}
	if needsPillar(c.Fun) {
		p, err := t.pillarJSON(ctx, h.ID, g)
		if err != nil {
			return nil, err
		}
		start.Pillar = p
	}
	if err := writeMsg(in, start); err != nil {
		return nil, fmt.Errorf("shim: %w", err)
	}
	for {
		var m message
		if err := r.read(&m); err != nil {
			return nil, fmt.Errorf("shim: %w", err)
		}
		var answer *message
		switch m.T {
		case tStat:
			answer = t.file(ctx, m.URL, false)
		case tGet:
			answer = t.file(ctx, m.URL, true)
		case tList:
			answer = t.list(ctx, m.URL)
		case tEvent:
			if m.Event != nil && onEvent != nil {
				onEvent(*m.Event)
			}
			continue
		case tReturn:
			if m.Return == nil {
				return nil, &ProtocolError{Want: "a return", Got: "return without one"}
			}
			m.Return.ID = h.ID
			return m.Return, nil
		default:
			return nil, &ProtocolError{Want: "a request, an event or the return", Got: m.T}
		}
		if err := writeMsg(in, answer); err != nil {
			return nil, fmt.Errorf("shim: %w", err)
		}
	}
}
