package fileroot

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in, rel, env string
		bad          bool
	}{
		{"salt://a/b.sls", "a/b.sls", "", false},
		{"salt://a/./b.sls?saltenv=dev", "a/b.sls", "dev", false},
		{"salt://../etc/passwd", "", "", true},
		{"salt://a/../../x", "", "", true},
		{"salt:///etc/passwd", "", "", true},
		{"/etc/passwd", "", "", true},
		{"salt://", "", "", true},
	}
	for _, tt := range tests {
		rel, env, err := ParseURL(tt.in)
		if (err != nil) != tt.bad || rel != tt.rel || env != tt.env {
			t.Errorf("ParseURL(%q) = %q, %q, %v; want %q, %q, bad=%v", tt.in, rel, env, err, tt.rel, tt.env, tt.bad)
		}
	}
}

func TestResolveConfines(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600); err != nil {
		t.Fatal(err)
	}
	first, second := t.TempDir(), t.TempDir()
	write := func(dir, name, body string) {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(first, "a.sls", "first")
	write(second, "a.sls", "second")
	write(second, "b.sls", "only second")
	write(first, "sub/in.txt", "in")
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(first, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/in.txt", filepath.Join(first, "inside")); err != nil {
		t.Fatal(err)
	}
	src := &Source{Roots: Roots{"base": {first, second}}}
	ctx := context.Background()
	for url, want := range map[string]string{
		"salt://a.sls":  "first",
		"salt://b.sls":  "only second",
		"salt://inside": "in",
	} {
		b, err := src.ReadFile(ctx, url)
		if err != nil || string(b) != want {
			t.Errorf("ReadFile(%s) = %q, %v; want %q", url, b, err, want)
		}
	}
	if _, err := src.ReadFile(ctx, "salt://escape"); !errors.Is(err, ErrEscape) {
		t.Errorf("ReadFile through an escaping symlink = %v; want ErrEscape", err)
	}
	for _, url := range []string{"salt://missing", "salt://sub", "salt://a.sls?saltenv=dev"} {
		if _, err := src.ReadFile(ctx, url); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("ReadFile(%s) = %v; want fs.ErrNotExist", url, err)
		}
	}
}

func TestSourceCachesReads(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "t.j2")
	if err := os.WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	plain := &Source{Roots: Roots{"base": {dir}}, Env: "base"}
	src := &Source{Roots: Roots{"base": {dir}}, Env: "base", Memo: true}
	if b, _ := src.ReadFile(context.Background(), "salt://t.j2"); string(b) != "one" {
		t.Fatalf("first read = %q", b)
	}
	os.WriteFile(p, []byte("two"), 0o644)
	if b, _ := src.ReadFile(context.Background(), "salt://t.j2?saltenv=base"); string(b) != "one" {
		t.Fatalf("second read in the same run = %q; want the cached %q", b, "one")
	}
	if b, _ := plain.ReadFile(context.Background(), "salt://t.j2"); string(b) != "two" {
		t.Fatalf("read without Memo = %q; want the new content", b)
	}
}

func TestRelativeRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "top.sls"), []byte("base: {}"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	src := &Source{Roots: Roots{"base": {"."}}}
	if b, err := src.ReadFile(context.Background(), "salt://top.sls"); err != nil || string(b) != "base: {}" {
		t.Fatalf("ReadFile with root \".\" = %q, %v", b, err)
	}
}

func TestList(t *testing.T) {
	outside := t.TempDir()
	os.WriteFile(filepath.Join(outside, "secret"), []byte("s"), 0o600)
	first, second := t.TempDir(), t.TempDir()
	for root, files := range map[string][]string{
		first:  {"conf/a.conf", "conf/sub/b.conf", "other.txt"},
		second: {"conf/a.conf", "conf/c.conf"},
	} {
		for _, f := range files {
			p := filepath.Join(root, f)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.Symlink(filepath.Join(outside, "secret"), filepath.Join(first, "conf", "escape"))
	os.Symlink(outside, filepath.Join(first, "conf", "outdir"))
	src := &Source{Roots: Roots{"base": {first, second}}}
	got, err := src.ListDir(context.Background(), "salt://conf")
	want := []string{"a.conf", "c.conf", "sub/b.conf"}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("ListDir(salt://conf) = %v, %v; want %v", got, err, want)
	}
	if _, err := src.ListDir(context.Background(), "salt://nope"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ListDir of a missing directory = %v; want fs.ErrNotExist", err)
	}
	if _, err := src.ListDir(context.Background(), "salt://../x"); !errors.Is(err, ErrEscape) {
		t.Errorf("ListDir(salt://../x) = %v; want ErrEscape", err)
	}
}
