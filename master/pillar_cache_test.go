package master

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/pillar"
)

// TestPillarKept: a minion's pillar is rendered once and kept while its
// grains and the pillar roots stay as they were; a change of grains, an
// edit, a new file (in a linked directory too) or a removed top.sls is
// rendered again.
func TestPillarKept(t *testing.T) {
	root := t.TempDir()
	shared := filepath.Join(root, "data")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		// A later mtime, as an edit a moment later has.
		later := time.Now().Add(time.Duration(len(s)) * time.Second)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "top.sls"), "base:\n  '*':\n    - a\n")
	write(filepath.Join(root, "a.sls"), "{% import_yaml 'inc/v.yaml' as v %}\nrole: {{ grains['role'] }}\nv: {{ v.x }}\n")
	write(filepath.Join(shared, "v.yaml"), "x: 1\n")
	if err := os.Symlink("data", filepath.Join(root, "inc")); err != nil {
		t.Fatal(err)
	}
	p := newTreePillar(map[string][]string{"base": {root}}, nil, pillarOptions{Options: pillar.DefaultOptions()})
	p.cache.ttl = 0
	ctx := context.Background()
	web := map[string]any{"role": "web"}
	get := func(grains map[string]any, want string) *pillarEntry {
		t.Helper()
		e, err := p.compile(ctx, "m1", grains, pillarEnvs{})
		if err != nil {
			t.Fatal(err)
		}
		if string(e.json) != want {
			t.Errorf("pillar %s; want %s", e.json, want)
		}
		return e
	}
	first := get(web, `{"role":"web","v":1}`)
	if again := get(map[string]any{"role": "web"}, `{"role":"web","v":1}`); again != first {
		t.Error("the same grains and roots: rendered again; want the pillar kept")
	}
	if db := get(map[string]any{"role": "db"}, `{"role":"db","v":1}`); db == first {
		t.Error("other grains: the pillar kept")
	}
	write(filepath.Join(shared, "v.yaml"), "x: 22\n")
	get(web, `{"role":"web","v":22}`)
	write(filepath.Join(shared, "more", "w.yaml"), "y: 3\n")
	write(filepath.Join(root, "a.sls"), "{% import_yaml 'inc/more/w.yaml' as w %}\nrole: {{ grains['role'] }}\nw: {{ w.y }}\n")
	get(web, `{"role":"web","w":3}`)
	if err := os.Remove(filepath.Join(root, "top.sls")); err != nil {
		t.Fatal(err)
	}
	get(web, `{}`)
	// A template that draws at random: rendered for every request.
	write(filepath.Join(root, "top.sls"), "base:\n  '*':\n    - r\n")
	write(filepath.Join(root, "r.sls"), "n: {{ salt['random.rand_int'](1, 1000000000) }}\n")
	r1, err := p.compile(ctx, "m1", web, pillarEnvs{})
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.compile(ctx, "m1", web, pillarEnvs{})
	if err != nil {
		t.Fatal(err)
	}
	if r1 == r2 || string(r1.json) == string(r2.json) {
		t.Errorf("a pillar drawn at random was kept: %s, %s", r1.json, r2.json)
	}
	// Each minion's own: another id is rendered for itself.
	if e, err := p.compile(ctx, "m2", web, pillarEnvs{}); err != nil || e == first {
		t.Errorf("m2: %v, kept entry of m1: %v", err, e == first)
	}
}
