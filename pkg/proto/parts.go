package proto

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// A message larger than one NATS message travels in parts: each part is a
// message of its own on the same subject, carrying PartHeader "i/n"
// (0-based i of n) and at most PartSize bytes of the whole. A message of
// one part carries no header. Returns, and every answer of the master,
// are framed this way, so that nothing is ever too large to arrive.
const (
	PartHeader = "Brine-Part"
	// PartSize is well under NATS's default 1 MiB max payload, leaving
	// room for headers.
	PartSize = 512 << 10
	// MaxParts bounds n, whatever a sender claims.
	MaxParts = 4096
)

// ErrPart is returned for a part header or a part that cannot belong to
// a whole (bad numbers, a size over the limit, parts that disagree).
var ErrPart = errors.New("bad message part")

// SplitParts cuts b into parts of at most size bytes; an empty b is one
// empty part.
func SplitParts(b []byte, size int) [][]byte {
	if size <= 0 {
		size = PartSize
	}
	if len(b) <= size {
		return [][]byte{b}
	}
	out := make([][]byte, 0, (len(b)+size-1)/size)
	for len(b) > 0 {
		n := min(size, len(b))
		out = append(out, b[:n])
		b = b[n:]
	}
	return out
}

// PartLabel is the PartHeader value of part i of n.
func PartLabel(i, n int) string { return strconv.Itoa(i) + "/" + strconv.Itoa(n) }

// ParsePart reads a PartHeader value; "" is the one part of a whole.
func ParsePart(h string) (i, n int, err error) {
	if h == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(h, "/")
	if !ok {
		return 0, 0, fmt.Errorf("%w: header %q", ErrPart, clip(h))
	}
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil || n < 1 || n > MaxParts || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("%w: header %q", ErrPart, clip(h))
	}
	return i, n, nil
}

// Assembler puts parts back together, for many wholes at once (keyed by
// the sender's subject), within bounds: no whole may exceed MaxBytes, and
// at most MaxOpen wholes are in progress (the oldest is dropped for a
// new one). It is safe for concurrent use.
type Assembler struct {
	MaxBytes int64
	MaxOpen  int

	mu   sync.Mutex
	open map[string]*partial
	seq  uint64
}

type partial struct {
	n     int
	got   int
	size  int64
	parts [][]byte
	seq   uint64
}

// Add files part i of n of the whole named key. It returns the whole
// once every part has arrived; a repeated part is ignored. An error
// drops the whole.
func (a *Assembler) Add(key string, i, n int, data []byte) ([]byte, bool, error) {
	if n == 1 && i == 0 {
		if a.MaxBytes > 0 && int64(len(data)) > a.MaxBytes {
			return nil, false, fmt.Errorf("%w: %d bytes, more than %d", ErrPart, len(data), a.MaxBytes)
		}
		return data, true, nil
	}
	if n < 1 || n > MaxParts || i < 0 || i >= n {
		return nil, false, fmt.Errorf("%w: part %d of %d", ErrPart, i, n)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.open == nil {
		a.open = map[string]*partial{}
	}
	p := a.open[key]
	if p == nil {
		if a.MaxOpen > 0 && len(a.open) >= a.MaxOpen {
			a.dropOldest()
		}
		a.seq++
		p = &partial{n: n, parts: make([][]byte, n), seq: a.seq}
		a.open[key] = p
	}
	if p.n != n {
		delete(a.open, key)
		return nil, false, fmt.Errorf("%w: part %d says %d parts, earlier parts said %d", ErrPart, i, n, p.n)
	}
	if p.parts[i] != nil {
		return nil, false, nil
	}
	p.size += int64(len(data))
	if a.MaxBytes > 0 && p.size > a.MaxBytes {
		delete(a.open, key)
		return nil, false, fmt.Errorf("%w: more than %d bytes", ErrPart, a.MaxBytes)
	}
	p.parts[i] = append(make([]byte, 0, len(data)), data...)
	p.got++
	if p.got < p.n {
		return nil, false, nil
	}
	delete(a.open, key)
	whole := make([]byte, 0, p.size)
	for _, part := range p.parts {
		whole = append(whole, part...)
	}
	return whole, true, nil
}

// Forget drops a whole in progress.
func (a *Assembler) Forget(key string) {
	a.mu.Lock()
	delete(a.open, key)
	a.mu.Unlock()
}

func (a *Assembler) dropOldest() {
	var old string
	var seq uint64
	for k, p := range a.open {
		if old == "" || p.seq < seq {
			old, seq = k, p.seq
		}
	}
	delete(a.open, old)
}

// clip bounds a string that came from outside before it goes into an
// error or a log line.
func clip(s string) string { return Clip(s, 64) }

// Clip bounds untrusted text for an error or a log line: at most n bytes,
// with a note of how much was left out.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s…(%d bytes more)", s[:n], len(s)-n)
}

// CpChunkSize is the most one chunk of `brine cp` carries, before gzip
// and base64: the job that carries it, signed, stays well under NATS's
// default 1 MiB max payload.
const CpChunkSize = 256 << 10

// FunRecvChunked is the function `brine cp` runs on minions, one job a
// chunk; the master keeps the records of its jobs without the data.
const FunRecvChunked = "cp.recv_chunked"
