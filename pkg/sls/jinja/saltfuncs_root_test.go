package jinja

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

// Under --root, the file functions read the image, and no link in the
// image leads them to the host's files.
func TestHostFuncsStayInRoot(t *testing.T) {
	dir := t.TempDir()
	root, outside := filepath.Join(dir, "img"), filepath.Join(dir, "outside")
	for _, d := range []string{filepath.Join(root, "etc"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(outside, "secret"), []byte("host secret"), 0o600)
	os.WriteFile(filepath.Join(root, "etc", "motd"), []byte("image motd"), 0o644)
	os.Symlink("../../outside/secret", filepath.Join(root, "etc", "up"))
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(root, "etc", "abs"))
	fns := SaltFuncs(SaltContext{Root: root})
	read := fns["file.read"]
	if got, err := read([]any{"/etc/motd"}, nil); err != nil || got != "image motd" {
		t.Errorf("file.read(/etc/motd) = %v, %v; want the image's", got, err)
	}
	for _, p := range []string{"/etc/up", "/etc/abs", "/../outside/secret"} {
		if got, err := read([]any{p}, nil); err == nil && got == "host secret" {
			t.Errorf("file.read(%s) read the host's file", p)
		}
		if got, _ := fns["file.file_exists"]([]any{p}, nil); got == true {
			t.Errorf("file.file_exists(%s) = true: it saw the host's file", p)
		}
	}
}

// Confined to Files (the master's pillar roots), the file functions read
// only there, and the functions that read the host are not offered.
func TestHostFuncsConfined(t *testing.T) {
	fsys := fstest.MapFS{"etc/decoy": {Data: []byte("in the roots")}}
	fns := SaltFuncs(SaltContext{Files: fsys})
	if got, err := fns["file.read"]([]any{"/etc/decoy"}, nil); err != nil || got != "in the roots" {
		t.Errorf("file.read(/etc/decoy) = %v, %v", got, err)
	}
	if got, err := fns["file.read"]([]any{"/etc/passwd"}, nil); err == nil {
		t.Errorf("file.read(/etc/passwd) = %v: read the host", got)
	}
	if got, err := fns["file.read"]([]any{"../../etc/passwd"}, nil); err == nil {
		t.Errorf("file.read(../../etc/passwd) = %v", got)
	}
	for _, name := range []string{"user.info", "group.info", "environ.get", "pkg.version", "cmd.run"} {
		if _, err := fns[name]([]any{"root"}, nil); err == nil {
			t.Errorf("%s is offered while confined", name)
		}
	}
}
