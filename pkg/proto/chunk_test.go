package proto

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const testSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestChunkRoundTrip(t *testing.T) {
	for _, data := range [][]byte{nil, {0}, []byte("a\nb\n"), bytes.Repeat([]byte{'\n', 0xff}, 3000)} {
		b, err := EncodeChunk(testSHA, 7, data)
		if err != nil {
			t.Fatal(err)
		}
		h, body, err := DecodeChunk(b)
		if err != nil {
			t.Fatalf("DecodeChunk(EncodeChunk(%d bytes)) = %v", len(data), err)
		}
		if h.SHA256 != testSHA || h.Index != 7 || h.Length != len(data) || h.ChunkV != ChunkVersion || !bytes.Equal(body, data) {
			t.Errorf("DecodeChunk = %+v, %d bytes; want chunk 7 of %d bytes", h, len(body), len(data))
		}
		// The body is the answer's own bytes, not a copy.
		if len(body) > 0 && &body[0] != &b[len(b)-len(data)] {
			t.Error("DecodeChunk copied the body")
		}
	}
}

func TestChunkHeadFitsOnePart(t *testing.T) {
	// The largest header the master can send: a sha256 and the largest
	// index and length.
	head, err := ChunkHead(testSHA, int(^uint(0)>>1), int(^uint(0)>>1))
	if err != nil {
		t.Fatal(err)
	}
	if len(head) > MaxChunkHead || head[len(head)-1] != '\n' || bytes.Count(head, []byte{'\n'}) != 1 {
		t.Errorf("ChunkHead = %q (%d bytes); want one line of at most %d bytes", head, len(head), MaxChunkHead)
	}
	if _, err := ChunkHead(strings.Repeat("a", MaxChunkHead), 0, 1); !errors.Is(err, ErrChunk) {
		t.Errorf("ChunkHead of a long sha = %v; want ErrChunk", err)
	}
	if _, err := ChunkHead(testSHA, -1, 1); !errors.Is(err, ErrChunk) {
		t.Errorf("ChunkHead of chunk -1 = %v; want ErrChunk", err)
	}
}

func TestDecodeChunkRefuses(t *testing.T) {
	good, _ := EncodeChunk(testSHA, 1, []byte("hello"))
	head, _ := ChunkHead(testSHA, 1, 5)
	old, _ := Marshal(&Chunk{SHA256: testSHA, Index: 1, Data: []byte("hello")})
	tests := []struct {
		name string
		in   []byte
		want error  // errors.Is
		text string // in the message
	}{
		{"truncated body", good[:len(good)-1], ErrChunk, "says 5 bytes, 4 came"},
		{"longer body", append(bytes.Clone(good), 'x'), ErrChunk, "says 5 bytes, 6 came"},
		{"header alone", head, ErrChunk, "5 bytes, 0 came"},
		{"negative length", []byte(`{"v":1,"chunk_v":2,"sha256":"x","index":0,"length":-1}` + "\n"), ErrChunk, "-1 bytes, 0 came"},
		{"no body, no line break", head[:len(head)-1], ErrChunk, "a header and no body"},
		{"not JSON", []byte("hello\nworld"), ErrChunk, "not a brine message"},
		{"empty", nil, ErrChunk, "not a brine message"},
		{"long header", append(bytes.Repeat([]byte{' '}, MaxChunkHead), good...), ErrChunk, "more than 1024"},
		{"wire version 2", bytes.Replace(good, []byte(`"v":1`), []byte(`"v":2`), 1), ErrVersion, "wire version 2"},
		{"framing 1, from an old master", old, ErrVersion, "chunk framing 0 (base64 in JSON"},
		{"framing 3, from a newer master", bytes.Replace(good, []byte(`"chunk_v":2`), []byte(`"chunk_v":3`), 1), ErrVersion, "chunk framing 3, this brine speaks chunk framing 2"},
		{"an error reply", ErrorReply(errors.New("file x has no chunk 9")), nil, "has no chunk 9"},
		{"busy", BusyReply(), ErrBusy, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, body, err := DecodeChunk(tt.in)
			if err == nil || body != nil {
				t.Fatalf("DecodeChunk(%.80q) = %d bytes, %v; want an error", tt.in, len(body), err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("DecodeChunk(%.80q) = %v; want %v", tt.in, err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("DecodeChunk(%.80q) = %v; want it to say %q", tt.in, err, tt.text)
			}
		})
	}
}

// FuzzChunk decodes chunk answers (scripts/fuzz.sh runs it with the
// targets of fuzz_test.go). Properties: DecodeChunk accepts only
// an answer of the current wire version and chunk framing whose body is
// exactly as long as its header says; the body it returns is the tail of
// the answer; encoding what it decoded gives an answer that decodes to
// the same, and that encoding is a fixed point; an answer refused for
// its framing says so with ErrChunk, and a plain reply gives its error.
func FuzzChunk(f *testing.F) {
	good, _ := EncodeChunk("ab", 2, []byte{0, '\n', 255})
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add(append(bytes.Clone(good), 'x'))
	empty, _ := EncodeChunk(strings.Repeat("f", 64), 0, nil)
	f.Add(empty)
	old, _ := Marshal(&Chunk{SHA256: "ab", Index: 2, Data: []byte{0, 1, 255}})
	f.Add(old)
	f.Add(ErrorReply(errors.New("no chunk 9")))
	f.Add(BusyReply())
	for _, s := range []string{
		"", "\n", "{}\n", `{"v":1}` + "\n", `{"v":1,"chunk_v":2}` + "\n", `{"v":1,"chunk_v":2,"length":1}` + "\nx",
		`{"v":1,"chunk_v":2,"length":-1}` + "\n", `{"v":1,"chunk_v":3,"length":0}` + "\n", `{"v":1,"chunk_v":2.0,"length":0}` + "\n",
		`{"v":1,"chunk_v":2,"length":1,"length":2}` + "\nxy", `{"v":1,"chunk_v":2,"error":"","busy":false,"length":0}` + "\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, body, err := DecodeChunk(b)
		if err != nil {
			if body != nil {
				t.Fatalf("DecodeChunk(%q) = %v with a body", b, err)
			}
			var r Reply
			head, _, _ := bytes.Cut(b, []byte{'\n'})
			isReply := len(head) < MaxChunkHead && Unmarshal(head, &r) == nil && r.Err() != nil
			if isReply && err.Error() != r.Err().Error() {
				t.Fatalf("DecodeChunk(%q) = %v; want the reply's error %v", b, err, r.Err())
			}
			if !isReply && !errors.Is(err, ErrChunk) {
				t.Fatalf("DecodeChunk(%q) = %v; want ErrChunk", b, err)
			}
			return
		}
		if CheckVersion(b[:len(b)-len(body)-1]) != nil || h.ChunkV != ChunkVersion || h.Err() != nil {
			t.Fatalf("DecodeChunk(%q) accepted %+v", b, h)
		}
		if h.Length != len(body) || !bytes.HasSuffix(b, body) || b[len(b)-len(body)-1] != '\n' {
			t.Fatalf("DecodeChunk(%q) = %+v and %d bytes: not the tail of the answer", b, h, len(body))
		}
		b1, err := EncodeChunk(h.SHA256, h.Index, body)
		if err != nil {
			// A header may grow past MaxChunkHead as encoding/json
			// writes it again (it escapes '<' and bad UTF-8 at more
			// bytes than they came in), and a negative index is
			// never sent: both are ErrChunk.
			if !errors.Is(err, ErrChunk) {
				t.Fatalf("EncodeChunk(%+v) = %v; want ErrChunk", h, err)
			}
			return
		}
		h1, body1, err := DecodeChunk(b1)
		if err != nil || *h1 != *h || !bytes.Equal(body1, body) {
			t.Fatalf("DecodeChunk(EncodeChunk(%+v)) = %+v, %v", h, h1, err)
		}
		if b2, _ := EncodeChunk(h1.SHA256, h1.Index, body1); !bytes.Equal(b2, b1) {
			t.Fatalf("EncodeChunk is no fixed point:\n%q\n%q", b1, b2)
		}
	})
}
