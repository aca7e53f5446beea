package proto

import (
	"bytes"
	"errors"
	"fmt"
)

// A chunk answer carries the file's bytes raw, after a one-line JSON
// header:
//
//	{"v":1,"chunk_v":2,"sha256":"…","index":3,"length":523264}\n<length bytes>
//
// Chunk framing 1 carried them as base64 inside a JSON Chunk: a third
// larger than the bytes, so that a 512 KiB chunk needed two NATS messages
// and both sides spent most of a fetch encoding, copying and decoding. A
// raw chunk is read from the file straight into the answer and written
// from the answer straight into the cache.
//
// JSON never holds a raw line break (encoding/json escapes one inside a
// string), so the first '\n' ends the header. An answer with none is a
// plain Reply: an error (a chunk the file does not have) or Busy. The
// header is small by construction, at most MaxChunkHead bytes, so that a
// master choosing its chunk size as PartSize - MaxChunkHead sends every
// chunk as exactly one message.
const (
	// ChunkVersion is the chunk framing this build speaks. A minion
	// names it in its ChunkRequest, so that a master of another framing
	// refuses it in words rather than with bytes it cannot read.
	ChunkVersion = 2
	// MaxChunkHead bounds a chunk answer's header, line break included.
	MaxChunkHead = 1 << 10
)

// ErrChunk is a chunk answer that is not one: no header, a header that
// is too long or does not decode, or a body whose length is not the one
// its header gives (a truncated answer).
var ErrChunk = errors.New("bad chunk answer")

// ChunkHeader is the header of a chunk answer: which chunk of which file
// (by sha256) it is and how many bytes follow. A plain Reply decodes as
// one too, with its Error or Busy set.
type ChunkHeader struct {
	Reply
	ChunkV int    `json:"chunk_v"`
	SHA256 string `json:"sha256"`
	Index  int    `json:"index"`
	Length int    `json:"length"`
}

// ChunkHead encodes the header of a chunk answer that carries length
// bytes, line break included. The caller appends exactly those bytes
// (the master reads them from the file straight into the answer).
func ChunkHead(sha string, index, length int) ([]byte, error) {
	if index < 0 || length < 0 {
		return nil, fmt.Errorf("%w: chunk %d of %d bytes", ErrChunk, index, length)
	}
	b, err := Marshal(&ChunkHeader{ChunkV: ChunkVersion, SHA256: sha, Index: index, Length: length})
	if err != nil {
		return nil, err
	}
	if len(b)+1 > MaxChunkHead {
		return nil, fmt.Errorf("%w: a header of %d bytes, more than %d", ErrChunk, len(b)+1, MaxChunkHead)
	}
	return append(b, '\n'), nil
}

// EncodeChunk encodes a whole chunk answer: its header, then data.
func EncodeChunk(sha string, index int, data []byte) ([]byte, error) {
	head, err := ChunkHead(sha, index, len(data))
	if err != nil {
		return nil, err
	}
	return append(append(make([]byte, 0, len(head)+len(data)), head...), data...), nil
}

// DecodeChunk reads a chunk answer. The body it returns is a part of b,
// not a copy: a chunk is most of its answer, and the caller writes it
// once and drops it. An answer that is a plain Reply returns that
// reply's error (ErrBusy for Busy), with the header decoded.
//
// It checks the framing only: that the chunk is the one asked for, and
// of the size the file's metadata implies, is the caller's to check.
func DecodeChunk(b []byte) (*ChunkHeader, []byte, error) {
	head, body, framed := bytes.Cut(b, []byte{'\n'})
	if framed && len(head)+1 > MaxChunkHead {
		return nil, nil, fmt.Errorf("%w: a header of %d bytes or more, more than %d", ErrChunk, len(head)+1, MaxChunkHead)
	}
	h := &ChunkHeader{}
	if err := Unmarshal(head, h); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrChunk, err)
	}
	// An error comes before the framing: every master, of any framing,
	// words its refusals as a plain Reply.
	if err := h.Err(); err != nil {
		return h, nil, err
	}
	if h.ChunkV != ChunkVersion {
		old := ""
		if h.ChunkV < 2 {
			old = " (base64 in JSON, from a master older than this brine)"
		}
		return h, nil, fmt.Errorf("%w: chunk framing %d%s, this brine speaks chunk framing %d: %w", ErrChunk, h.ChunkV, old, ChunkVersion, ErrVersion)
	}
	if !framed {
		return h, nil, fmt.Errorf("%w: a header and no body", ErrChunk)
	}
	if h.Length != len(body) {
		return h, nil, fmt.Errorf("%w: the header says %d bytes, %d came", ErrChunk, h.Length, len(body))
	}
	return h, body, nil
}
