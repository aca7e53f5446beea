package minion

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/brine-cm/brine/pkg/proto"
)

// A state run reads many files of the tree. Rather than ask the master
// for each file's hash, a minion asks once per tree hash its jobs carry
// (proto.Job.Tree) for the tree's manifest: every file with its hash and
// size (proto.Manifest). It checks the manifest against the job's tree
// hash, which the job's signature covers, keeps it, and from then on
// finds each file's hash in it: a file its cache holds costs no request,
// and a file it lacks costs only its chunks.
//
// A file the manifest does not name (a path through a linked directory,
// which the master's listing does not walk into) is asked for by path,
// as without a manifest; so is every file of a run with no tree hash (a
// master before tree hashes), and of a run whose master does not answer
// manifest requests (an older master).

// maxManifestFiles bounds the files of a manifest a minion keeps.
const maxManifestFiles = 1 << 20

// ErrBadManifest is a manifest from the master that cannot be a tree's:
// a file with a path or hash that cannot be one.
var ErrBadManifest = errors.New("bad manifest from the master")

// manifest is one tree's manifest, as a minion keeps it.
type manifest struct {
	tree      string
	chunkSize int
	files     map[string]proto.ManifestFile // env + "\x00" + path
	envs      []string                      // the environments of files, sorted
}

// envsOf lists the environments files belong to, sorted.
func envsOf(files []proto.ManifestFile) []string {
	var envs []string
	for _, f := range files {
		if !slices.Contains(envs, f.Env) {
			envs = append(envs, f.Env)
		}
	}
	slices.Sort(envs)
	return envs
}

// lookup returns the metadata of a file of the tree, by the key
// remoteFiles.parse makes.
func (m *manifest) lookup(key string) (*proto.FileInfo, bool) {
	f, ok := m.files[key]
	if !ok {
		return nil, false
	}
	cs := int64(m.chunkSize)
	return &proto.FileInfo{Path: f.Path, SHA256: f.SHA256, Size: f.Size, ChunkSize: m.chunkSize,
		Chunks: int((f.Size + cs - 1) / cs), Tree: m.tree}, true
}

// manifests keeps the manifest of the tree of the minion's latest state
// run, and fetches one tree's once however many runs ask at once.
type manifests struct {
	mu       sync.Mutex
	last     *manifest
	inflight map[string]*manifestCall
}

type manifestCall struct {
	done chan struct{} // closed when m and err are set
	m    *manifest
	err  error
}

// get returns the manifest of tree, asked of the master when it is not
// the one kept.
func (ms *manifests) get(ctx context.Context, m *Minion, tree string) (*manifest, error) {
	ms.mu.Lock()
	if ms.last != nil && ms.last.tree == tree {
		last := ms.last
		ms.mu.Unlock()
		return last, nil
	}
	if c, ok := ms.inflight[tree]; ok {
		ms.mu.Unlock()
		select {
		case <-c.done:
			return c.m, c.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	c := &manifestCall{done: make(chan struct{})}
	if ms.inflight == nil {
		ms.inflight = map[string]*manifestCall{}
	}
	ms.inflight[tree] = c
	ms.mu.Unlock()

	c.m, c.err = m.fetchManifest(ctx, tree)
	ms.mu.Lock()
	delete(ms.inflight, tree)
	if c.err == nil {
		ms.last = c.m
	}
	ms.mu.Unlock()
	close(c.done)
	return c.m, c.err
}

// fetchManifest asks the master for its tree's manifest and returns it
// when it is the tree tree.
func (m *Minion) fetchManifest(ctx context.Context, tree string) (*manifest, error) {
	var r proto.Manifest
	if err := m.ask(ctx, proto.SubjFile(m.id), &proto.FileRequest{Manifest: true}, &r); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return checkManifest(&r, tree)
}

// checkManifest checks a manifest is the tree tree's, and indexes it.
func checkManifest(r *proto.Manifest, tree string) (*manifest, error) {
	if r.Tree != tree || proto.TreeHash(r.Files) != tree {
		// What the master says its tree is, only when its files agree.
		got := r.Tree
		if proto.TreeHash(r.Files) != got {
			got = "(a manifest whose files do not hash to " + proto.Clip(r.Tree, 80) + ")"
		}
		return nil, &TreeMismatchError{URL: "salt://", Job: tree, Master: got}
	}
	if len(r.Files) > maxManifestFiles {
		return nil, fmt.Errorf("%w: %d files", ErrBadManifest, len(r.Files))
	}
	if r.ChunkSize <= 0 || r.ChunkSize > maxChunkSize {
		return nil, fmt.Errorf("%w: chunk size %d", ErrBadManifest, r.ChunkSize)
	}
	man := &manifest{tree: tree, chunkSize: r.ChunkSize, files: make(map[string]proto.ManifestFile, len(r.Files))}
	for _, f := range r.Files {
		if strings.ContainsAny(f.Env, "\x00\n") || strings.ContainsAny(f.Path, "\x00\n") || f.Size < 0 {
			return nil, fmt.Errorf("%w: file %q", ErrBadManifest, proto.Clip(f.Path, 256))
		}
		man.files[f.Env+"\x00"+f.Path] = f
	}
	man.envs = envsOf(r.Files)
	return man, nil
}
