package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteNewAndKeepMode(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := Write(p, []byte("one\n"), 0640); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0640 {
		t.Fatalf("new file mode = %o; want 640", got)
	}
	if err := os.Chmod(p, 0600); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("two\n"), 0644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	fi, _ = os.Stat(p)
	if string(b) != "two\n" || fi.Mode().Perm() != 0600 {
		t.Fatalf("after rewrite: %q mode %o; want %q mode 600", b, fi.Mode().Perm(), "two\n")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("temp files left behind: %v", ents)
	}
}

func TestWriteMissingDir(t *testing.T) {
	if err := Write(filepath.Join(t.TempDir(), "no", "f"), []byte("x"), 0644); err == nil {
		t.Fatal("Write into a missing directory succeeded; want an error")
	}
}

func TestWriteSyncAndSyncFS(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "key")
	if err := WriteSync(p, []byte("secret"), 0600); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "secret" {
		t.Fatalf("WriteSync wrote %q", b)
	}
	if err := SyncFS(dir); err != nil {
		t.Fatalf("SyncFS(%s) = %v", dir, err)
	}
	if err := SyncFS(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("SyncFS of a missing path succeeded")
	}
}
