package proto

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
)

// Manifest answers a FileRequest with Manifest set: every regular file of
// the master's state tree, in every environment, with its content hash
// and size, environments and paths in order. A minion that has it for
// its job's tree asks the master for no file's hash: it finds each file
// in the manifest, takes it from its cache when the cache holds that
// hash, and asks only for the chunks of a file it lacks.
//
// A minion trusts a manifest only when TreeHash of its files is the tree
// hash in the job it runs (Job.Tree), which the job's signature covers:
// the master that answered cannot hand it another tree.
type Manifest struct {
	Reply
	// Tree is the tree hash of Files, as the master computed it.
	Tree string `json:"tree"`
	// ChunkSize is the size of the chunks files are served in
	// (FileInfo.ChunkSize).
	ChunkSize int            `json:"chunk_size"`
	Files     []ManifestFile `json:"files"`
}

// ManifestFile is one file of a Manifest.
type ManifestFile struct {
	Env    string `json:"env"`
	Path   string `json:"path"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// TreeHasher computes a state tree's hash (Job.Tree, FileInfo.Tree)
// from its files, added in order: environments, then paths, sorted.
type TreeHasher struct{ h hash.Hash }

// NewTreeHasher starts the hash of a tree.
func NewTreeHasher() *TreeHasher { return &TreeHasher{h: sha256.New()} }

// Add adds one file: its environment, its path in the tree and the
// sha256 of its content.
func (t *TreeHasher) Add(env, path, sha string) {
	for _, s := range []string{env, "\x00", path, "\x00", sha, "\n"} {
		t.h.Write([]byte(s))
	}
}

// Sum is the tree hash of the files added.
func (t *TreeHasher) Sum() string { return hex.EncodeToString(t.h.Sum(nil)) }

// TreeHash is the tree hash of a manifest's files, in their order.
func TreeHash(files []ManifestFile) string {
	t := NewTreeHasher()
	for _, f := range files {
		t.Add(f.Env, f.Path, f.SHA256)
	}
	return t.Sum()
}
