package master

import (
	"os"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// Every master of a cluster must serve the same state tree: a job's
// files may each come from another master. The master that publishes a
// state run puts the hash of its whole tree in the job (proto.Job.Tree),
// every master answers each file request with the hash of its own
// (proto.FileInfo.Tree), and the minion refuses an answer from a tree
// other than the job's, rather than apply a mix.
//
// The whole tree, and not the files the job reads: which files a run
// reads is known only as it renders (includes, Jinja imports, salt://
// sources chosen from grains and pillar), after the master published
// it. The hash is of every file's path and content hash in every
// environment, from the file server's hashes (each file hashed once per
// change), and kept treeHashTTL: a deploy that lands within it is seen
// by the next job.
//
// The same walk makes the tree's manifest (files_manifest.go): every
// file with its hash, whose tree hash is the tree's.

// treeHashTTL is how long a tree hash is used before the tree is walked
// again.
const treeHashTTL = time.Second

type treeCache struct {
	at    time.Time
	sum   string
	files []proto.ManifestFile
	// answer is the manifest answer of the tree sum, encoded once
	// (files_manifest.go); it outlives a walk that finds the same tree.
	answer []byte
}

// treeHash is the hash of the whole state tree, every environment.
func (f *fileServer) treeHash() string {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	return f.walkTree().sum
}

// walkTree returns the tree as last walked, walked again when that is
// treeHashTTL old. f.treeMu is held.
func (f *fileServer) walkTree() *treeCache {
	if f.tree.sum != "" && time.Since(f.tree.at) < treeHashTTL {
		return &f.tree
	}
	h := proto.NewTreeHasher()
	var files []proto.ManifestFile
	f.eachFile(func(env, rel string, c hashed) bool {
		h.Add(env, rel, c.sha)
		files = append(files, proto.ManifestFile{Env: env, Path: rel, SHA256: c.sha, Size: c.size})
		return true
	})
	t := treeCache{at: time.Now(), sum: h.Sum(), files: files}
	if t.sum == f.tree.sum {
		t.answer = f.tree.answer
	}
	f.tree = t
	return &f.tree
}

// eachFile calls fn with every regular file of the state tree and its
// hash (hashed again only when its size or time changed), environments
// and paths in order, until fn returns false.
func (f *fileServer) eachFile(fn func(env, rel string, h hashed) bool) {
	envs := make([]string, 0, len(f.roots))
	for env := range f.roots {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	for _, env := range envs {
		rels, err := f.roots.List(env, ".")
		if err != nil {
			continue
		}
		sort.Strings(rels)
		for _, rel := range rels {
			p, err := f.roots.Resolve(env, path.Clean(rel))
			if err != nil {
				continue
			}
			fi, err := os.Stat(p)
			if err != nil || !fi.Mode().IsRegular() {
				continue
			}
			f.mu.Lock()
			h, ok := f.hashes[p]
			f.mu.Unlock()
			if !ok || h.size != fi.Size() || !h.mtime.Equal(fi.ModTime()) {
				if h, err = f.hash(p, fi); err != nil {
					continue
				}
			}
			if !fn(env, rel, h) {
				return
			}
		}
	}
}

// treeFun reports whether a job's function reads the state tree, and so
// carries its hash.
func treeFun(fun string) bool {
	return strings.HasPrefix(fun, "state.") || strings.HasPrefix(fun, "cp.")
}
