package minion

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestManifestWarmRun: a run with the job's tree hash asks for the
// tree's manifest once, then for the chunks of the files its cache
// lacks; a later run of the same tree asks the master nothing. A file
// the manifest does not name is asked for by path; a manifest of
// another tree is refused, for every file of the run.
func TestManifestWarmRun(t *testing.T) {
	r := newFetchRig(t)
	r.put(t, "a.txt", []byte("a\n"))
	r.put(t, "b.txt", []byte("bb\n"))
	if err := os.MkdirAll(filepath.Join(r.srv, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.put(t, "dir/c.txt", []byte("ccc\n"))
	// The master's listing does not walk into a linked directory, but
	// serves its files by path.
	if err := os.Symlink("dir", filepath.Join(r.srv, "linked")); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t)
	var m proto.Manifest
	if err := r.mn.ask(ctx, proto.SubjFile("m1"), &proto.FileRequest{Manifest: true}, &m); err != nil {
		t.Fatal(err)
	}
	asked := r.count(t, &r.infos, 1)
	want := map[string]string{"salt://a.txt": "a\n", "salt://b.txt": "bb\n", "salt://dir/c.txt": "ccc\n"}
	read := func(f *remoteFiles) {
		t.Helper()
		for url, body := range want {
			if b, err := f.ReadFile(ctx, url); err != nil || string(b) != body {
				t.Errorf("ReadFile(%s) = %q, %v; want %q", url, b, err, body)
			}
		}
	}

	read(&remoteFiles{m: r.mn, env: "base", tree: m.Tree})
	if n := r.count(t, &r.infos, asked+1) - asked; n != 1 {
		t.Errorf("first run: %d file requests; want 1, the manifest", n)
	}
	if n := r.count(t, &r.chunks, 3); n != 3 {
		t.Errorf("first run: %d chunk requests; want 3", n)
	}
	read(&remoteFiles{m: r.mn, env: "base", tree: m.Tree})
	if n := r.count(t, &r.infos, asked+1) - asked; n != 1 {
		t.Errorf("second run: %d file requests in all; want none more", n)
	}
	if n := r.count(t, &r.chunks, 3); n != 3 {
		t.Errorf("second run: %d chunk requests in all; want none more", n)
	}

	// Not in the manifest: asked for by path, found, or not found.
	f := &remoteFiles{m: r.mn, env: "base", tree: m.Tree}
	if b, err := f.ReadFile(ctx, "salt://linked/c.txt"); err != nil || string(b) != "ccc\n" {
		t.Errorf("ReadFile through a linked directory = %q, %v", b, err)
	}
	if _, err := f.ReadFile(ctx, "salt://nope.txt"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file = %v; want not found", err)
	}
	if n := r.count(t, &r.infos, asked+3) - asked; n != 3 {
		t.Errorf("two files not in the manifest: %d file requests in all; want 3", n)
	}

	// A job of another tree: the master's manifest is refused, once.
	other := strings.Repeat("ab", 32)
	f = &remoteFiles{m: r.mn, env: "base", tree: other}
	for _, url := range []string{"salt://a.txt", "salt://b.txt"} {
		var tm *TreeMismatchError
		if _, err := f.ReadFile(ctx, url); !errors.As(err, &tm) || tm.Job != other || tm.Master != m.Tree || tm.URL != url {
			t.Errorf("ReadFile(%s) from another tree = %v; want a TreeMismatchError naming both trees", url, err)
		}
	}
	if n := r.count(t, &r.infos, asked+4) - asked; n != 4 {
		t.Errorf("a run of another tree: %d file requests in all; want one more, the manifest", n)
	}
}

// TestCheckManifest: a manifest is taken only when its files hash to
// the job's tree, and when each can be a file of a tree.
func TestCheckManifest(t *testing.T) {
	sha := strings.Repeat("0", 64)
	good := []proto.ManifestFile{{Env: "base", Path: "a.txt", SHA256: sha, Size: 1}}
	tree := proto.TreeHash(good)
	if m, err := checkManifest(&proto.Manifest{Tree: tree, ChunkSize: 10, Files: good}, tree); err != nil {
		t.Fatalf("good manifest: %v", err)
	} else if info, ok := m.lookup("base\x00a.txt"); !ok || info.SHA256 != sha || info.Chunks != 1 || info.Tree != tree {
		t.Errorf("lookup = %+v, %v", info, ok)
	}
	tampered := []proto.ManifestFile{{Env: "base", Path: "a.txt", SHA256: strings.Repeat("1", 64), Size: 1}}
	nl := []proto.ManifestFile{{Env: "base", Path: "a\nb", SHA256: sha, Size: 1}}
	neg := []proto.ManifestFile{{Env: "base", Path: "a.txt", SHA256: sha, Size: -1}}
	for _, tt := range []struct {
		name string
		m    proto.Manifest
		tree string
		want error
	}{
		{"another tree", proto.Manifest{Tree: tree, ChunkSize: 10, Files: good}, strings.Repeat("ab", 32), &TreeMismatchError{}},
		{"files that do not hash to the tree", proto.Manifest{Tree: tree, ChunkSize: 10, Files: tampered}, tree, &TreeMismatchError{}},
		{"a path with a line break", proto.Manifest{Tree: proto.TreeHash(nl), ChunkSize: 10, Files: nl}, proto.TreeHash(nl), ErrBadManifest},
		{"a negative size", proto.Manifest{Tree: proto.TreeHash(neg), ChunkSize: 10, Files: neg}, proto.TreeHash(neg), ErrBadManifest},
		{"no chunk size", proto.Manifest{Tree: tree, Files: good}, tree, ErrBadManifest},
	} {
		_, err := checkManifest(&tt.m, tt.tree)
		var tm *TreeMismatchError
		if _, isTM := tt.want.(*TreeMismatchError); isTM && !errors.As(err, &tm) || !isTM && !errors.Is(err, tt.want) {
			t.Errorf("%s: %v; want %T %v", tt.name, err, tt.want, tt.want)
		}
	}
}
