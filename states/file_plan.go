package states

import (
	"path/filepath"
	"sync"
)

// A dry run must not fail a state because its directory does not exist
// yet when an earlier state of the same run would have made it: the real
// run would succeed, so the dry run must say so. Under test, states that
// would make directories record them here, per run, and states that need
// a parent directory look here before they fail.

const filePlannedDirsKey = "file.planned-dirs"

type filePlannedDirs struct {
	mu   sync.Mutex
	dirs map[string]bool
}

func filePlan(req *Request) *filePlannedDirs {
	if req.Env == nil || req.Env.Cache == nil {
		return nil
	}
	v, _ := req.Env.Cache.Load(filePlannedDirsKey, func() (any, error) {
		return &filePlannedDirs{dirs: map[string]bool{}}, nil
	})
	p, _ := v.(*filePlannedDirs)
	return p
}

// filePlanDirs records, under test, that dir and its parents would exist
// after this state. dir is a path on disk (already under the root).
func filePlanDirs(req *Request, dir string) {
	p := filePlan(req)
	if p == nil || !req.Test {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		p.dirs[d] = true
		if d == filepath.Dir(d) {
			return
		}
	}
}

// filePlanned reports whether an earlier state of this dry run would have
// made dir.
func filePlanned(req *Request, dir string) bool {
	p := filePlan(req)
	if p == nil || !req.Test {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.dirs[filepath.Clean(dir)]
}
