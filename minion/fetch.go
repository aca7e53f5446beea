package minion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/proto"
)

// A salt:// file is fetched straight into the disk cache: its chunks are
// asked for a few at a time, written in order to a temp file as they
// arrive and hashed on the way, and the temp file becomes
// CacheDir/files/<sha256> (atomicfile.WriteFrom) only once the whole
// matches the master's hash. Memory is bounded by the window, not by the
// file: a 1 GB file costs fetchWindow chunks of memory, not a gigabyte.
//
// A chunk comes raw, in one NATS message (proto.DecodeChunk): its bytes
// are written to the temp file from the message as it arrived, with no
// copy and no decoding on the way.

// fetchWindow is how many chunks may be asked for and not yet written:
// the master reads the next while the minion hashes and writes one. The
// window bounds the fetch's memory: each chunk in it is one message of
// FileInfo.ChunkSize bytes. On loopback (make bench) two in flight were
// slower than four; more buy nothing but memory.
const fetchWindow = 4

// maxChunkSize bounds the chunk size a master may announce: the window
// holds fetchWindow chunks, and NATS carries no message over 64 MiB.
const maxChunkSize = 64 << 20

// chunkTries is how often one chunk is asked for, when the answer does
// not come, before the fetch fails: a lost request costs a timeout, not
// the whole file. (A master too busy to take a request says so, and is
// asked again for as long as ask would: busyRetry.)
const chunkTries = 3

// staleTemp is the age past which a temp file in the cache is taken for
// the leftover of a fetch that died with its process. A live fetch writes
// its temp file continuously.
const staleTemp = 24 * time.Hour

var (
	// ErrHashMismatch is a fetched file whose content does not have the
	// sha256 the master announced.
	ErrHashMismatch = errors.New("content does not match the sha256 the master announced")
	// ErrBadChunk is a chunk answer that is not one (proto.ErrChunk: no
	// header, a truncated body), a chunk that is not the one asked for,
	// or not of the size the file's metadata implies.
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
	if info.Size < 0 || info.ChunkSize <= 0 || info.ChunkSize > maxChunkSize {
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
	if m.verified.has(p, fi) {
		return p, true
	}
	got, err := hashFile(p)
	if err == nil && got == info.SHA256 {
		m.verified.add(p, fi)
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
	s := m.newChunkStream(ctx, raw, info)
	defer s.close()
	// Named only once whole and of its hash: the stream fails at its end
	// when the content is not its hash. Not flushed to disk (an fsync a
	// file, 2 ms or more, made a first state run of 50 files to 100
	// minions on one disk take seconds): a file a crash left short or
	// empty under its name is not trusted by its name, since a process
	// trusts only the cache files it wrote or hashed itself (cached),
	// and is fetched again.
	if err := atomicfile.WriteFrom(final, s, 0o600); err != nil {
		if s.err != nil {
			return "", s.err
		}
		return "", &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	if fi, err := os.Stat(final); err == nil {
		m.verified.add(final, fi)
	}
	return final, nil
}

// sweepEvery is how often a minion looks for stale temp files in its
// cache: at its first fetch, then at most once an hour, not at every
// fetch (a listing of the whole cache each time).
const sweepEvery = time.Hour

// sweepTemps removes temp files that fetches which died with their
// process left behind: atomicfile's, by their TempMark. A cached file
// is named by a bare sha256, which never has one.
func (m *Minion) sweepTemps(dir string) {
	last := m.swept.Load()
	now := time.Now().UnixNano()
	if last != 0 && time.Duration(now-last) < sweepEvery || !m.swept.CompareAndSwap(last, now) {
		return
	}
	old, _ := filepath.Glob(filepath.Join(dir, ".*"+atomicfile.TempMark+"*"))
	for _, p := range old {
		if fi, err := os.Stat(p); err == nil && time.Since(fi.ModTime()) > staleTemp {
			_ = os.Remove(p)
		}
	}
}

// chunkResult is one chunk as a fetching goroutine hands it back: data
// is the body of its answer.
type chunkResult struct {
	i    int
	data []byte
	err  error
}

// chunkStream is a file's content as the master sends it: an io.Reader,
// and an io.WriterTo that writes each chunk as it came, with no copy
// (atomicfile's io.Copy uses it). It asks for the chunks at most
// fetchWindow ahead of the first one not yet handed out, hands them out
// in order, hashes them, and ends with io.EOF only if the whole has the
// master's hash. Its first error is a *FetchError, kept in err.
type chunkStream struct {
	ctx    context.Context
	cancel context.CancelFunc
	m      *Minion
	raw    string
	info   *proto.FileInfo
	wg     sync.WaitGroup

	// results is buffered for the whole window: a goroutine never
	// blocks handing back its chunk, even after the fetch gave up on it.
	results chan chunkResult
	pending map[int]chunkResult // arrived, not yet handed out
	asked   int                 // chunks asked for
	out     int                 // chunks handed out
	cur     []byte              // what Read has not yet handed out of the last chunk
	h       hash.Hash
	err     error
}

func (m *Minion) newChunkStream(ctx context.Context, raw string, info *proto.FileInfo) *chunkStream {
	ctx, cancel := context.WithCancel(ctx)
	return &chunkStream{ctx: ctx, cancel: cancel, m: m, raw: raw, info: info,
		results: make(chan chunkResult, fetchWindow), pending: make(map[int]chunkResult, fetchWindow), h: sha256.New()}
}

// close stops the chunks still asked for; every goroutine the stream
// started has ended when it returns.
func (s *chunkStream) close() {
	s.cancel()
	s.wg.Wait()
}

// next returns the next chunk in order, once the one before was written:
// the window counts the chunks handed out, and a caller hands on one
// chunk before it asks for the next. At the end it returns io.EOF, or an
// ErrHashMismatch.
func (s *chunkStream) next() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.out == s.info.Chunks {
		if got := hex.EncodeToString(s.h.Sum(nil)); got != s.info.SHA256 {
			return nil, s.fail(-1, fmt.Errorf("%w: got %s, master said %s", ErrHashMismatch, got, s.info.SHA256))
		}
		return nil, io.EOF
	}
	for s.asked < s.info.Chunks && s.asked < s.out+fetchWindow {
		s.wg.Add(1)
		go func(i int) {
			defer s.wg.Done()
			data, err := s.m.fetchChunk(s.ctx, s.info, i)
			s.results <- chunkResult{i, data, err}
		}(s.asked)
		s.asked++
	}
	for {
		if r, ok := s.pending[s.out]; ok {
			delete(s.pending, s.out)
			s.out++
			s.h.Write(r.data)
			return r.data, nil
		}
		select {
		case r := <-s.results:
			if r.err != nil {
				return nil, s.fail(r.i, r.err)
			}
			s.pending[r.i] = r
		case <-s.ctx.Done():
			return nil, s.fail(s.out, s.ctx.Err())
		}
	}
}

func (s *chunkStream) fail(chunk int, err error) error {
	s.err = &FetchError{URL: s.raw, Chunk: chunk, Err: err}
	return s.err
}

func (s *chunkStream) Read(p []byte) (int, error) {
	for len(s.cur) == 0 {
		c, err := s.next()
		if err != nil {
			return 0, err
		}
		s.cur = c
	}
	n := copy(p, s.cur)
	s.cur = s.cur[n:]
	return n, nil
}

// WriteTo writes each chunk to w from its answer, with no copy.
func (s *chunkStream) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for c := s.cur; ; {
		if len(c) > 0 {
			k, err := w.Write(c)
			n += int64(k)
			if err != nil {
				return n, err
			}
		}
		s.cur = nil
		var err error
		if c, err = s.next(); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
	}
}

// fetchChunk asks the master for chunk i, again when a request goes
// unanswered, and returns its bytes once they are that chunk.
func (m *Minion) fetchChunk(ctx context.Context, info *proto.FileInfo, i int) ([]byte, error) {
	req, err := proto.Marshal(&proto.ChunkRequest{SHA256: info.SHA256, Index: i, ChunkV: proto.ChunkVersion})
	if err != nil {
		return nil, err
	}
	return askAgain(ctx, func() ([]byte, error) { return m.askChunk(ctx, req, info, i) })
}

// askAgain makes a request for file data (a chunk, a bundle) until it is
// answered: again a little later while the master says it is busy (as
// ask does), and again at once, up to chunkTries times, when it went
// unanswered: the masters' queue group then gives it to another master,
// which serves the same data (files_cluster.go on the master).
func askAgain[T any](ctx context.Context, ask func() (T, error)) (T, error) {
	busyUntil := time.Now().Add(busyRetry)
	pause := 20 * time.Millisecond
	for try := 1; ; {
		data, err := ask()
		switch {
		case errors.Is(err, proto.ErrBusy) && time.Now().Before(busyUntil):
			select {
			case <-ctx.Done():
				return data, err
			case <-time.After(pause/2 + rand.N(pause)):
			}
			pause = min(2*pause, time.Second)
			continue
		case retryElsewhere(err) && ctx.Err() == nil && try < chunkTries:
			try++
			continue
		}
		return data, err
	}
}

// askChunk sends an encoded chunk request and returns the chunk's bytes,
// a part of the answer as it arrived (checkChunk).
func (m *Minion) askChunk(ctx context.Context, req []byte, info *proto.FileInfo, i int) ([]byte, error) {
	answer, err := m.requestOnce(ctx, &nats.Msg{Subject: proto.SubjFileChunk(m.id), Data: req})
	if err != nil {
		return nil, err
	}
	return checkChunk(answer, info, i)
}

// checkChunk decodes a chunk answer and returns its bytes when they are
// chunk i of the file info describes, of the size info implies. A plain
// reply returns its error (proto.ErrBusy for a busy master); anything
// else that is not that chunk is an ErrBadChunk.
func checkChunk(answer []byte, info *proto.FileInfo, i int) ([]byte, error) {
	h, data, err := proto.DecodeChunk(answer)
	if errors.Is(err, proto.ErrChunk) {
		return nil, fmt.Errorf("%w: %w", ErrBadChunk, err)
	}
	if err != nil {
		return nil, err
	}
	want := min(int64(info.ChunkSize), info.Size-int64(i)*int64(info.ChunkSize))
	if h.SHA256 != info.SHA256 || h.Index != i || int64(len(data)) != want {
		return nil, fmt.Errorf("%w: got chunk %d of %s, %d bytes; want chunk %d, %d bytes", ErrBadChunk, h.Index, proto.Clip(h.SHA256, 80), len(data), i, want)
	}
	return data, nil
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

// verifiedSet is the set of cache files a minion has seen whole, by
// path, while their size and mtime hold: a file in it is not hashed
// again. It lives as long as the minion's process: a file that process
// did not write or hash itself is hashed before it is trusted.
type verifiedSet struct {
	max int // 0: defaultVerified
	mu  sync.Mutex
	m   map[string]stamp
}

// defaultVerified bounds the files a minion remembers as seen whole:
// more than a tree of thousands of files, small next to its memory.
const defaultVerified = 8192

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
	limit := v.max
	if limit == 0 {
		limit = defaultVerified
	}
	if v.m == nil || len(v.m) >= limit {
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
