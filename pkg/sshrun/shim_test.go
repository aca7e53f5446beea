package sshrun

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
)

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// countingWriter counts the get requests the shim sends.
type countingWriter struct {
	w    io.Writer
	gets *atomic.Int64
}

func (c countingWriter) Write(b []byte) (int, error) {
	if strings.Contains(string(b), `"t":"get"`) {
		c.gets.Add(1)
	}
	return c.w.Write(b)
}

// session runs the shim and the operator's end against each other over
// pipes, as SSH carries them.
func session(t *testing.T, h *Host, c Call, tree *Tree, cache string) (*proto.Return, []proto.StateResult, int64) {
	t.Helper()
	ctx := context.Background()
	toShim, fromOp := io.Pipe()
	toOp, fromShim := io.Pipe()
	var gets atomic.Int64
	done := make(chan error, 1)
	go func() {
		err := Serve(ctx, toShim, countingWriter{fromShim, &gets}, ShimOptions{ID: h.ID, Dir: cache, Version: "test"})
		fromShim.CloseWithError(io.EOF)
		done <- err
	}()
	var events []proto.StateResult
	ret, err := converse(ctx, toOp, fromOp, h, c, tree, func(e proto.StateResult) { events = append(events, e) })
	fromOp.Close()
	if err != nil {
		t.Fatalf("converse: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("shim: %v", err)
	}
	return ret, events, gets.Load()
}

func TestShimHighstate(t *testing.T) {
	states := writeTree(t, map[string]string{
		"top.sls": "base:\n  'web*':\n    - web\n  'db*':\n    - db\n",
		"web.sls": "/etc/motd:\n  file.managed:\n    - source: salt://motd.j2\n    - template: jinja\n    - makedirs: True\n",
		"motd.j2": "role {{ pillar['role'] }} on {{ grains['id'] }}\n",
		"db.sls":  "/etc/db:\n  file.managed:\n    - contents: db\n",
	})
	pillars := writeTree(t, map[string]string{
		"top.sls":  "base:\n  'web1':\n    - web1\n  'db1':\n    - db1\n",
		"web1.sls": "role: web\n",
		"db1.sls":  "role: db\nsecret: only-db1\n",
	})
	root := t.TempDir()
	cache := t.TempDir()
	tree := &Tree{FileRoots: []string{states}, PillarRoots: []string{pillars}}
	h := &Host{ID: "web1"}
	ret, events, gets := session(t, h, Call{ID: "web1", Fun: "state.apply", Root: root}, tree, cache)
	if ret.Retcode != 0 || len(events) != 1 {
		t.Fatalf("state.apply = retcode %d, %d events; want 0, 1: %v", ret.Retcode, len(events), ret.Return)
	}
	b, err := os.ReadFile(filepath.Join(root, "etc/motd"))
	if err != nil || string(b) != "role web on web1\n" {
		t.Fatalf("/etc/motd = %q, %v", b, err)
	}
	if gets != 3 {
		t.Errorf("first run fetched %d files; want 3 (top, web.sls, motd.j2)", gets)
	}
	_, _, gets = session(t, h, Call{ID: "web1", Fun: "state.apply", Root: root}, tree, cache)
	if gets != 0 {
		t.Errorf("second run fetched %d files; want 0, all by sha256 in the cache", gets)
	}
	// Its own pillar alone: db1's secret never reaches web1.
	ret, _, _ = session(t, h, Call{ID: "web1", Fun: "pillar.items"}, tree, cache)
	if p, ok := ret.Return.(map[string]any); !ok || p["role"] != "web" || p["secret"] != nil {
		t.Errorf("pillar.items on web1 = %v; want role web and no secret", ret.Return)
	}
}
