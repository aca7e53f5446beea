package exec

import (
	"context"
	"errors"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// Salt's cmd.run (salt/modules/cmdmod.py) runs _run(stderr=subprocess.STDOUT)
// and only logs a non-zero exit: templates get both streams, in the order
// written, and no error.
func TestRunTemplateCmd(t *testing.T) {
	ctx := context.Background()
	r, err := runTemplateCmd(ctx, "echo a; echo warn >&2; echo b; exit 4", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\nwarn\nb\n" || r.Stderr != "" || r.Retcode != 4 || r.Pid == 0 {
		t.Errorf("merged = %+v; want stdout a,warn,b, retcode 4", r)
	}
	r, err = runTemplateCmd(ctx, "echo a; echo warn >&2; exit 4", false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\n" || r.Stderr != "warn\n" || r.Retcode != 4 {
		t.Errorf("apart = %+v; want stdout a, stderr warn, retcode 4", r)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := runTemplateCmd(cctx, "true", true); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled job: err = %v; want %v", err, context.Canceled)
	}
}

// opts holds the minion options formulas read (config_dir, cachedir,
// file_roots, pillar_roots, id, renderer, test…), the run's own where it
// knows them.
func TestTemplateOpts(t *testing.T) {
	h := &Host{ID: "web1.example.org", Files: &fileroot.Source{Roots: fileroot.Roots{"base": {"/srv/tree"}}},
		Opts: map[string]any{"pillar_roots": map[string]any{"base": []any{"/srv/p"}}}}
	vars := templateVars(context.Background(), h, "base", true)
	src := `{{ opts.id }} {{ opts.renderer }} {{ opts.config_dir }} {{ opts.cachedir }} ` +
		`{{ opts.file_roots.base[0] }} {{ opts.pillar_roots['base'] | join(',') }} {{ opts.test }} {{ opts.saltenv }}`
	got, err := jinja.Render("t", []byte(src), vars, jinja.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "web1.example.org jinja|yaml /etc/brine /var/cache/brine/minion /srv/tree /srv/p True base"
	if got != want {
		t.Errorf("opts = %q; want %q", got, want)
	}
}
