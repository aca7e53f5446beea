package proto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// TestBundleRoundTrip: a bundle answer carries its files back to back
// after its header, and decodes to the same bytes.
func TestBundleRoundTrip(t *testing.T) {
	bodies := [][]byte{[]byte("a\n"), {}, bytes.Repeat([]byte{'\n', 0}, 300)}
	var files []BundleFile
	for i, b := range bodies {
		files = append(files, BundleFile{SHA256: strings.Repeat(string(rune('a'+i)), 64), Length: len(b)})
	}
	head, err := BundleHead(files)
	if err != nil {
		t.Fatal(err)
	}
	answer := append(head, bytes.Join(bodies, nil)...)
	h, got, err := DecodeBundle(answer)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(bodies) || len(h.Files) != len(files) {
		t.Fatalf("decoded %d files; want %d", len(got), len(bodies))
	}
	for i := range bodies {
		if !bytes.Equal(got[i], bodies[i]) || h.Files[i] != files[i] {
			t.Errorf("file %d = %q %+v; want %q %+v", i, got[i], h.Files[i], bodies[i], files[i])
		}
	}
}

// TestBundleRefused: answers that are not bundles, or bundles past the
// limits, are refused; a plain reply returns its error.
func TestBundleRefused(t *testing.T) {
	one := []BundleFile{{SHA256: strings.Repeat("a", 64), Length: 3}}
	head, err := BundleHead(one)
	if err != nil {
		t.Fatal(err)
	}
	for name, answer := range map[string][]byte{
		"short body":     append(append([]byte{}, head...), "ab"...),
		"trailing bytes": append(append([]byte{}, head...), "abcd"...),
		"no body":        head[:len(head)-1],
		"not json":       []byte("nope\nabc"),
		"old framing":    []byte(`{"v":1,"chunk_v":1,"files":[]}` + "\n"),
	} {
		if _, _, err := DecodeBundle(answer); !errors.Is(err, ErrChunk) {
			t.Errorf("%s: DecodeBundle = %v; want ErrChunk", name, err)
		}
	}
	if _, _, err := DecodeBundle(ErrorReply(errors.New("no such file"))); err == nil || errors.Is(err, ErrChunk) {
		t.Errorf("an error reply decodes as %v; want its error", err)
	}
	many := make([]BundleFile, MaxBundleFiles+1)
	for i := range many {
		many[i] = BundleFile{SHA256: strings.Repeat("a", 64)}
	}
	if _, err := BundleHead(many); !errors.Is(err, ErrChunk) {
		t.Errorf("a header of %d files = %v; want ErrChunk", len(many), err)
	}
	if _, err := BundleHead([]BundleFile{{SHA256: "x", Length: MaxBundleBody + 1}}); !errors.Is(err, ErrChunk) {
		t.Errorf("a header of %d bytes of files = %v; want ErrChunk", MaxBundleBody+1, err)
	}
	forged, _ := Marshal(&BundleHeader{ChunkV: ChunkVersion, Files: many})
	if _, _, err := DecodeBundle(append(forged, '\n')); !errors.Is(err, ErrChunk) {
		t.Errorf("an answer of %d files = %v; want ErrChunk", len(many), err)
	}
}
