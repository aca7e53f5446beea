package states

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ulikunitz/xz"
)

type archMember struct {
	name, body, link string
	typ              byte
}

func archTar(t *testing.T, comp string, members ...archMember) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch comp {
	case "gz":
		w = gzip.NewWriter(&buf)
	case "xz":
		xw, err := xz.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = xw
	}
	var tw *tar.Writer
	if w != nil {
		tw = tar.NewWriter(w)
	} else {
		tw = tar.NewWriter(&buf)
	}
	for _, m := range members {
		typ := m.typ
		if typ == 0 {
			typ = tar.TypeReg
		}
		h := &tar.Header{Name: m.name, Typeflag: typ, Mode: 0o644, Size: int64(len(m.body)), Linkname: m.link}
		if typ == tar.TypeDir {
			h.Mode, h.Size = 0o755, 0
		}
		if typ == tar.TypeSymlink || typ == tar.TypeLink {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write([]byte(m.body))
		}
	}
	tw.Close()
	if w != nil {
		w.Close()
	}
	return buf.Bytes()
}

func archZip(t *testing.T, members map[string]string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for n, b := range members {
		f, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte(b))
	}
	zw.Close()
	return buf.Bytes()
}

var archGood = []archMember{{name: "app-1.0/", typ: tar.TypeDir}, {name: "app-1.0/bin/run", body: "#!/bin/sh\n"}, {name: "app-1.0/README", body: "hi\n"}, {name: "app-1.0/current", link: "README", typ: tar.TypeSymlink}}

func TestArchiveFormats(t *testing.T) {
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"tar", archTar(t, "", archGood...), "tar"},
		{"tar.gz", archTar(t, "gz", archGood...), "tar.gz"},
		{"tar.xz", archTar(t, "xz", archGood...), "tar.xz"},
		{"zip", archZip(t, map[string]string{"app-1.0/README": "hi\n", "app-1.0/bin/run": "x"}), "zip"},
	} {
		if f := archFormat(c.data); f != c.want {
			t.Errorf("%s: format %s", c.name, f)
			continue
		}
		es, err := archList(c.data, c.want, 0)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if tops := archTopLevel(es); len(tops) != 1 || tops[0] != "app-1.0" {
			t.Errorf("%s: top level %v", c.name, tops)
		}
		dest := t.TempDir()
		if err := archExtract(dest, es); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := fileReadT(t, filepath.Join(dest, "app-1.0/README")); got != "hi\n" {
			t.Errorf("%s: README = %q", c.name, got)
		}
	}
	// One file at the top is no top-level directory.
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "srv/one.tar"), string(archTar(t, "", archMember{name: "README", body: "x"})))
	if r := sysCall(t, root, "archive.extracted", "/opt", map[string]any{"source": "/srv/one.tar"}, true); r.Result != False || !strings.HasPrefix(r.Comment, "Archive does not have a single top-level directory") {
		t.Errorf("single file = %+v", r)
	}
	es, _ := archList(archTar(t, "gz", archGood...), "tar.gz", 1)
	if es[0].Name != "bin/run" {
		t.Errorf("strip 1: %v", es[0].Name)
	}
}

// Hostile archives fail whole, before anything is written.
func TestArchiveHostile(t *testing.T) {
	for _, c := range []struct {
		name    string
		members []archMember
	}{
		{"dotdot", []archMember{{name: "top/ok", body: "x"}, {name: "top/../../evil", body: "x"}}},
		{"absolute", []archMember{{name: "/etc/evil", body: "x"}}},
		{"absolute symlink", []archMember{{name: "top/l", link: "/etc", typ: tar.TypeSymlink}, {name: "top/l/passwd", body: "x"}}},
		{"escaping symlink", []archMember{{name: "top/l", link: "../../..", typ: tar.TypeSymlink}}},
		{"hard link out", []archMember{{name: "top/h", link: "../../etc/shadow", typ: tar.TypeLink}}},
	} {
		_, err := archList(archTar(t, "", c.members...), "tar", 0)
		if !errors.Is(err, ErrUnsafeArchive) {
			t.Errorf("%s: err = %v, want ErrUnsafeArchive", c.name, err)
		}
	}
	// zip with a .. name
	if _, err := archList(archZip(t, map[string]string{"../evil": "x"}), "zip", 0); !errors.Is(err, ErrUnsafeArchive) {
		t.Errorf("zip ..: %v", err)
	}
	// The state fails and writes nothing.
	root := t.TempDir()
	fileWriteT(t, filepath.Join(root, "srv/evil.tar"), string(archTar(t, "", archMember{name: "top/a", body: "x"}, archMember{name: "../../../escape", body: "x"})))
	r := sysCall(t, root, "archive.extracted", "/opt", map[string]any{"source": "/srv/evil.tar"}, false)
	if r.Result != False || !strings.Contains(r.Comment, "unsafe archive member") {
		t.Errorf("hostile state = %+v", r)
	}
	if _, err := os.Stat(filepath.Join(root, "opt/top/a")); !os.IsNotExist(err) {
		t.Errorf("a member of a refused archive was written: %v", err)
	}
	// A link already on disk cannot lead a write out of the directory.
	outside := t.TempDir()
	dest := t.TempDir()
	os.MkdirAll(filepath.Join(dest, "top"), 0o755)
	os.Symlink(outside, filepath.Join(dest, "top", "sub"))
	es, err := archList(archTar(t, "", archMember{name: "top/sub/f", body: "x"}), "tar", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := archExtract(dest, es); err == nil {
		t.Error("extracted through a symlink on disk")
	}
	if _, err := os.Stat(filepath.Join(outside, "f")); !os.IsNotExist(err) {
		t.Error("a file was written outside the destination")
	}
}

func TestSaltFidelityArchive(t *testing.T) {
	tgz := archTar(t, "gz", archGood...)
	sum := sha256.Sum256(tgz)
	files := []any{"app-1.0", "app-1.0/bin/run", "app-1.0/README", "app-1.0/current"}
	setup := func(args map[string]any, extra map[string]string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := t.TempDir()
			fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(tgz))
			fileWriteT(t, filepath.Join(root, "srv/bomb.tar"), string(archTar(t, "", archMember{name: "a", body: "x"}, archMember{name: "b", body: "y"})))
			for p, c := range extra {
				fileWriteT(t, filepath.Join(root, p), c)
			}
			return func(test bool) Result { return sysCall(t, root, "archive.extracted", "/opt/app", args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "archive.extracted: tar.gz with source_hash",
		salt:   "archive.extracted()",
		setup:  setup(map[string]any{"source": "/srv/app.tgz", "source_hash": "sha256=" + hex.EncodeToString(sum[:])}, nil),
		test:   fidW(None, "Archive /srv/app.tgz would be extracted to /opt/app/, due to absence of one or more files/dirs", map[string]any{"extracted_files": files, "directories_created": []any{"/opt/app/"}}),
		real:   fidW(True, "/srv/app.tgz extracted to /opt/app/, due to absence of one or more files/dirs", map[string]any{"extracted_files": files, "directories_created": []any{"/opt/app/"}}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}, {
		name:  "archive.extracted: if_missing",
		salt:  "archive.extracted(if_missing=…)",
		setup: setup(map[string]any{"source": "/srv/app.tgz", "if_missing": "/opt/app/marker"}, map[string]string{"opt/app/marker": ""}),
		test:  fidW(True, "Path /opt/app/marker exists", nil),
		real:  fidW(True, "Path /opt/app/marker exists", nil),
	}, {
		name:  "archive.extracted: hash mismatch",
		salt:  "archive.extracted()",
		setup: setup(map[string]any{"source": "/srv/app.tgz", "source_hash": "sha256=" + strings.Repeat("0", 64)}, nil),
		test:  fidW(False, "/srv/app.tgz does not match the desired source_hash "+strings.Repeat("0", 64), nil),
	}, {
		name:  "archive.extracted: enforce_toplevel",
		salt:  "archive.extracted()",
		setup: setup(map[string]any{"source": "/srv/bomb.tar"}, nil),
		test:  fidW(False, "Archive does not have a single top-level directory. To allow this archive to be extracted, set 'enforce_toplevel' to False. To avoid a 'tar-bomb' it may also be advisable to set a top-level directory by adding it to the 'name' value (for example, setting 'name' to /opt/app/some_dir instead of /opt/app/).", nil),
	}, {
		name:   "archive.extracted: no top level, allowed",
		salt:   "archive.extracted(enforce_toplevel=False)",
		setup:  setup(map[string]any{"source": "/srv/bomb.tar", "enforce_toplevel": false}, map[string]string{"opt/app/.keep": ""}),
		test:   fidW(None, "Archive /srv/bomb.tar would be extracted to /opt/app/, due to absence of one or more files/dirs", map[string]any{"extracted_files": []any{"a", "b"}}),
		real:   fidW(True, "/srv/bomb.tar extracted to /opt/app/, due to absence of one or more files/dirs", map[string]any{"extracted_files": []any{"a", "b"}}),
		rerun:  fidW(True, "All files in archive are already present", nil),
		retest: fidW(True, "All files in archive are already present", nil),
	}})
}

// user and group go on every member; a rerun with the owner changed by
// hand puts it back ("updated ownership"), predicted by the dry run.
func TestArchiveOwnership(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("chown needs root; the tests run as root")
	}
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/app.tgz"), string(archTar(t, "gz", archGood...)))
	args := map[string]any{"source": "/srv/app.tgz", "user": "alice", "group": "staff"}
	if r := sysCall(t, root, "archive.extracted", "/opt", args, false); r.Result != True {
		t.Fatal(r)
	}
	run := filepath.Join(root, "opt/app-1.0/bin/run")
	if fi, err := os.Lstat(run); err != nil {
		t.Fatal(err)
	} else if uid, gid := fileOwnerOf(fi); uid != 1000 || gid != 50 {
		t.Errorf("owner = %d:%d, want 1000:50", uid, gid)
	}
	if err := os.Chown(run, 0, 0); err != nil {
		t.Fatal(err)
	}
	dry := sysCall(t, root, "archive.extracted", "/opt", args, true)
	if dry.Result != None || dry.Comment != "All files in archive are already present. Ownership would be updated on one or more files/directories." {
		t.Errorf("dry = %+v", dry)
	}
	real := sysCall(t, root, "archive.extracted", "/opt", args, false)
	if real.Result != True || !reflect.DeepEqual(real.Changes, dry.Changes) {
		t.Errorf("real = %+v", real)
	}
	if fi, _ := os.Lstat(run); fi != nil {
		if uid, _ := fileOwnerOf(fi); uid != 1000 {
			t.Errorf("owner not put back: %d", uid)
		}
	}
}
