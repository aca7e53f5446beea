package minion

import "github.com/brine-cm/brine/pkg/statelock"

// LockFile is the file under the state dir a running minion holds an
// exclusive flock on, with its pid in it.
const LockFile = "minion.lock"

// LockedError is a state dir another minion holds.
type LockedError = statelock.LockedError

// lockStateDir takes the lock on dir/LockFile at once, or fails.
func lockStateDir(dir string) (*statelock.Lock, error) {
	return statelock.Take(dir, LockFile, "minion")
}
