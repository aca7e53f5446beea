package master

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestBundleAnswer: a bundle request is answered with the files whole,
// in the order asked, as many as fit in one answer; a request past the
// limits, for a file too large or a hash the tree does not have, is
// refused in words that name no path of the master.
func TestBundleAnswer(t *testing.T) {
	root := t.TempDir()
	put := func(name string, b []byte) string {
		t.Helper()
		if err := os.WriteFile(filepath.Join(root, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		return sha256hex(string(b))
	}
	small := map[string][]byte{}
	var order []string
	for i, b := range [][]byte{[]byte("a\n"), {}, bytes.Repeat([]byte("x"), 200<<10), bytes.Repeat([]byte("y"), 200<<10), bytes.Repeat([]byte("z"), 200<<10)} {
		sha := put(string(rune('a'+i))+".txt", b)
		small[sha] = b
		order = append(order, sha)
	}
	big := put("big.bin", bytes.Repeat([]byte("b"), proto.MaxBundleBody+1))
	f := newFileServer(map[string][]string{"base": {root}}, testLog())
	// Hashes are served once the tree is known, as for chunks.
	mreq, _ := proto.Marshal(&proto.FileRequest{Manifest: true})
	f.onFile(context.Background(), "m1", &nats.Msg{Data: mreq})

	ask := func(req *proto.ChunkRequest) (*proto.BundleHeader, [][]byte, error) {
		b, _ := proto.Marshal(req)
		return proto.DecodeBundle(f.onChunk(context.Background(), "m1", &nats.Msg{Data: b}))
	}
	h, data, err := ask(&proto.ChunkRequest{ChunkV: proto.ChunkVersion, Files: order})
	if err != nil {
		t.Fatal(err)
	}
	// Two of the 200 KiB files fit with the small ones; the third does not.
	if len(data) != 4 {
		t.Fatalf("a bundle of %d files; want the first 4 of %d", len(data), len(order))
	}
	for i, d := range data {
		if h.Files[i].SHA256 != order[i] || !bytes.Equal(d, small[order[i]]) {
			t.Errorf("bundle file %d = %s, %d bytes; want %s", i, h.Files[i].SHA256, len(d), order[i])
		}
	}
	if _, data, err := ask(&proto.ChunkRequest{ChunkV: proto.ChunkVersion, Files: order[4:]}); err != nil || !bytes.Equal(data[0], small[order[4]]) {
		t.Errorf("the rest: %d files, %v", len(data), err)
	}

	many := make([]string, proto.MaxBundleFiles+1)
	for i := range many {
		many[i] = order[0]
	}
	for name, req := range map[string]*proto.ChunkRequest{
		"too many files":  {ChunkV: proto.ChunkVersion, Files: many},
		"a large file":    {ChunkV: proto.ChunkVersion, Files: []string{order[0], big}},
		"an unknown hash": {ChunkV: proto.ChunkVersion, Files: []string{order[0], strings.Repeat("0", 64)}},
		"a path":          {ChunkV: proto.ChunkVersion, Files: []string{"../../etc/passwd"}},
		"old framing":     {ChunkV: 1, Files: []string{order[0]}},
	} {
		_, _, err := ask(req)
		if err == nil {
			t.Errorf("%s: served", name)
		} else if strings.Contains(err.Error(), root) {
			t.Errorf("%s: the error names the master's path: %v", name, err)
		}
	}
}
