package security

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// TestBundleRequestsStayBounded: a minion's bundle request (several
// small files whole in one answer) serves only files of the state tree,
// by the hashes the master hands out, within its limits: a forged hash,
// the hash of a master file outside the roots (its key), more files
// than a request may name, or a file larger than a bundle are refused,
// in words that name no path of the master.
func TestBundleRequestsStayBounded(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	var info proto.FileInfo
	if err := ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: "files/hello.txt"}, &info); err != nil {
		t.Fatal(err)
	}
	bundle := func(files []string) ([][]byte, error) {
		t.Helper()
		b, _ := proto.Marshal(&proto.ChunkRequest{ChunkV: proto.ChunkVersion, Files: files})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		msg, err := ev.nc.RequestWithContext(ctx, proto.SubjFileChunk("evil"), b)
		if err != nil {
			t.Fatal(err)
		}
		_, data, err := proto.DecodeBundle(msg.Data)
		return data, err
	}
	// What a minion may read, it reads.
	data, err := bundle([]string{info.SHA256})
	if err != nil || len(data) != 1 || hexsha(data[0]) != info.SHA256 {
		t.Fatalf("a bundle of files/hello.txt = %d files, %v", len(data), err)
	}

	key, err := os.ReadFile(filepath.Join(e.Dir, "master", "issuer.nk"))
	if err != nil {
		t.Fatal(err)
	}
	many := make([]string, proto.MaxBundleFiles+1)
	for i := range many {
		many[i] = info.SHA256
	}
	for name, files := range map[string][]string{
		"a forged hash":                 {strings.Repeat("0", 64)},
		"the hash of the master's key":  {info.SHA256, hexsha(key)},
		"a path":                        {"../master/issuer.nk"},
		"more files than a request may": many,
	} {
		data, err := bundle(files)
		switch {
		case err == nil:
			t.Errorf("%s: served %d files", name, len(data))
		case strings.Contains(err.Error(), e.Dir):
			t.Errorf("%s: the error names the master's path: %v", name, err)
		}
		for _, d := range data {
			if bytes.Contains(d, key) {
				t.Errorf("%s: the master's key was served", name)
			}
		}
	}
}

func hexsha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
