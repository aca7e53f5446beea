package jinja

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// file.lstat is os.lstat's fields as Salt picks them: the link itself,
// its st_mode with the file type bits (0o120777 for a link, 0o100640 for
// a file), st_size the length of what it points to; {} when missing; a
// relative path refused. Under a root the image's file.
func TestFileLstat(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/app.conf"), []byte("12345"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(root, "etc/app.conf"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("app.conf", filepath.Join(root, "etc/link")); err != nil {
		t.Fatal(err)
	}
	f := SaltFuncs(SaltContext{Root: root})["file.lstat"]
	for _, tt := range []struct {
		path       string
		mode, size int
	}{
		{"/etc/app.conf", 0o100640, 5},
		{"/etc/link", 0o120777, len("app.conf")},
	} {
		got, err := f([]any{tt.path}, nil)
		if err != nil {
			t.Fatal(err)
		}
		m := got.(map[string]any)
		if m["st_mode"] != tt.mode || m["st_size"] != tt.size || m["st_nlink"] != 1 || m["st_uid"] != os.Getuid() {
			t.Errorf("file.lstat(%s) = %v; want st_mode %o, st_size %d, st_nlink 1, st_uid %d", tt.path, m, tt.mode, tt.size, os.Getuid())
		}
		if _, ok := m["st_mtime"].(float64); !ok || len(m) != 8 {
			t.Errorf("file.lstat(%s) = %v; want the eight fields, times as floats", tt.path, m)
		}
	}
	if got, err := f([]any{"/etc/missing"}, nil); err != nil || len(got.(map[string]any)) != 0 {
		t.Errorf("file.lstat of a missing file = %v, %v; want {}", got, err)
	}
	if _, err := f([]any{"etc/app.conf"}, nil); err == nil || !strings.Contains(err.Error(), "Path to file must be absolute.") {
		t.Errorf("file.lstat of a relative path: err = %v; want Salt's refusal", err)
	}
}
