package exec

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// file.grep returns cmd.run_all's dict for grep on the path (a glob), as
// Salt's; several options in one argument are Salt's
// SaltInvocationError.
func TestFileGrep(t *testing.T) {
	if _, ok := which("grep"); !ok {
		t.Skip("no grep")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.conf"), []byte("Listen 80\nServerName x\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b.conf"), []byte("listen 443\n"), 0o644)
	h := testHost(t)
	h.Root = ""
	call := func(args ...any) map[string]any {
		t.Helper()
		r := Call(context.Background(), h, "file.grep", args, nil)
		m, _ := r.Value.(map[string]any)
		if m == nil {
			t.Fatalf("file.grep%v = %#v", args, r)
		}
		return m
	}
	m := call(filepath.Join(dir, "a.conf"), "Listen")
	if m["retcode"] != 0 || m["stdout"] != "Listen 80" || m["stderr"] != "" {
		t.Errorf("one file: %#v", m)
	}
	m = call(filepath.Join(dir, "*.conf"), "listen", "-i")
	want := filepath.Join(dir, "a.conf") + ":Listen 80\n" + filepath.Join(dir, "b.conf") + ":listen 443"
	if m["retcode"] != 0 || m["stdout"] != want {
		t.Errorf("glob, -i: %#v; want stdout %q", m, want)
	}
	m = call(filepath.Join(dir, "a.conf"), "nothing")
	if m["retcode"] != 1 || m["stdout"] != "" {
		t.Errorf("no match: %#v; want retcode 1", m)
	}
	m = call(filepath.Join(dir, "none.conf"), "x")
	if m["retcode"] != 2 || !strings.Contains(m["stderr"].(string), "none.conf: No such file or directory") {
		t.Errorf("missing file: %#v; want grep's error", m)
	}
	r := Call(context.Background(), h, "file.grep", []any{filepath.Join(dir, "a.conf"), "x", "-i -n"}, nil)
	if r.Raised == nil || !r.Raised.Invocation || !strings.Contains(r.Raised.Msg, "please pass the following arguments separately: -i -n") {
		t.Errorf("two options in one: %#v; want Salt's SaltInvocationError", r)
	}
}

// A template's file.grep that matches nothing renders, as Salt's returns
// cmd.run_all's dict (retcode 1) rather than raising.
func TestFileGrepTemplate(t *testing.T) {
	if _, ok := which("grep"); !ok {
		t.Skip("no grep")
	}
	dir := t.TempDir()
	f := filepath.Join(dir, "a.conf")
	os.WriteFile(f, []byte("Listen 80\n"), 0o644)
	h := testHost(t)
	h.Root = ""
	vars := templateVars(context.Background(), h, "base", false)
	src := "{{ salt['file.grep']('" + f + "', 'Listen').retcode }} {{ salt['file.grep']('" + f + "', 'nothing').retcode }}"
	got, err := jinja.Render("t", []byte(src), vars, jinja.Options{})
	if err != nil || got != "0 1" {
		t.Errorf("render = %q, %v; want \"0 1\"", got, err)
	}
}
