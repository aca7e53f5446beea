package jinja

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// cmd.which gives the path salt.utils.path.which finds ($PATH, then the
// system directories $PATH lacks), None for none; file.access is
// os.access of an absolute path, under the root when set.
func TestWhichAndAccess(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, "usr", "local", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "tool"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "data"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// /bin is not on $PATH: Salt's which still looks there.
	t.Setenv("PATH", "/usr/local/bin")
	for _, tt := range []struct {
		root, cmd string
		want      any
	}{
		{"", "sh", "/bin/sh"},
		{"", "no-such-command-here", nil},
		{root, "tool", "/usr/local/bin/tool"},
		{root, "/usr/local/bin/tool", "/usr/local/bin/tool"},
		{root, "sh", nil},
	} {
		fns := SaltFuncs(SaltContext{Root: tt.root})
		got, err := fns["cmd.which"]([]any{tt.cmd}, nil)
		if err != nil || got != tt.want {
			t.Errorf("cmd.which(%q) under %q = %v, %v; want %v", tt.cmd, tt.root, got, err, tt.want)
		}
	}
	fns := SaltFuncs(SaltContext{Root: root})
	for _, tt := range []struct {
		path string
		mode any
		want bool
	}{
		{"/data", "f", true}, {"/data", "r", true}, {"/data", "x", false}, {"/data", 0, true},
		{"/usr/local/bin/tool", "x", true}, {"/nothing", "f", false}, {"/usr/local/bin", "x", true},
	} {
		got, err := fns["file.access"]([]any{tt.path, tt.mode}, nil)
		if err != nil || got != tt.want {
			t.Errorf("file.access(%q, %v) = %v, %v; want %v", tt.path, tt.mode, got, err, tt.want)
		}
	}
	for _, args := range [][]any{{"data", "f"}, {"/data", "rw"}, {"/data", 3}} {
		if got, err := fns["file.access"](args, nil); err == nil {
			t.Errorf("file.access%v = %v; want Salt's error", args, got)
		}
	}
	confined := SaltFuncs(SaltContext{Files: os.DirFS(root)})
	for _, name := range []string{"cmd.which", "file.access"} {
		if _, err := confined[name]([]any{"/data", "f"}, nil); !errors.Is(err, ErrConfined) {
			t.Errorf("confined %s: err = %v; want %v", name, err, ErrConfined)
		}
	}
}
