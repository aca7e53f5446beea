package master

import (
	"github.com/brine-cm/brine/pkg/proto"
)

// A state run reads many files of the tree: without a manifest, a
// minion asks the master for each file's hash, one round trip a file a
// run, even when its cache holds every file. The manifest is the whole
// tree's files with their hashes and sizes, made by the walk that makes
// the tree hash (files_tree.go) and encoded once per tree: a minion asks
// for it once per tree hash its jobs carry, and checks it against that
// hash, which the job's signature covers. It then asks only for the
// chunks of files its cache lacks.
//
// A minion learns nothing from the manifest it could not learn today: a
// listing of the tree's root names every file, and a request for a
// file's hash answers that hash (docs/security.md, Files and pillar).

// manifest answers a manifest request: the tree as last walked (a walk
// at most treeHashTTL old), encoded once per tree.
func (f *fileServer) manifest() []byte {
	f.treeMu.Lock()
	defer f.treeMu.Unlock()
	t := f.walkTree()
	if t.answer == nil {
		b, err := proto.Marshal(&proto.Manifest{Tree: t.sum, ChunkSize: ChunkSize, Files: t.files})
		if err != nil {
			return proto.ErrorReply(err)
		}
		t.answer = b
	}
	return t.answer
}
