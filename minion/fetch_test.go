package minion

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// The minion's remoteFiles must let file.managed stream.
var _ states.FileOpener = (*remoteFiles)(nil)

// pattern is n bytes that differ from chunk to chunk and within one.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31+i>>13) ^ seed
	}
	return b
}

// fetchRig is a real master with a file root, a real minion m1 that it
// accepted, and a count of the file requests the master got from m1.
type fetchRig struct {
	dir, srv, root string
	m              *master.Master
	mn             *Minion
	infos, chunks  atomic.Int64
	// op is the operator's connection that counts them.
	op *nats.Conn
	// onChunk, when set, sees each chunk request as the master does.
	onChunk atomic.Pointer[func(n int64)]
}

func newFetchRig(t *testing.T) *fetchRig {
	t.Helper()
	r := &fetchRig{dir: t.TempDir()}
	r.srv = filepath.Join(r.dir, "srv")
	r.root = filepath.Join(r.dir, "root")
	for _, d := range []string{r.srv, r.root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	r.m = startPlainMaster(t, r.dir, "m*")
	mn, _, ready := runLogged(t, r.dir, "m1", r.m.ClientURL(), func(c *Config) { c.Root = r.root })
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("minion m1 not accepted")
	}
	r.mn = mn
	nc := r.operator(t)
	r.op = nc
	_, _ = nc.Subscribe(proto.SubjFile("m1"), func(*nats.Msg) { r.infos.Add(1) })
	_, _ = nc.Subscribe(proto.SubjFileChunk("m1"), func(*nats.Msg) {
		n := r.chunks.Add(1)
		if f := r.onChunk.Load(); f != nil {
			(*f)(n)
		}
	})
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	return r
}

// seen reads a count of the requests a watching connection saw, once
// it has reached want or a few seconds have passed: the watcher hears a
// minion's request on a connection of its own, after the master may have
// answered it.
func seen(n *atomic.Int64, want int64) int64 {
	for deadline := time.Now().Add(5 * time.Second); n.Load() < want && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	return n.Load()
}

func (r *fetchRig) operator(t *testing.T) *nats.Conn {
	t.Helper()
	op, err := master.ReadKey(filepath.Join(r.dir, "master", master.OperatorFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := op.PublicKey()
	nc, err := nats.Connect(r.m.ClientURL(), nats.Nkey(pub, op.Sign))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// count returns c once the operator's connection has taken in what the
// server sent it so far, and c has reached want (or 10 s passed): the
// operator sees the minion's requests a moment after the master does.
func (r *fetchRig) count(t *testing.T, c *atomic.Int64, want int64) int64 {
	t.Helper()
	if err := r.op.Flush(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for c.Load() < want && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return c.Load()
}

func (r *fetchRig) put(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(r.srv, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func (r *fetchRig) cacheDir() string { return filepath.Join(r.mn.cfg.CacheDir, "files") }

// leftovers lists what the cache holds besides the named files.
func (r *fetchRig) leftovers(t *testing.T, want ...string) []string {
	t.Helper()
	ents, err := os.ReadDir(r.cacheDir())
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var extra []string
	for _, e := range ents {
		found := false
		for _, w := range want {
			found = found || e.Name() == w
		}
		if !found {
			extra = append(extra, e.Name())
		}
	}
	return extra
}

// chunksOf is how many chunks the master sends a file of n bytes in.
func chunksOf(n int) int { return (n + master.ChunkSize - 1) / master.ChunkSize }

func shaHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func readAll(t *testing.T, f *remoteFiles, url string) ([]byte, int64) {
	t.Helper()
	rc, size, err := f.Open(testCtx(t), url)
	if err != nil {
		t.Fatalf("Open(%s) = %v", url, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b, size
}

// TestFetchStreamsChunks fetches a file of 5 MB and a byte, in the
// chunks the master chose, into the cache under its hash.
func TestFetchStreamsChunks(t *testing.T) {
	r := newFetchRig(t)
	want := pattern(5<<20+1, 7)
	r.put(t, "big.bin", want)
	f := &remoteFiles{m: r.mn, env: "base"}

	got, size := readAll(t, f, "salt://big.bin")
	if !bytes.Equal(got, want) || size != int64(len(want)) {
		t.Fatalf("Open(salt://big.bin) = %d bytes (size %d), not the file's %d", len(got), size, len(want))
	}
	n := int64(chunksOf(len(want)))
	if c := seen(&r.chunks, n); c != n {
		t.Errorf("the fetch asked for %d chunks; want %d", c, n)
	}
	sum := shaHex(want)
	fi, err := os.Stat(filepath.Join(r.cacheDir(), sum))
	if err != nil || fi.Size() != int64(len(want)) || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file %s: %v, %v; want %d bytes, mode 0600", sum, fi, err, len(want))
	}
	if extra := r.leftovers(t, sum); len(extra) > 0 {
		t.Errorf("the cache holds %q besides the file", extra)
	}
	// ReadFile in the same job finds it: no round trip at all.
	b, err := f.ReadFile(testCtx(t), "salt://big.bin")
	if err != nil || !bytes.Equal(b, want) {
		t.Errorf("ReadFile after Open = %d bytes, %v", len(b), err)
	}
	if i, c := seen(&r.infos, 1), seen(&r.chunks, n); i != 1 || c != n {
		t.Errorf("the job asked %d times for the file and %d chunks; want 1 and %d", i, c, n)
	}

	// An empty file is one request and no chunk.
	r.put(t, "empty", nil)
	if got, size := readAll(t, f, "salt://empty"); len(got) != 0 || size != 0 {
		t.Errorf("Open(salt://empty) = %d bytes, size %d", len(got), size)
	}
	if _, _, err := f.Open(testCtx(t), "salt://nope.bin"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open(salt://nope.bin) = %v; want fs.ErrNotExist", err)
	}
}

// TestFetchBadContent changes the file on the master between the
// minion's question for its hash and its chunks: the content no longer
// matches its hash, or no longer has its size. The fetch fails, names the
// URL, and leaves nothing in the cache.
func TestFetchBadContent(t *testing.T) {
	r := newFetchRig(t)
	orig := pattern(3<<20, 1)
	tests := []struct {
		name    string
		changed []byte
		want    error
	}{
		{"one byte flipped", func() []byte {
			b := bytes.Clone(orig)
			b[2<<20+5] ^= 0xff
			return b
		}(), ErrHashMismatch},
		{"shorter", orig[:3<<20-100], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r.put(t, "f.bin", orig)
			ctx := testCtx(t)
			var info proto.FileInfo
			if err := r.mn.ask(ctx, proto.SubjFile("m1"), &proto.FileRequest{Path: "f.bin"}, &info); err != nil {
				t.Fatal(err)
			}
			r.put(t, "f.bin", tt.changed)
			_, err := r.mn.fetch(ctx, "salt://f.bin", &info)
			var fe *FetchError
			if !errors.As(err, &fe) || fe.URL != "salt://f.bin" || !strings.Contains(err.Error(), "salt://f.bin") {
				t.Fatalf("fetch = %v; want a *FetchError naming salt://f.bin", err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("fetch = %v; want %v", err, tt.want)
			}
			if extra := r.leftovers(t); len(extra) > 0 {
				t.Errorf("a failed fetch left %q in the cache", extra)
			}
		})
	}
}

// TestFetchCached: a later job finds the file in the cache and asks only
// for its hash; a cache file whose content went bad is fetched again.
func TestFetchCached(t *testing.T) {
	r := newFetchRig(t)
	want := pattern(2<<20+3, 9)
	r.put(t, "c.bin", want)
	readAll(t, &remoteFiles{m: r.mn, env: "base"}, "salt://c.bin")
	n := int64(chunksOf(len(want)))
	if c := seen(&r.chunks, n); c != n {
		t.Fatalf("first fetch asked for %d chunks; want %d", c, n)
	}
	got, _ := readAll(t, &remoteFiles{m: r.mn, env: "base"}, "salt://c.bin")
	if c := seen(&r.chunks, n); c != n || !bytes.Equal(got, want) {
		t.Errorf("a cached file was fetched again (%d chunks in all), or read wrong", c)
	}
	if n := seen(&r.infos, 2); n != 2 {
		t.Errorf("two jobs asked %d times for the file's hash; want 2", n)
	}

	// Rot in the cache: same size, other bytes. The process has checked
	// the file already, so the check is forgotten as a restart would.
	p := filepath.Join(r.cacheDir(), shaHex(want))
	bad := bytes.Clone(want)
	bad[100] ^= 1
	if err := os.WriteFile(p, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	r.mn.verified.forget(p)
	got, _ = readAll(t, &remoteFiles{m: r.mn, env: "base"}, "salt://c.bin")
	if !bytes.Equal(got, want) {
		t.Error("a cache file with the wrong content was used")
	}
	if c := seen(&r.chunks, 2*n); c != 2*n {
		t.Errorf("a bad cache file was not fetched again: %d chunks in all; want %d", c, 2*n)
	}
}

// TestFetchCancelled: a fetch whose context ends stops, says why, and
// leaves no temp file.
func TestFetchCancelled(t *testing.T) {
	r := newFetchRig(t)
	r.put(t, "slow.bin", pattern(20<<20, 3))
	ctx, cancel := context.WithCancel(testCtx(t))
	stop := func(n int64) {
		if n == 3 {
			cancel()
		}
	}
	r.onChunk.Store(&stop)
	_, _, err := (&remoteFiles{m: r.mn, env: "base"}).Open(ctx, "salt://slow.bin")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with its context cancelled = %v; want context.Canceled", err)
	}
	if extra := r.leftovers(t); len(extra) > 0 {
		t.Errorf("a cancelled fetch left %q in the cache", extra)
	}
}

// TestFileManagedBigSource applies file.managed with a salt:// source of
// 20 MB through the master, as an operator would: the file arrives byte
// for byte, and a second run changes nothing and fetches nothing.
func TestFileManagedBigSource(t *testing.T) {
	r := newFetchRig(t)
	want := pattern(20<<20, 5)
	r.put(t, "big.bin", want)
	r.put(t, "big.sls", []byte("/data/big.bin:\n  file.managed:\n    - source: salt://big.bin\n    - makedirs: True\n    - mode: '0640'\n"))
	cl, err := client.Connect(client.Config{URL: r.m.ClientURL(), Creds: filepath.Join(r.dir, "master", master.OperatorFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	apply := func() map[string]any {
		t.Helper()
		res, err := cl.Run(testCtx(t), client.Job{Target: "m1", TargetType: "list", Fun: "state.apply", Args: []any{"big"}, Timeout: time.Minute}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ret := res.Returns["m1"]
		if ret == nil || ret.Retcode != 0 {
			t.Fatalf("state.apply big: %+v", ret)
		}
		states, _ := ret.Return.(map[string]any)
		for _, v := range states {
			st, _ := v.(map[string]any)
			return st
		}
		t.Fatalf("state.apply big returned no state: %+v", ret.Return)
		return nil
	}
	st := apply()
	got, err := os.ReadFile(filepath.Join(r.root, "data", "big.bin"))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("managed file: %d bytes, %v; want the 20 MB source byte for byte", len(got), err)
	}
	if fi, _ := os.Stat(filepath.Join(r.root, "data", "big.bin")); fi == nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("managed file mode = %v; want 0640", fi)
	}
	if ch, _ := st["changes"].(map[string]any); ch["diff"] != "New file" {
		t.Errorf("first run changes = %v; want a new file", st["changes"])
	}
	// The chunks of the file, and the one of big.sls.
	chunks := r.chunks.Load()
	if want := int64(chunksOf(len(want)) + 1); chunks != want {
		t.Errorf("the run asked for %d chunks; want %d", chunks, want)
	}

	st = apply()
	if ch, _ := st["changes"].(map[string]any); len(ch) != 0 || st["result"] != true {
		t.Errorf("second run = %v; want True with no changes", st)
	}
	if n := r.chunks.Load(); n != chunks {
		t.Errorf("the second run fetched %d chunks again", n-chunks)
	}
}

// TestCheckChunk: a chunk answer is taken only when it is the chunk
// asked for, whole, of the size the file's metadata implies; anything
// else is an ErrBadChunk, and a plain reply gives its error.
func TestCheckChunk(t *testing.T) {
	sum := shaHex([]byte("whatever"))
	info := &proto.FileInfo{SHA256: sum, Size: 10, ChunkSize: 4, Chunks: 3}
	enc := func(sha string, i int, data string) []byte {
		b, err := proto.EncodeChunk(sha, i, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	old, _ := proto.Marshal(&proto.Chunk{SHA256: sum, Index: 1, Data: []byte("efgh")})
	tests := []struct {
		name   string
		answer []byte
		i      int
		want   error // nil: the chunk is taken
		text   string
	}{
		{"chunk 1", enc(sum, 1, "efgh"), 1, nil, ""},
		{"the short last chunk", enc(sum, 2, "ij"), 2, nil, ""},
		{"wrong length", enc(sum, 1, "efg"), 1, ErrBadChunk, "3 bytes; want chunk 1, 4 bytes"},
		{"last chunk too long", enc(sum, 2, "ijk"), 2, ErrBadChunk, "3 bytes; want chunk 2, 2 bytes"},
		{"wrong sha", enc(shaHex([]byte("other")), 1, "efgh"), 1, ErrBadChunk, "got chunk 1 of " + shaHex([]byte("other"))},
		{"wrong index", enc(sum, 0, "abcd"), 1, ErrBadChunk, "got chunk 0"},
		{"truncated body", enc(sum, 1, "efgh")[:len(enc(sum, 1, "efgh"))-2], 1, proto.ErrChunk, "the header says 4 bytes, 2 came"},
		{"garbage", []byte("\x00\x01"), 1, proto.ErrChunk, "not a brine message"},
		{"an old master's chunk", old, 1, proto.ErrVersion, "chunk framing 0"},
		{"busy", proto.BusyReply(), 1, proto.ErrBusy, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := checkChunk(tt.answer, info, tt.i)
			if tt.want == nil {
				if err != nil || len(data) == 0 || !bytes.HasSuffix(tt.answer, data) {
					t.Fatalf("checkChunk = %q, %v; want the answer's body", data, err)
				}
				return
			}
			if data != nil || !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.text) {
				t.Fatalf("checkChunk = %q, %v; want %v saying %q", data, err, tt.want, tt.text)
			}
			if errors.Is(err, proto.ErrChunk) && !errors.Is(err, ErrBadChunk) {
				t.Errorf("checkChunk = %v; want ErrBadChunk too", err)
			}
		})
	}
	if _, err := checkChunk(proto.ErrorReply(errors.New("file x has no chunk 7")), info, 1); err == nil || errors.Is(err, ErrBadChunk) || !strings.Contains(err.Error(), "no chunk 7") {
		t.Errorf("checkChunk(an error reply) = %v; want the master's error", err)
	}
}

// TestChunkStreamRead reads a fetch through Read, as a reader with no
// WriteTo would, and checks that a temp file a dead fetch left a day ago
// is swept while a live one is not.
func TestChunkStreamRead(t *testing.T) {
	r := newFetchRig(t)
	want := pattern(3<<20+7, 4)
	r.put(t, "r.bin", want)
	ctx := testCtx(t)
	var info proto.FileInfo
	if err := r.mn.ask(ctx, proto.SubjFile("m1"), &proto.FileRequest{Path: "r.bin"}, &info); err != nil {
		t.Fatal(err)
	}
	s := r.mn.newChunkStream(ctx, "salt://r.bin", &info)
	defer s.close()
	var got bytes.Buffer
	// Only Read: the writer and the reader hide ReadFrom and WriteTo.
	if _, err := io.CopyBuffer(struct{ io.Writer }{&got}, struct{ io.Reader }{s}, make([]byte, 1000)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("Read gave %d bytes, not the file's %d", got.Len(), len(want))
	}
	if _, err := s.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("Read after the end = %v; want io.EOF", err)
	}

	if err := os.MkdirAll(r.cacheDir(), 0o700); err != nil {
		t.Fatal(err)
	}
	dead := filepath.Join(r.cacheDir(), "."+shaHex(nil)+atomicfile.TempMark+"1")
	live := filepath.Join(r.cacheDir(), "."+shaHex(nil)+atomicfile.TempMark+"2")
	for _, p := range []string{dead, live} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Now().Add(-staleTemp - time.Hour)
	_ = os.Chtimes(dead, day, day)
	if _, err := r.mn.fetch(ctx, "salt://r.bin", &info); err != nil {
		t.Fatal(err)
	}
	if extra := r.leftovers(t, shaHex(want)); len(extra) != 1 || extra[0] != filepath.Base(live) {
		t.Errorf("the cache holds %q besides the file; want only the live temp file", extra)
	}
}
