package sls

import (
	"context"
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// The cp.list_* functions list the tree the run reads, as Salt's
// fileserver does (salt/fileserver/roots.py, salt/fileclient.py
// list_states), and slsutil.renderer renders a file of it to data.
func TestTreeFuncs(t *testing.T) {
	c := writeTree(t, map[string]string{
		"top.sls":              "base: {}\n",
		"web/init.sls":         "{}\n",
		"web/conf/site.sls":    "{}\n",
		"web/files/nginx.conf": "x\n",
		"data/map.yaml":        "#!jinja|yaml\nid: {{ grains.id }}\nport: {{ port }}\n",
		"data/plain.yaml":      "a: [1, 2]\n",
		"probe.sls": `a:
  cmd.run:
    - files: {{ salt['cp.list_master']() | json }}
    - web: {{ salt['cp.list_master'](prefix='/web/files') | json }}
    - dirs: {{ salt['cp.list_master_dirs']() | json }}
    - webdirs: {{ salt.cp.list_master_dirs(prefix='web') | json }}
    - states: {{ salt['cp.list_states']() | json }}
    - dev: {{ salt['cp.list_master']('dev') | json }}
    - map: {{ salt['slsutil.renderer']('salt://data/map.yaml', port=80) | json }}
    - plain: {{ salt['slsutil.renderer']('salt://data/plain.yaml') | json }}
    - str: {{ salt['slsutil.renderer'](string='b: {{ 1 + 1 }}') | json }}
    - exists: {{ [salt['slsutil.file_exists']('web/init.sls'), salt['slsutil.file_exists']('web'), salt['slsutil.dir_exists']('web/conf'), salt['slsutil.path_exists']('web/files/nginx.conf'), salt['slsutil.path_exists']('nope')] | json }}
    - findup: {{ [salt['slsutil.findup']('web/conf/site.sls', 'init.sls'), salt['slsutil.findup']('web/conf', ['top.sls', 'nothing']), salt['slsutil.findup']('', 'probe.sls')] | json }}
`,
	})
	// The salt dictionary holds every execution function of the host
	// (ExecNames), cp.list_master among them: the tree functions must
	// still be the ones a render calls, with or without those names.
	for _, names := range [][]string{nil, {"cp.list_master", "cp.list_master_dirs", "cp.list_states", "slsutil.renderer", "slsutil.file_exists", "slsutil.dir_exists", "slsutil.path_exists", "slsutil.findup"}} {
		c.Vars = func(string, string) map[string]any {
			return jinja.SaltVars(jinja.SaltContext{ID: "m1", Grains: map[string]any{"id": "m1"}, ExecNames: names}, "", "", "base")
		}
		checkTreeFuncs(t, c, names)
	}
}

func checkTreeFuncs(t *testing.T, c *Compiler, names []string) {
	t.Helper()
	high, err := c.RenderSLS(context.Background(), "probe")
	if err != nil {
		t.Fatalf("with ExecNames %v: %v", names, err)
	}
	want := map[string]string{
		"files":   "[data/map.yaml data/plain.yaml probe.sls top.sls web/conf/site.sls web/files/nginx.conf web/init.sls]",
		"web":     "[web/files/nginx.conf]",
		"dirs":    "[data web web/conf web/files]",
		"webdirs": "[web web/conf web/files]",
		"states":  "[probe top web web.conf.site]",
		"dev":     "[]",
		"map":     "map[id:m1 port:80]",
		"plain":   "map[a:[1 2]]",
		"str":     "map[b:2]",
		"exists":  "[true false true true false]",
		"findup":  "[web/init.sls top.sls probe.sls]",
	}
	for k, w := range want {
		v, _ := high.States[0].Decls[0].Arg(k)
		if got := strings.TrimSpace(strings.ReplaceAll(fmtValue(odict.Plain(v)), "\n", " ")); got != w {
			t.Errorf("with ExecNames %v: %s = %s; want %s", names, k, got, w)
		}
	}
}

// cp.list_master_symlinks lists the tree's links as Salt's roots backend
// does: relative path to what the link says, when Salt's reckoning of the
// destination stays in the root (a destination starting with ".." is
// joined to the link itself), with prefix.
func TestListMasterSymlinks(t *testing.T) {
	c := writeTree(t, map[string]string{
		"web/files/nginx.conf": "x\n",
		"probe.sls":            "a:\n  cmd.run:\n    - all: {{ salt['cp.list_master_symlinks']() | dictsort | json }}\n    - web: {{ salt['cp.list_master_symlinks'](prefix='/web') | dictsort | json }}\n",
	})
	root := c.Files.(*fileroot.Source).Roots["base"][0]
	for link, dest := range map[string]string{
		"web/current":  "files",            // a directory inside
		"web/conf":     "files/nginx.conf", // a file inside
		"web/up":       "../probe.sls",     // Salt joins it to the link: web/probe.sls, inside
		"top":          "../outside",       // Salt: root/outside, inside (it is not)
		"esc":          "../../x",          // outside
		"web/abs":      "/etc",             // outside
		"web/dangling": "nothing",          // inside, though missing
	} {
		if err := os.Symlink(dest, filepath.Join(root, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	c.Vars = func(string, string) map[string]any {
		return jinja.SaltVars(jinja.SaltContext{ID: "m1", Grains: map[string]any{"id": "m1"}}, "", "", "base")
	}
	high, err := c.RenderSLS(context.Background(), "probe")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"all": "[[top ../outside] [web/conf files/nginx.conf] [web/current files] [web/dangling nothing] [web/up ../probe.sls]]",
		"web": "[[web/conf files/nginx.conf] [web/current files] [web/dangling nothing] [web/up ../probe.sls]]",
	}
	for k, w := range want {
		v, _ := high.States[0].Decls[0].Arg(k)
		if got := fmtValue(v); got != w {
			t.Errorf("%s = %s; want %s", k, got, w)
		}
	}
}

// A loader that cannot list says so: no empty list that would look like
// an empty tree.
func TestTreeFuncsWithoutLister(t *testing.T) {
	vars := jinja.SaltVars(jinja.SaltContext{}, "", "", "base")
	_, err := jinja.Render("t", []byte("{{ salt['cp.list_master']() }}"), vars, jinja.Options{})
	if !errors.Is(err, jinja.ErrNoTreeList) {
		t.Errorf("err = %v; want %v", err, jinja.ErrNoTreeList)
	}
	_, err = jinja.Render("t", []byte("{{ salt['cp.list_master_symlinks']() }}"), vars, jinja.Options{})
	if !errors.Is(err, jinja.ErrNoTreeList) {
		t.Errorf("symlinks: err = %v; want %v", err, jinja.ErrNoTreeList)
	}
	for _, src := range []string{"{{ salt['slsutil.file_exists']('x') }}", "{{ salt['slsutil.findup']('', 'x') }}"} {
		if _, err := jinja.Render("t", []byte(src), vars, jinja.Options{}); !errors.Is(err, jinja.ErrNoTreeList) {
			t.Errorf("%s: err = %v; want %v", src, err, jinja.ErrNoTreeList)
		}
	}
	_, err = jinja.Render("t", []byte("{{ salt['slsutil.renderer']() }}"), vars, jinja.Options{})
	if err == nil || !strings.Contains(err.Error(), "Must pass either path or string") {
		t.Errorf("renderer without input: err = %v", err)
	}
}

func fmtValue(v any) string { return fmt.Sprint(v) }

// slsutil.findup's errors are Salt's: a start that is not in the tree,
// nothing found up to the root.
func TestFindupErrors(t *testing.T) {
	c := writeTree(t, map[string]string{"a/b/x.sls": "{}\n", "probe.sls": "{{ salt['slsutil.findup'](start, 'zzz') }}\n"})
	for start, want := range map[string]string{"a/b": "File pattern(s) not found in path ancestry", "no/such": "Starting path not found in the state tree: no/such"} {
		c.Vars = func(string, string) map[string]any {
			v := jinja.SaltVars(jinja.SaltContext{ID: "m1"}, "", "", "base")
			v["start"] = start
			return v
		}
		_, err := c.RenderSLS(context.Background(), "probe")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("findup(%q) error = %v; want %q", start, err, want)
		}
	}
}
