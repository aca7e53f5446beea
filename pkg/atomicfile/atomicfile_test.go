package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
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

// pushStream is a stream that writes itself (io.WriterTo), as the
// minion's chunk fetch does, and fails at its end when told to, as a
// stream whose hash does not match does.
type pushStream struct {
	parts  []string
	fail   error
	pushed bool
}

func (s *pushStream) Read([]byte) (int, error) { return 0, errors.New("Read called; want WriteTo") }

func (s *pushStream) WriteTo(w io.Writer) (int64, error) {
	s.pushed = true
	var n int64
	for _, p := range s.parts {
		k, err := io.WriteString(w, p)
		n += int64(k)
		if err != nil {
			return n, err
		}
	}
	return n, s.fail
}

func TestWriteFrom(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB, more than a copy buffer
	if err := WriteFrom(p, strings.NewReader(big), 0o640); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != big {
		t.Fatalf("WriteFrom wrote %d bytes; want %d", len(b), len(big))
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode = %o; want 640", fi.Mode().Perm())
	}
	// A stream that writes itself is asked to, and the mode of the file
	// it replaces is kept.
	_ = os.Chmod(p, 0o600)
	s := &pushStream{parts: []string{"one ", "two"}}
	if err := WriteFromSync(p, s, 0o644); err != nil || !s.pushed {
		t.Fatalf("WriteFromSync = %v, pushed %v", err, s.pushed)
	}
	b, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(b) != "one two" || fi.Mode().Perm() != 0o600 {
		t.Fatalf("after WriteFromSync: %q mode %o; want %q mode 600", b, fi.Mode().Perm(), "one two")
	}
	// A stream that fails, at its end or in its middle, leaves the file
	// as it was and no temp file.
	bad := errors.New("content does not match its hash")
	for _, r := range []io.Reader{
		&pushStream{parts: []string{"three"}, fail: bad},
		io.MultiReader(strings.NewReader("four"), iotest.ErrReader(bad)),
	} {
		err := WriteFrom(p, r, 0o644)
		if !errors.Is(err, bad) || !strings.Contains(err.Error(), p) {
			t.Errorf("WriteFrom of a failing stream = %v; want %v, naming %s", err, bad, p)
		}
		if b, _ := os.ReadFile(p); string(b) != "one two" {
			t.Errorf("a failed WriteFrom left %q", b)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("temp files left behind: %v", ents)
	}
}

func TestTempMark(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	// A temp file, seen from the stream while it is being written.
	var names []string
	err := WriteFrom(p, io.MultiReader(strings.NewReader("x"), readFunc(func([]byte) (int, error) {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			names = append(names, e.Name())
		}
		return 0, io.EOF
	})), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], ".f"+TempMark) {
		t.Errorf("temp files %q; want one named .f%s…", names, TempMark)
	}
}

type readFunc func([]byte) (int, error)

func (f readFunc) Read(p []byte) (int, error) { return f(p) }
