package minion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// A salt:// file is fetched straight into the disk cache: its chunks are
// asked for a few at a time, written in order to a temp file as they
// arrive and hashed on the way, and the temp file becomes
// CacheDir/files/<sha256> only once the whole matches the master's hash.
// Memory is bounded by the window, not by the file: a 1 GB file costs
// fetchWindow chunks of memory, not a gigabyte.

// fetchWindow is how many chunks may be asked for and not yet written:
// the master reads and encodes the next while the minion decodes, hashes
// and writes one. Each chunk is 512 KiB, and a few times that while it
// travels and is decoded, so the window bounds the fetch's memory. On
// loopback (make bench) two in flight were slower than four; more buy
// nothing but memory.
const fetchWindow = 4

// chunkTries is how often one chunk is asked for, when the answer does
// not come, before the fetch fails: a lost request costs a timeout, not
// the whole file. (A master too busy to take a request says so, and is
// asked again for as long as ask would: busyRetry.)
const chunkTries = 3

// staleTemp is the age past which a temp file in the cache is taken for
// the leftover of a fetch that died with its process. A live fetch writes
// its temp file continuously.
const staleTemp = 24 * time.Hour

// tempPrefix starts every temp file in the cache, so that nothing
// mistakes one for a cached file (those are named by a bare sha256).
const tempPrefix = ".fetch-"

var (
	// ErrHashMismatch is a fetched file whose content does not have the
	// sha256 the master announced.
	ErrHashMismatch = errors.New("content does not match the sha256 the master announced")
	// ErrBadChunk is a chunk that is not the one asked for, or not of
	// the size the file's metadata implies.
	ErrBadChunk = errors.New("bad chunk from the master")
	// ErrBadFileInfo is file metadata from the master that cannot
	// describe a file (a hash that is not one, sizes that disagree).
	ErrBadFileInfo = errors.New("bad file metadata from the master")
)

// FetchError is a salt:// file that could not be fetched into the cache.
type FetchError struct {
	URL   string
	Chunk int // the chunk that failed, or -1 for the file as a whole
	Err   error
}

func (e *FetchError) Error() string {
	if e.Chunk >= 0 {
		return fmt.Sprintf("fetch %s: chunk %d: %v", e.URL, e.Chunk, e.Err)
	}
	return fmt.Sprintf("fetch %s: %v", e.URL, e.Err)
}

func (e *FetchError) Unwrap() error { return e.Err }

// checkInfo refuses metadata that cannot be a file: the hash names the
// cache file, so it must be a hash and nothing that walks a path.
func checkInfo(info *proto.FileInfo) error {
	if len(info.SHA256) != sha256.Size*2 || strings.Trim(info.SHA256, "0123456789abcdef") != "" {
		return fmt.Errorf("%w: sha256 %q", ErrBadFileInfo, proto.Clip(info.SHA256, 80))
	}
	if info.Size < 0 || info.ChunkSize <= 0 {
		return fmt.Errorf("%w: size %d in chunks of %d", ErrBadFileInfo, info.Size, info.ChunkSize)
	}
	if want := (info.Size + int64(info.ChunkSize) - 1) / int64(info.ChunkSize); int64(info.Chunks) != want {
		return fmt.Errorf("%w: %d chunks for %d bytes in chunks of %d", ErrBadFileInfo, info.Chunks, info.Size, info.ChunkSize)
	}
	return nil
}

// cachePath is where the file with this metadata lives in the cache.
func (m *Minion) cachePath(info *proto.FileInfo) string {
	return filepath.Join(m.cfg.CacheDir, "files", info.SHA256)
}

// cached returns the cache file for info when the cache holds it whole.
// A file seen whole before in this process is trusted while its size and
// mtime hold; any other is hashed once. A cache file with the wrong
// content is removed, so that the caller fetches it again.
func (m *Minion) cached(info *proto.FileInfo) (string, bool) {
	p := m.cachePath(info)
	fi, err := os.Stat(p)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != info.Size {
		return p, false
	}
	if verified.has(p, fi) {
		return p, true
	}
	got, err := hashFile(p)
	if err == nil && got == info.SHA256 {
		verified.add(p, fi)
		return p, true
	}
	m.log.Warn("file cache: dropping a cached file whose content is not its hash", "file", p, "sha256", got, "err", err)
	_ = os.Remove(p)
	return p, false
}

// fetch streams the file info describes from the master into the cache
// and returns the cache file. raw names the file in errors.
func (m *Minion) fetch(ctx context.Context, raw string, info *proto.FileInfo) (string, error) {
	final := m.cachePath(info)
	dir := filepath.Dir(final)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	m.sweepTemps(dir)
	tmp, err := os.CreateTemp(dir, tempPrefix+info.SHA256[:16]+"-*")
	if err != nil {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	if err := m.streamChunks(ctx, raw, info, io.MultiWriter(tmp, h)); err != nil {
		return "", err
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != info.SHA256 {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("%w: got %s, master said %s", ErrHashMismatch, got, info.SHA256)}
	}
	// Durable before it is named: a cache file is trusted by its name.
	if err := tmp.Sync(); err != nil {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	if err := tmp.Close(); err != nil {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // best effort: the rename is already visible
		d.Close()
	}
	if fi, err := os.Stat(final); err == nil {
		verified.add(final, fi)
	}
	return final, nil
}

// sweepTemps removes temp files that fetches which died with their
// process left behind.
func (m *Minion) sweepTemps(dir string) {
	old, _ := filepath.Glob(filepath.Join(dir, tempPrefix+"*"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleTemp {
			_ = os.Remove(p)
		}
	}
}

// chunkResult is one chunk as a fetching goroutine hands it back: data
// is a part of buf, or, from an answer decoded the slow way, not.
type chunkResult struct {
	i    int
	data []byte
	buf  []byte
	err  error
}

// streamChunks asks for the chunks of info, at most fetchWindow ahead of
// the first one not yet written, and writes them to w in order. Every
// goroutine it starts has ended when it returns.
func (m *Minion) streamChunks(ctx context.Context, raw string, info *proto.FileInfo, w io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
	}()
	// Buffered for the whole window: a goroutine never blocks handing
	// back its chunk, even after the fetch gave up on it.
	results := make(chan chunkResult, fetchWindow)
	// One buffer per chunk in the window, used again and again: at most
	// fetchWindow chunks are asked for and not yet written.
	free := make([][]byte, 0, fetchWindow)
	pending := make(map[int]chunkResult, fetchWindow)
	next, written := 0, 0
	for written < info.Chunks {
		for next < info.Chunks && next < written+fetchWindow {
			var buf []byte
			if k := len(free); k > 0 {
				buf, free = free[k-1], free[:k-1]
			} else {
				buf = make([]byte, info.ChunkSize)
			}
			wg.Add(1)
			go func(i int, buf []byte) {
				defer wg.Done()
				data, err := m.fetchChunk(ctx, info, i, buf)
				results <- chunkResult{i, data, buf, err}
			}(next, buf)
			next++
		}
		var r chunkResult
		select {
		case r = <-results:
		case <-ctx.Done():
			return &FetchError{URL: raw, Chunk: written, Err: ctx.Err()}
		}
		if r.err != nil {
			return &FetchError{URL: raw, Chunk: r.i, Err: r.err}
		}
		pending[r.i] = r
		for {
			r, ok := pending[written]
			if !ok {
				break
			}
			delete(pending, written)
			if _, err := w.Write(r.data); err != nil {
				return &FetchError{URL: raw, Chunk: written, Err: fmt.Errorf("file cache: %w", err)}
			}
			free = append(free, r.buf)
			written++
		}
	}
	return nil
}

// fetchChunk asks the master for chunk i, again when a request goes
// unanswered, and checks that the answer is that chunk. The data lands in
// buf when it fits.
func (m *Minion) fetchChunk(ctx context.Context, info *proto.FileInfo, i int, buf []byte) ([]byte, error) {
	req, err := proto.Marshal(&proto.ChunkRequest{SHA256: info.SHA256, Index: i})
	if err != nil {
		return nil, err
	}
	want := int64(info.ChunkSize)
	if rest := info.Size - int64(i)*want; rest < want {
		want = rest
	}
	busyUntil := time.Now().Add(busyRetry)
	pause := 20 * time.Millisecond
	for try := 1; ; {
		var c proto.Chunk
		err := m.askChunk(ctx, req, &c, buf)
		switch {
		case errors.Is(err, proto.ErrBusy) && time.Now().Before(busyUntil):
			// A busy master asks to be asked again a little later, as
			// ask does.
			select {
			case <-ctx.Done():
				return nil, err
			case <-time.After(pause/2 + rand.N(pause)):
			}
			pause = min(2*pause, time.Second)
			continue
		case errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil && try < chunkTries:
			try++
			continue
		case err != nil:
			return nil, err
		}
		if c.SHA256 != info.SHA256 || c.Index != i || int64(len(c.Data)) != want {
			return nil, fmt.Errorf("%w: got chunk %d of %s, %d bytes; want %d bytes", ErrBadChunk, c.Index, proto.Clip(c.SHA256, 80), len(c.Data), want)
		}
		return c.Data, nil
	}
}

// askChunk sends an encoded chunk request and decodes the answer, once
// and into buf (decodeChunk): a chunk is too large to decode twice, as
// ask does for the error.
func (m *Minion) askChunk(ctx context.Context, req []byte, reply *proto.Chunk, buf []byte) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	data, err := m.request(ctx, &nats.Msg{Subject: proto.SubjFileChunk(m.id), Data: req})
	if err != nil {
		return err
	}
	if err := decodeChunk(data, reply, buf); err != nil {
		return err
	}
	return reply.Err()
}

func hashFile(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verified is the set of cache files this process has seen whole, by
// path, while their size and mtime hold: a file in it is not hashed
// again. It is per process, as the cache is shared by every job.
var verified = verifiedSet{max: 1024}

type verifiedSet struct {
	max int
	mu  sync.Mutex
	m   map[string]stamp
}

type stamp struct {
	size  int64
	mtime time.Time
}

func (v *verifiedSet) has(p string, fi fs.FileInfo) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	s, ok := v.m[p]
	return ok && s.size == fi.Size() && s.mtime.Equal(fi.ModTime())
}

func (v *verifiedSet) add(p string, fi fs.FileInfo) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= v.max {
		// Forgetting costs only a hash on the next use.
		v.m = map[string]stamp{}
	}
	v.m[p] = stamp{fi.Size(), fi.ModTime()}
}

func (v *verifiedSet) forget(p string) {
	v.mu.Lock()
	delete(v.m, p)
	v.mu.Unlock()
}
