package minion

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/proto"
)

// A first state run lacks every file of its tree in its cache. Fetched
// one by one as each state asks, each small file costs a request to the
// master and its answer: 50 files, 50 round trips through the master's
// workers, one after the other. Before its first state runs, a run hands
// its file source the salt:// URLs its states name (exec.FilePrefetcher);
// the minion finds them in the manifest of the job's tree, and asks for
// the small ones its cache lacks in bundle requests: up to
// proto.MaxBundleFiles hashes and proto.MaxBundleBody bytes each, a few
// in flight at once (proto/bundle.go). Each file is taken only when its
// bytes have the manifest's hash, which the job's signature covers
// through the tree hash. A file larger than a bundle's body, one the
// manifest does not name, and one a bundle failed to bring are fetched
// as before, when a state asks.

// bundleWindow is how many bundle requests are in flight at once.
const bundleWindow = 4

// Prefetch fetches the small files of urls that the manifest of the
// job's tree names and the cache lacks (exec.FilePrefetcher). Failures
// are left to the states: each fetches what it lacks as before.
func (f *remoteFiles) Prefetch(ctx context.Context, urls []string) {
	if f.tree == "" {
		return
	}
	type want struct {
		key  string
		info *proto.FileInfo
	}
	var wants []want
	seen := map[string]bool{}
	for _, raw := range urls {
		key, _, _, err := f.parse(raw)
		if err != nil || seen[key] {
			continue
		}
		seen[key] = true
		f.mu.Lock()
		_, known := f.local[key]
		f.mu.Unlock()
		if known {
			continue
		}
		info, err := f.fromManifest(ctx, raw, key)
		if err != nil {
			// No manifest, or another tree's: the states say so.
			return
		}
		if info == nil || checkInfo(info) != nil || info.Size > proto.MaxBundleBody {
			continue
		}
		if p, ok := f.m.cached(info); ok {
			f.remember(key, localFile{path: p, sha: info.SHA256, size: info.Size})
			continue
		}
		wants = append(wants, want{key, info})
	}
	if len(wants) == 0 {
		return
	}
	infos := make([]*proto.FileInfo, len(wants))
	for i, w := range wants {
		infos[i] = w.info
	}
	got := f.m.fetchBundles(ctx, infos)
	for _, w := range wants {
		if p, ok := got[w.info.SHA256]; ok {
			f.remember(w.key, localFile{path: p, sha: w.info.SHA256, size: w.info.Size})
		}
	}
}

// remember notes a file of the run whole in the cache.
func (f *remoteFiles) remember(key string, lf localFile) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.local == nil {
		f.local = map[string]localFile{}
	}
	f.local[key] = lf
}

// fetchBundles fetches the files infos describe, each at most
// proto.MaxBundleBody bytes, into the cache in bundles, and returns the
// cache file of each it fetched, by hash.
func (m *Minion) fetchBundles(ctx context.Context, infos []*proto.FileInfo) map[string]string {
	dir := filepath.Join(m.cfg.CacheDir, "files")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		m.log.Warn("file cache", "err", err)
		return nil
	}
	m.sweepTemps(dir)
	// Packed in order, each bundle within the limits of one answer.
	var groups [][]*proto.FileInfo
	var cur []*proto.FileInfo
	body := int64(0)
	dup := map[string]bool{}
	for _, info := range infos {
		if dup[info.SHA256] {
			continue
		}
		dup[info.SHA256] = true
		if len(cur) == proto.MaxBundleFiles || body+info.Size > proto.MaxBundleBody {
			groups, cur, body = append(groups, cur), nil, 0
		}
		cur = append(cur, info)
		body += info.Size
	}
	groups = append(groups, cur)

	var (
		mu  sync.Mutex
		got = map[string]string{}
		wg  sync.WaitGroup
		sem = make(chan struct{}, bundleWindow)
	)
	for _, g := range groups {
		wg.Add(1)
		sem <- struct{}{}
		go func(g []*proto.FileInfo) {
			defer wg.Done()
			defer func() { <-sem }()
			for len(g) > 0 {
				n, err := m.fetchBundle(ctx, g, func(sha, p string) {
					mu.Lock()
					got[sha] = p
					mu.Unlock()
				})
				if err != nil {
					m.log.Debug("bundle fetch failed; the states fetch what is left", "files", len(g), "err", err)
					return
				}
				g = g[n:]
			}
		}(g)
	}
	wg.Wait()
	return got
}

// fetchBundle asks for the files of g in one bundle request, writes
// those the answer carries into the cache (done), and returns how many
// it carried: at least one, or an error.
func (m *Minion) fetchBundle(ctx context.Context, g []*proto.FileInfo, done func(sha, path string)) (int, error) {
	req := &proto.ChunkRequest{ChunkV: proto.ChunkVersion, Files: make([]string, len(g))}
	for i, info := range g {
		req.Files[i] = info.SHA256
	}
	b, err := proto.Marshal(req)
	if err != nil {
		return 0, err
	}
	data, err := askAgain(ctx, func() ([][]byte, error) { return m.askBundle(ctx, b, g) })
	if err != nil {
		return 0, err
	}
	for i, d := range data {
		info := g[i]
		if got := sha(d); got != info.SHA256 {
			return 0, &FetchError{URL: "salt://", Chunk: -1, Err: fmt.Errorf("%w: got %s, the manifest says %s", ErrHashMismatch, got, info.SHA256)}
		}
		p := m.cachePath(info)
		if err := atomicfile.Write(p, d, 0o600); err != nil {
			return 0, &FetchError{URL: "salt://", Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
		}
		if fi, err := os.Stat(p); err == nil {
			m.verified.add(p, fi)
		}
		done(info.SHA256, p)
	}
	return len(data), nil
}

// askBundle sends an encoded bundle request and returns the files of
// its answer when they are a prefix of g, at least one, each of the
// size the manifest gives; their hashes are the caller's to check.
func (m *Minion) askBundle(ctx context.Context, req []byte, g []*proto.FileInfo) ([][]byte, error) {
	answer, err := m.requestOnce(ctx, &nats.Msg{Subject: proto.SubjFileChunk(m.id), Data: req})
	if err != nil {
		return nil, err
	}
	h, data, err := proto.DecodeBundle(answer)
	if errors.Is(err, proto.ErrChunk) {
		return nil, fmt.Errorf("%w: %w", ErrBadChunk, err)
	}
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data) > len(g) {
		return nil, fmt.Errorf("%w: a bundle of %d files, %d asked for", ErrBadChunk, len(data), len(g))
	}
	for i, f := range h.Files {
		if f.SHA256 != g[i].SHA256 || int64(len(data[i])) != g[i].Size {
			return nil, fmt.Errorf("%w: bundle file %d is %s of %d bytes; want %s of %d bytes", ErrBadChunk, i, proto.Clip(f.SHA256, 80), len(data[i]), g[i].SHA256, g[i].Size)
		}
	}
	return data, nil
}
