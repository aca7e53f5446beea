package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// varsRenderer keeps the variables a template was rendered with.
type varsRenderer struct{ got map[string]any }

func (r *varsRenderer) Render(_ context.Context, _ string, src []byte, vars map[string]any) ([]byte, error) {
	r.got = vars
	return src, nil
}

// The template of file.managed sees what Salt's file.get_managed passes:
// the name, the source chosen from the list, user, group, the mode as
// normalize_mode writes it, attrs and saltenv; context wins over them.
func TestFileManagedTemplateVars(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &varsRenderer{}
	env := &Env{Files: fileFakeSource{"salt://site/motd.j2": "hello\n"}, Render: r, Cache: &RunCache{}}
	saltenv := ""
	run := func(args map[string]any) map[string]any {
		t.Helper()
		fn, err := Lookup("file.managed")
		if err != nil {
			t.Fatal(err)
		}
		req := &Request{ID: "motd", Name: "/etc/motd", Func: "file.managed", Args: NewArgs(args), Test: true, Root: root, Env: env, Saltenv: saltenv}
		res := fn(context.Background(), req)
		if res.Result == False {
			t.Fatalf("file.managed failed: %s", res.Comment)
		}
		return r.got
	}
	got := run(map[string]any{
		"source":   []any{"salt://site/motd.missing", "salt://site/motd.j2"},
		"template": "jinja", "user": "root", "mode": 640,
		"context": map[string]any{"greeting": "hi"},
	})
	want := map[string]any{"name": "/etc/motd", "source": "salt://site/motd.j2", "user": "root", "group": nil,
		"mode": "0640", "attrs": nil, "saltenv": "base", "greeting": "hi"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("template variables = %v\nwant %v", got, want)
	}
	got = run(map[string]any{"source": "salt://site/motd.j2", "template": "jinja", "mode": "0o600",
		"context": map[string]any{"source": "mine"}})
	if got["source"] != "mine" || got["mode"] != "0600" {
		t.Errorf("source = %v, mode = %v; want the context's source and 0600", got["source"], got["mode"])
	}
	// saltenv is the state's environment (Salt's __env__).
	saltenv = "dev"
	if got = run(map[string]any{"source": "salt://site/motd.j2", "template": "jinja"}); got["saltenv"] != "dev" {
		t.Errorf("saltenv = %v; want the state's, dev", got["saltenv"])
	}
}

func TestSaltNormalizeMode(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string
	}{{644, "0644"}, {"0644", "0644"}, {"00644", "0644"}, {"0o755", "0755"}, {"'600'", "0600"}, {4755, "4755"}, {0, "0000"}} {
		if got := saltNormalizeMode(tt.in); got != tt.want {
			t.Errorf("saltNormalizeMode(%#v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

// A file state's diff is Salt's get_diff: difflib.unified_diff with no
// file names, so "--- " and "+++ " lines open it.
func TestFileDiffSaltShape(t *testing.T) {
	for _, tt := range []struct {
		old, new string
		exists   bool
		want     string
	}{
		{"a\n", "b\n", true, "--- \n+++ \n@@ -1 +1 @@\n-a\n+b\n"},
		{"a\nb\n", "a\nb\nc\n", true, "--- \n+++ \n@@ -1,2 +1,3 @@\n a\n b\n+c\n"},
		{"same\n", "same\n", true, ""},
		{"", "x\n", false, "New file"},
	} {
		if got := fileDiff([]byte(tt.old), []byte(tt.new), tt.exists, true); got != tt.want {
			t.Errorf("fileDiff(%q, %q) = %q; want %q", tt.old, tt.new, got, tt.want)
		}
	}
}
