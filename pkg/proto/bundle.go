package proto

import (
	"bytes"
	"fmt"
)

// A bundle answer carries several small files whole in one message: a
// minion whose cache lacks many files of its run's tree (a first run)
// asks for them in one ChunkRequest that lists their hashes (Files),
// rather than one request per file. The answer is a one-line JSON
// header that names each file it carries, by hash and length, in the
// order asked, then their bytes back to back:
//
//	{"v":1,"chunk_v":2,"files":[{"sha256":"…","length":523},…]}\n<523 bytes>…
//
// It carries a prefix of the files asked for: as many as fit in
// MaxBundleBody bytes. The asker asks again for the rest. A plain Reply
// (no line break) is an error or busy, as with a chunk answer.
const (
	// MaxBundleFiles bounds the files one bundle request may name: a
	// minion cannot make the master look up more hashes per request.
	MaxBundleFiles = 64
	// MaxBundleHead bounds a bundle answer's header, line break
	// included (MaxBundleFiles entries fit with room to spare).
	MaxBundleHead = 16 << 10
	// MaxBundleBody bounds the file bytes of one bundle answer, so that
	// the whole answer is at most PartSize: one NATS message. It also
	// bounds the bytes a master reads for one request.
	MaxBundleBody = PartSize - MaxBundleHead
)

// BundleFile is one file of a bundle answer.
type BundleFile struct {
	SHA256 string `json:"sha256"`
	Length int    `json:"length"`
}

// BundleHeader is the header of a bundle answer. A plain Reply decodes
// as one too, with its Error or Busy set.
type BundleHeader struct {
	Reply
	ChunkV int          `json:"chunk_v"`
	Files  []BundleFile `json:"files"`
}

// BundleHead encodes the header of a bundle answer carrying files,
// line break included; the caller appends their bytes in that order.
func BundleHead(files []BundleFile) ([]byte, error) {
	if len(files) > MaxBundleFiles {
		return nil, fmt.Errorf("%w: a bundle of %d files, more than %d", ErrChunk, len(files), MaxBundleFiles)
	}
	body := 0
	for _, f := range files {
		if f.Length < 0 {
			return nil, fmt.Errorf("%w: a file of %d bytes", ErrChunk, f.Length)
		}
		body += f.Length
	}
	if body > MaxBundleBody {
		return nil, fmt.Errorf("%w: a bundle of %d bytes, more than %d", ErrChunk, body, MaxBundleBody)
	}
	b, err := Marshal(&BundleHeader{ChunkV: ChunkVersion, Files: files})
	if err != nil {
		return nil, err
	}
	if len(b)+1 > MaxBundleHead {
		return nil, fmt.Errorf("%w: a header of %d bytes, more than %d", ErrChunk, len(b)+1, MaxBundleHead)
	}
	return append(b, '\n'), nil
}

// DecodeBundle reads a bundle answer and returns each file's bytes, in
// the header's order: parts of b, not copies. A plain Reply returns its
// error (ErrBusy for Busy). It checks the framing only: that the files
// are the ones asked for, and have their hashes, is the caller's to
// check.
func DecodeBundle(b []byte) (*BundleHeader, [][]byte, error) {
	head, body, framed := bytes.Cut(b, []byte{'\n'})
	if framed && len(head)+1 > MaxBundleHead {
		return nil, nil, fmt.Errorf("%w: a bundle header of %d bytes or more, more than %d", ErrChunk, len(head)+1, MaxBundleHead)
	}
	h := &BundleHeader{}
	if err := Unmarshal(head, h); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrChunk, err)
	}
	if err := h.Err(); err != nil {
		return h, nil, err
	}
	if h.ChunkV != ChunkVersion {
		return h, nil, fmt.Errorf("%w: chunk framing %d, this brine speaks chunk framing %d: %w", ErrChunk, h.ChunkV, ChunkVersion, ErrVersion)
	}
	if !framed {
		return h, nil, fmt.Errorf("%w: a bundle header and no body", ErrChunk)
	}
	if len(h.Files) > MaxBundleFiles {
		return h, nil, fmt.Errorf("%w: a bundle of %d files, more than %d", ErrChunk, len(h.Files), MaxBundleFiles)
	}
	out := make([][]byte, len(h.Files))
	for i, f := range h.Files {
		if f.Length < 0 || f.Length > len(body) {
			return h, nil, fmt.Errorf("%w: file %d of the bundle says %d bytes, %d are left", ErrChunk, i, f.Length, len(body))
		}
		out[i], body = body[:f.Length:f.Length], body[f.Length:]
	}
	if len(body) != 0 {
		return h, nil, fmt.Errorf("%w: %d bytes after the bundle's files", ErrChunk, len(body))
	}
	return h, out, nil
}
