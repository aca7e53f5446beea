package master

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
)

// A minion asks for its pillar at each state run; rendering it (the
// pillar top.sls, each SLS through Jinja and YAML, the merge) for every
// minion at every job costs the master more than answering. A pillar
// render on the master reads nothing but the pillar roots, the minion's
// id and grains, and the master's config (the functions that would read
// the master's host are not offered: docs/security.md), so the master
// keeps each minion's rendered pillar, and renders it again only when
// the minion's grains or the pillar roots changed.
//
// A pillar whose templates draw at random (Salt's random module,
// random_sample and random_shuffle) is rendered afresh for every
// request, as without the cache: a template that names "random" at all
// is taken for one that draws (drawSource).
//
// The pillar roots are known unchanged by their stamp: every file and
// directory under them, links to directories within a root followed,
// with its size, mode and modification time (a directory's changes
// when an entry is added or removed). The stamp is taken again when it
// is pillarStampTTL old, as the state tree's hash is: an edit is seen
// by the pillar asked for a second later at most.

// pillarStampTTL is how long a stamp of the pillar roots is used before
// the roots are walked again.
const pillarStampTTL = time.Second

// pillarCacheBytes bounds the rendered pillar the master keeps, all
// minions together; past it, a minion's pillar is rendered and not kept.
const pillarCacheBytes = 64 << 20

// maxStampDepth bounds how deep the stamp's walk follows links to
// directories.
const maxStampDepth = 40

type pillarCache struct {
	roots fileroot.Roots
	// ttl is pillarStampTTL (tests set 0: a walk at each request).
	ttl time.Duration

	mu      sync.Mutex
	stampAt time.Time
	stamp   string
	byID    map[string]*pillarEntry
	bytes   int
}

// pillarEntry is one minion's rendered pillar, as of the stamp and the
// minion's grains it was rendered from. json is its JSON, made on first
// need.
type pillarEntry struct {
	stamp, grains string
	pillar        *odict.Map
	json          []byte
}

// drawSource reads a render's templates from the pillar roots, and notes
// whether one of them names "random": the render may draw at random,
// and is not kept.
type drawSource struct {
	*fileroot.Source
	draws atomic.Bool
}

func (s *drawSource) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	b, err := s.Source.ReadFile(ctx, raw)
	if bytes.Contains(b, []byte("random")) {
		s.draws.Store(true)
	}
	return b, err
}

// grainsSum is the hash of a minion's grains (JSON encodes map keys in
// order).
func grainsSum(grains map[string]any) string {
	b, err := json.Marshal(grains)
	if err != nil {
		return ""
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// currentStamp is the stamp of the pillar roots, taken again when it is
// pillarStampTTL old.
func (c *pillarCache) currentStamp() string {
	c.mu.Lock()
	if c.stamp != "" && time.Since(c.stampAt) < c.ttl {
		s := c.stamp
		c.mu.Unlock()
		return s
	}
	c.mu.Unlock()
	at := time.Now()
	s := stampRoots(c.roots)
	c.mu.Lock()
	defer c.mu.Unlock()
	if at.After(c.stampAt) {
		if s != c.stamp {
			// Every entry is of an older stamp: drop them all.
			c.byID, c.bytes = nil, 0
		}
		c.stamp, c.stampAt = s, at
	}
	return s
}

// get returns a minion's pillar when it is kept for this stamp and
// these grains.
func (c *pillarCache) get(id, stamp, grains string) (*pillarEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byID[id]
	if !ok || e.stamp != stamp || e.grains != grains {
		return nil, false
	}
	return e, true
}

// put keeps a minion's pillar, and its JSON, within pillarCacheBytes.
func (c *pillarCache) put(id string, e *pillarEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.stamp != c.stamp {
		return // rendered from roots that have changed since
	}
	if old, ok := c.byID[id]; ok {
		c.bytes -= len(old.json)
		delete(c.byID, id)
	}
	if c.bytes+len(e.json) > pillarCacheBytes {
		return
	}
	if c.byID == nil {
		c.byID = map[string]*pillarEntry{}
	}
	c.byID[id] = e
	c.bytes += len(e.json)
}

// stampRoots hashes what a pillar render could read under the roots:
// every entry, environments and roots in order, with its size, mode and
// modification time; a missing or unreadable root counts as such.
func stampRoots(roots fileroot.Roots) string {
	h := sha256.New()
	envs := make([]string, 0, len(roots))
	for env := range roots {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	for _, env := range envs {
		for i, dir := range roots[env] {
			h.Write([]byte(env + "\x00"))
			_ = binary.Write(h, binary.LittleEndian, int64(i))
			real, err := filepath.EvalSymlinks(dir)
			if err != nil {
				h.Write([]byte("\x00missing\n"))
				continue
			}
			stampDir(h, real, real, "", map[string]bool{}, 0)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// stampDir adds dir (rel under root) and what it holds to h, following
// links that stay within root, each real directory once.
func stampDir(h hash.Hash, root, dir, rel string, seen map[string]bool, depth int) {
	if seen[dir] || depth > maxStampDepth {
		return
	}
	seen[dir] = true
	stampEntry(h, rel, dir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		h.Write([]byte("\x00unreadable\n"))
		return
	}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		r := filepath.Join(rel, e.Name())
		if e.Type()&fs.ModeSymlink != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil || !inside(real, root) {
				h.Write([]byte(r + "\x00link out or broken\n"))
				continue
			}
			p = real
		}
		fi, err := os.Stat(p)
		if err != nil {
			h.Write([]byte(r + "\x00gone\n"))
			continue
		}
		if fi.IsDir() {
			stampDir(h, root, p, r, seen, depth+1)
			continue
		}
		stampEntry(h, r, p)
	}
}

func stampEntry(h hash.Hash, rel, p string) {
	fi, err := os.Stat(p)
	if err != nil {
		h.Write([]byte(rel + "\x00gone\n"))
		return
	}
	h.Write([]byte(rel + "\x00"))
	_ = binary.Write(h, binary.LittleEndian, [3]int64{fi.Size(), int64(fi.Mode()), fi.ModTime().UnixNano()})
}

// inside reports whether path is root or under it.
func inside(path, root string) bool {
	return path == root || len(path) > len(root) && path[:len(root)] == root && path[len(root)] == filepath.Separator
}
