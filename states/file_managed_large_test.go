package states

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// fileDiskSource serves salt:// URLs from files on disk, as the minion's
// cache does: Open streams them, ReadFile reads them whole; each counts
// its calls.
type fileDiskSource struct {
	files      map[string]string // url -> path
	open, read atomic.Int64
}

func (s *fileDiskSource) ReadFile(_ context.Context, url string) ([]byte, error) {
	s.read.Add(1)
	p, ok := s.files[url]
	if !ok {
		return nil, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
	}
	return os.ReadFile(p)
}

func (s *fileDiskSource) Open(_ context.Context, url string) (io.ReadCloser, int64, error) {
	s.open.Add(1)
	p, ok := s.files[url]
	if !ok {
		return nil, 0, fmt.Errorf("%s: %w", url, fs.ErrNotExist)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// fileBig is n bytes of text (binary when bin), with a mark at the start.
func fileBig(n int, mark string, bin bool) []byte {
	line := []byte("the quick brown fox jumps over the lazy dog\n")
	if bin {
		line = []byte{0, 1, 2, 0xff, 0xfe, '\n'}
	}
	b := append([]byte(mark), bytes.Repeat(line, n/len(line)+1)...)
	return b[:n]
}

// fileLargeRig is a root and a salt:// source of large files.
type fileLargeRig struct {
	root string
	src  *fileDiskSource
	srv  string
}

func newFileLargeRig(t *testing.T) *fileLargeRig {
	t.Helper()
	r := &fileLargeRig{root: fileTestRoot(t), srv: t.TempDir(), src: &fileDiskSource{files: map[string]string{}}}
	return r
}

func (r *fileLargeRig) serve(t *testing.T, url string, b []byte) {
	t.Helper()
	p := filepath.Join(r.srv, strings.ReplaceAll(strings.TrimPrefix(url, "salt://"), "/", "_"))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	r.src.files[url] = p
}

func (r *fileLargeRig) call(t *testing.T, name string, args map[string]any, test bool) Result {
	t.Helper()
	env := fileEnv()
	env.Files = r.src
	fn, err := Lookup("file.managed")
	if err != nil {
		t.Fatal(err)
	}
	req := &Request{ID: name, Name: name, Func: "file.managed", Args: NewArgs(fileCopyArgs(args)), Test: test, Root: r.root, Env: env}
	return fn(context.Background(), req)
}

// cycle runs the state under test, for real, and again, as fileCycle
// does: test and real changes agree, the test writes nothing, the rerun
// changes nothing.
func (r *fileLargeRig) cycle(t *testing.T, name string, args map[string]any) Result {
	t.Helper()
	before := fileSnapshot(t, r.root)
	tr := r.call(t, name, args, true)
	if after := fileSnapshot(t, r.root); !reflect.DeepEqual(before, after) {
		t.Fatalf("test=True wrote to disk")
	}
	if tr.Result == False {
		t.Fatalf("test=True failed: %s", tr.Comment)
	}
	rr := r.call(t, name, args, false)
	if rr.Result != True {
		t.Fatalf("result %v (%s); want True", rr.Result, rr.Comment)
	}
	if !reflect.DeepEqual(tr.Changes, rr.Changes) {
		t.Fatalf("test changes differ from real changes:\ntest %#v\nreal %#v", tr.Changes, rr.Changes)
	}
	again := r.call(t, name, args, false)
	if again.Result != True || len(again.Changes) != 0 {
		t.Fatalf("rerun: %v %q %#v; want True, no changes", again.Result, again.Comment, again.Changes)
	}
	fileNoTemp(t, r.root)
	return rr
}

func TestFileManagedLarge(t *testing.T) {
	const size = 3 * fileLargeMin / 2
	text, other := fileBig(size, "A", false), fileBig(size, "B", false)
	bin := fileBig(size, "A", true)
	tests := []struct {
		name     string
		setup    func(t *testing.T, r *fileLargeRig, path string)
		source   []byte
		args     map[string]any
		changes  map[string]any
		mode     fs.FileMode
		backedUp []byte // the old content, kept by backup: minion
		reads    int64  // ReadFile calls: the rerun over a file now small
	}{
		{
			name:    "new file",
			source:  text,
			changes: map[string]any{"diff": "New file", "mode": "0644"},
			mode:    0o644,
		},
		{
			name:    "new file with a mode",
			source:  bin,
			args:    map[string]any{"mode": "0600"},
			changes: map[string]any{"diff": "New file", "mode": "0600"},
			mode:    0o600,
		},
		{
			name:    "text replaced, same size",
			setup:   func(t *testing.T, r *fileLargeRig, p string) { fileWriteT(t, p, string(other)) },
			source:  text,
			changes: map[string]any{"diff": "Replace text file (no line diff past 1 MiB)"},
			mode:    0o644,
		},
		{
			name:    "binary replaced",
			setup:   func(t *testing.T, r *fileLargeRig, p string) { fileWriteT(t, p, string(text)) },
			source:  bin,
			changes: map[string]any{"diff": "Replace binary file"},
			mode:    0o644,
		},
		{
			name: "a large file replaced by a small source",
			setup: func(t *testing.T, r *fileLargeRig, p string) {
				fileWriteT(t, p, string(text))
				if err := os.Chmod(p, 0o640); err != nil {
					t.Fatal(err)
				}
			},
			source:  []byte("small\n"),
			args:    map[string]any{"show_changes": false},
			changes: map[string]any{"diff": "<show_changes=False>"},
			mode:    0o640,
			reads:   1,
		},
		{
			name:     "backup: minion keeps the old file",
			setup:    func(t *testing.T, r *fileLargeRig, p string) { fileWriteT(t, p, string(other)) },
			source:   text,
			args:     map[string]any{"backup": "minion"},
			changes:  map[string]any{"diff": "Replace text file (no line diff past 1 MiB)"},
			mode:     0o644,
			backedUp: other,
		},
		{
			name:    "source_hash checked",
			source:  text,
			args:    map[string]any{"source_hash": "sha256=" + fileSHA256(string(text))},
			changes: map[string]any{"diff": "New file", "mode": "0644"},
			mode:    0o644,
		},
		{
			name: "a link replaced when not followed",
			setup: func(t *testing.T, r *fileLargeRig, p string) {
				fileWriteT(t, filepath.Join(r.root, "etc/real"), "real\n")
				if err := os.Symlink("real", p); err != nil {
					t.Fatal(err)
				}
			},
			source:  text,
			args:    map[string]any{"follow_symlinks": false},
			changes: map[string]any{"diff": "New file", "mode": "0644"},
			mode:    0o644,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newFileLargeRig(t)
			r.serve(t, "salt://big.bin", tt.source)
			p := filepath.Join(r.root, "etc/big.bin")
			if tt.setup != nil {
				tt.setup(t, r, p)
			}
			args := map[string]any{"source": "salt://big.bin"}
			for k, v := range tt.args {
				args[k] = v
			}
			res := r.cycle(t, "/etc/big.bin", args)
			if !reflect.DeepEqual(res.Changes, tt.changes) {
				t.Errorf("changes = %#v; want %#v", res.Changes, tt.changes)
			}
			got, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(got, tt.source) {
				t.Errorf("file = %d bytes, %v; want the source's %d bytes", len(got), err, len(tt.source))
			}
			if _, _, mode := fileOwner(t, p); mode.Perm() != tt.mode || !mode.IsRegular() {
				t.Errorf("mode = %v; want %v", mode, tt.mode)
			}
			if n := r.src.read.Load(); n != tt.reads {
				t.Errorf("the source was read whole %d times; want %d", n, tt.reads)
			}
			if tt.backedUp != nil {
				backups, _ := filepath.Glob(filepath.Join(r.root, fileBackupDir, "etc", "big.bin_*"))
				if len(backups) != 1 {
					t.Fatalf("backups = %q; want one", backups)
				}
				if b, _ := os.ReadFile(backups[0]); !bytes.Equal(b, tt.backedUp) {
					t.Errorf("backup holds %d bytes, not the old file", len(b))
				}
			}
		})
	}
}

// TestFileManagedLargeRefused: a large source whose hash is not the one
// given fails and leaves the file alone; small files, and sources that
// cannot stream, go the usual way.
func TestFileManagedLargeRefused(t *testing.T) {
	text := fileBig(2*fileLargeMin, "A", false)

	t.Run("source_hash mismatch", func(t *testing.T) {
		r := newFileLargeRig(t)
		r.serve(t, "salt://big.bin", text)
		p := filepath.Join(r.root, "etc/big.bin")
		fileWriteT(t, p, "old\n")
		for _, test := range []bool{true, false} {
			res := r.call(t, "/etc/big.bin", map[string]any{"source": "salt://big.bin", "source_hash": "sha256=" + fileSHA256("else")}, test)
			if res.Result != False || !strings.Contains(res.Comment, "does not match") {
				t.Errorf("test=%v: %v %q; want a failed checksum", test, res.Result, res.Comment)
			}
		}
		if fileReadT(t, p) != "old\n" {
			t.Error("a source with the wrong hash was written")
		}
	})
	t.Run("small source over a small file goes the usual way", func(t *testing.T) {
		r := newFileLargeRig(t)
		r.serve(t, "salt://small.conf", []byte("port = 80\n"))
		fileWriteT(t, filepath.Join(r.root, "etc/small.conf"), "port = 8080\n")
		res := r.call(t, "/etc/small.conf", map[string]any{"source": "salt://small.conf"}, false)
		if d, _ := res.Changes["diff"].(string); !strings.Contains(d, "+port = 80") {
			t.Errorf("changes = %#v; want a line diff", res.Changes)
		}
		if n := r.src.read.Load(); n != 1 {
			t.Errorf("ReadFile called %d times; want once", n)
		}
	})
	t.Run("a source that cannot stream goes the usual way", func(t *testing.T) {
		root := fileTestRoot(t)
		env := fileEnv()
		env.Files = fileFakeSource{"salt://big.bin": string(text)}
		fn, _ := Lookup("file.managed")
		res := fn(context.Background(), &Request{ID: "x", Name: "/etc/big.bin", Func: "file.managed",
			Args: NewArgs(map[string]any{"source": "salt://big.bin"}), Root: root, Env: env})
		if res.Result != True {
			t.Fatalf("%v %q", res.Result, res.Comment)
		}
		if got := fileReadT(t, filepath.Join(root, "etc/big.bin")); got != string(text) {
			t.Errorf("file holds %d bytes; want %d", len(got), len(text))
		}
	})
	t.Run("local large source under the root", func(t *testing.T) {
		r := newFileLargeRig(t)
		fileWriteT(t, filepath.Join(r.root, "srv/big.bin"), string(text))
		res := r.cycle(t, "/etc/big.bin", map[string]any{"source": []any{"/srv/missing.bin", "file:///srv/big.bin"}})
		if res.Changes["diff"] != "New file" {
			t.Errorf("changes = %#v", res.Changes)
		}
		if got := fileReadT(t, filepath.Join(r.root, "etc/big.bin")); got != string(text) {
			t.Errorf("file holds %d bytes; want %d", len(got), len(text))
		}
	})
	t.Run("a directory in the way", func(t *testing.T) {
		r := newFileLargeRig(t)
		r.serve(t, "salt://big.bin", text)
		if err := os.MkdirAll(filepath.Join(r.root, "etc/big.bin"), 0o755); err != nil {
			t.Fatal(err)
		}
		res := r.call(t, "/etc/big.bin", map[string]any{"source": "salt://big.bin"}, false)
		if res.Result != False || !strings.Contains(res.Comment, "is a directory") {
			t.Errorf("%v %q; want the usual refusal of a directory", res.Result, res.Comment)
		}
	})
}
