package master

import (
	"sync"
	"time"
)

// With several masters (a cluster, docs/scaling.md), a minion's request
// for a file's hash and its requests for the file's chunks go to the
// masters' queue group one by one, and may each reach another master: a
// chunk may be asked of a master that never handed out its hash. That
// master finds the file the hash names in its own state tree, hashing
// (once per change, as Stat does) what it has not hashed yet. A master
// whose tree lacks the file still answers that it has none: the minion
// never gets a mix of two trees.

// missWindow is how long a hash found nowhere is not looked for again:
// made-up hashes cost one walk of the tree per window, whoever sends
// them (each minion's file requests are rate-limited besides).
const missWindow = 10 * time.Second

// maxMisses bounds the hashes remembered as found nowhere.
const maxMisses = 4096

// hashFinder remembers the hashes found nowhere, and lets one walk of
// the tree run at a time.
type hashFinder struct {
	walk sync.Mutex
	mu   sync.Mutex
	miss map[string]time.Time
}

// findHash looks for the file with hash sha in every environment's
// roots, and reports whether it found it (then byHash has it).
func (f *fileServer) findHash(sha string) bool {
	hf := &f.finder
	hf.mu.Lock()
	if t, ok := hf.miss[sha]; ok && time.Since(t) < missWindow {
		hf.mu.Unlock()
		return false
	}
	hf.mu.Unlock()

	hf.walk.Lock()
	defer hf.walk.Unlock()
	if f.known(sha) { // found by the walk before this one
		return true
	}
	found := false
	f.eachFile(func(_, _ string, h hashed) bool {
		found = h.sha == sha
		return !found
	})
	if found {
		return true
	}
	hf.mu.Lock()
	if hf.miss == nil || len(hf.miss) >= maxMisses {
		hf.miss = map[string]time.Time{}
	}
	hf.miss[sha] = time.Now()
	hf.mu.Unlock()
	return false
}

// known reports whether a hash was handed out by this master.
func (f *fileServer) known(sha string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	_, ok := f.byHash[sha]
	return ok
}
