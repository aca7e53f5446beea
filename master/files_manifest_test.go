package master

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestManifest: the manifest names every file of every environment with
// its hash and size, in the order of the tree hash, and hashes to the
// tree hash the master puts in jobs and file answers.
func TestManifest(t *testing.T) {
	base, dev := t.TempDir(), t.TempDir()
	files := map[string]string{
		filepath.Join(base, "top.sls"):      "base: {}\n",
		filepath.Join(base, "sub", "a.txt"): "a\n",
		filepath.Join(dev, "b.txt"):         "bb\n",
	}
	for p, s := range files {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f := newFileServer(map[string][]string{"base": {base}, "dev": {dev}}, testLog())
	req, _ := proto.Marshal(&proto.FileRequest{Manifest: true})
	var m proto.Manifest
	if err := proto.Unmarshal(f.onFile(context.Background(), "m1", &nats.Msg{Data: req}), &m); err != nil || m.Error != "" {
		t.Fatalf("manifest: %v %q", err, m.Error)
	}
	want := []proto.ManifestFile{
		{Env: "base", Path: "sub/a.txt", SHA256: sha256hex("a\n"), Size: 2},
		{Env: "base", Path: "top.sls", SHA256: sha256hex("base: {}\n"), Size: 9},
		{Env: "dev", Path: "b.txt", SHA256: sha256hex("bb\n"), Size: 3},
	}
	if len(m.Files) != len(want) {
		t.Fatalf("manifest files = %+v; want %+v", m.Files, want)
	}
	for i := range want {
		if m.Files[i] != want[i] {
			t.Errorf("manifest file %d = %+v; want %+v", i, m.Files[i], want[i])
		}
	}
	if m.ChunkSize != ChunkSize {
		t.Errorf("chunk size %d; want %d", m.ChunkSize, ChunkSize)
	}
	if tree := f.treeHash(); m.Tree != tree || proto.TreeHash(m.Files) != tree {
		t.Errorf("manifest tree %q, its files hash to %q; the master's tree hash is %q", m.Tree, proto.TreeHash(m.Files), tree)
	}
	// Every file the manifest names can be fetched by its hash.
	for _, mf := range m.Files {
		if _, err := f.ReadChunk(mf.SHA256, 0); err != nil {
			t.Errorf("chunk 0 of %s: %v", mf.Path, err)
		}
	}
}

func sha256hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}
