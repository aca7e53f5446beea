package minion

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// TestColdRunFetchesInBundles applies 70 file.managed states through a
// real master to a minion whose cache is empty: the small sources come
// in a few bundle requests (each within proto.MaxBundleFiles), each
// named once, none by a chunk request of its own; a source larger than a
// bundle comes in chunks as before. Every managed file has its source's
// bytes, and a second run asks the master for no file at all.
func TestColdRunFetchesInBundles(t *testing.T) {
	r := newFetchRig(t)
	var sls strings.Builder
	want := map[string][]byte{}
	small := map[string]bool{}
	for i := range 70 {
		b := pattern(1000+i*37, byte(i))
		if i%20 == 3 {
			b = pattern(150<<10, byte(i)) // four of 150 KiB: bundles split on bytes too
		}
		name := fmt.Sprintf("f%02d.txt", i)
		r.put(t, name, b)
		want[name] = b
		small[sha(b)] = true
		fmt.Fprintf(&sls, "/data/%s:\n  file.managed:\n    - source: salt://%s\n    - makedirs: True\n", name, name)
	}
	big := pattern(proto.MaxBundleBody+1000, 9)
	r.put(t, "big.bin", big)
	want["big.bin"] = big
	sls.WriteString("/data/big.bin:\n  file.managed:\n    - source: salt://big.bin\n")
	r.put(t, "many.sls", []byte(sls.String()))

	var (
		mu       sync.Mutex
		bundles  int
		named    = map[string]int{}
		byChunk  = map[string]int{}
		badAsked []string
	)
	_, err := r.op.Subscribe(proto.SubjFileChunk("m1"), func(msg *nats.Msg) {
		var req proto.ChunkRequest
		if err := proto.Unmarshal(msg.Data, &req); err != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if len(req.Files) == 0 {
			byChunk[req.SHA256]++
			return
		}
		bundles++
		if len(req.Files) > proto.MaxBundleFiles {
			badAsked = append(badAsked, fmt.Sprintf("%d files", len(req.Files)))
		}
		for _, s := range req.Files {
			named[s]++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.op.Flush(); err != nil {
		t.Fatal(err)
	}
	cl, err := client.Connect(client.Config{URL: r.m.ClientURL(), Creds: filepath.Join(r.dir, "master", master.OperatorFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	apply := func() {
		t.Helper()
		res, err := cl.Run(testCtx(t), client.Job{Target: "m1", TargetType: "list", Fun: "state.apply", Args: []any{"many"}, Timeout: time.Minute}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ret := res.Returns["m1"]; ret == nil || ret.Retcode != 0 {
			t.Fatalf("state.apply many: %+v", ret)
		}
	}
	apply()
	for name, b := range want {
		got, err := os.ReadFile(filepath.Join(r.root, "data", name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("/data/%s: %d bytes, %v; want its source's %d bytes", name, len(got), err, len(b))
		}
	}
	chunks := r.count(t, &r.chunks, int64(1+chunksOf(len(big))+2))
	mu.Lock()
	if bundles < 2 || bundles > 4 || len(badAsked) > 0 {
		t.Errorf("%d bundle requests (%v); want 2 to 4 for 70 small files, within the limits", bundles, badAsked)
	}
	for s := range small {
		if named[s] != 1 || byChunk[s] != 0 {
			t.Errorf("small file %s: named in %d bundles, asked for by %d chunk requests; want one bundle, no chunk request", s[:12], named[s], byChunk[s])
		}
	}
	if byChunk[sha(big)] != chunksOf(len(big)) {
		t.Errorf("the large file: %d chunk requests; want %d", byChunk[sha(big)], chunksOf(len(big)))
	}
	mu.Unlock()

	apply()
	if again := r.count(t, &r.chunks, chunks+1); again != chunks {
		t.Errorf("a second run asked for %d more chunks or bundles; want none", again-chunks)
	}
}

// TestBundleOfWrongBytesIsRefused: a bundle whose file does not hash to
// the manifest's hash for it (here the master's file changed under it,
// its size and mtime kept) is not taken into the cache, and the state
// that reads it fails on the hash; the files before it in the bundle,
// whole and of their hash, are taken.
func TestBundleOfWrongBytesIsRefused(t *testing.T) {
	r := newFetchRig(t)
	r.put(t, "a.txt", []byte("aaaa\n"))
	r.put(t, "b.txt", []byte("bbbb\n"))
	ctx := testCtx(t)
	var m proto.Manifest
	if err := r.mn.ask(ctx, proto.SubjFile("m1"), &proto.FileRequest{Manifest: true}, &m); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(r.srv, "b.txt")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	r.put(t, "b.txt", []byte("BBBB\n"))
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	f := &remoteFiles{m: r.mn, env: "base", tree: m.Tree}
	f.Prefetch(ctx, []string{"salt://a.txt", "salt://b.txt", "salt://not-in-the-tree.txt"})
	if _, err := os.Stat(filepath.Join(r.cacheDir(), sha([]byte("aaaa\n")))); err != nil {
		t.Errorf("a.txt, whole and of its hash, is not in the cache: %v", err)
	}
	if extra := r.leftovers(t, sha([]byte("aaaa\n"))); len(extra) > 0 {
		t.Errorf("the cache holds %q besides a.txt", extra)
	}
	if b, err := f.ReadFile(ctx, "salt://a.txt"); err != nil || string(b) != "aaaa\n" {
		t.Errorf("ReadFile(a.txt) = %q, %v", b, err)
	}
	if b, err := f.ReadFile(ctx, "salt://b.txt"); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("ReadFile(b.txt) = %q, %v; want ErrHashMismatch", b, err)
	}
}
