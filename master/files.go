package master

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/proto"
)

// ChunkSize is the payload of one file chunk: base64 in JSON makes it
// about 700 KB, under NATS's default 1 MiB message.
const ChunkSize = 512 << 10

// fileServer serves the state tree: metadata by path, content by sha256
// in chunks. Only paths fileroot.Resolve accepts are served.
type fileServer struct {
	roots fileroot.Roots
	log   *slog.Logger

	mu     sync.Mutex
	hashes map[string]hashed // absolute path -> hash, while size and mtime hold
	byHash map[string]string // sha256 -> absolute path
	// hashing holds the hashes being computed, by path, size and mtime:
	// when many minions ask for the same new file at once, one worker
	// hashes it and the others wait for that hash.
	hashing map[string]*hashCall
}

// hashCall is one hashing of a file, which later askers wait for.
type hashCall struct {
	done chan struct{} // closed when h and err are set
	h    hashed
	err  error
}

// chunkBufs holds chunk-sized read buffers, so that serving a chunk
// allocates only its encoded answer.
var chunkBufs = sync.Pool{New: func() any {
	b := make([]byte, ChunkSize)
	return &b
}}

type hashed struct {
	sha   string
	size  int64
	mtime time.Time
}

func newFileServer(roots fileroot.Roots, log *slog.Logger) *fileServer {
	return &fileServer{roots: roots, log: log, hashes: map[string]hashed{}, byHash: map[string]string{}, hashing: map[string]*hashCall{}}
}

// Stat resolves a salt:// path and hashes the file (once per change).
func (f *fileServer) Stat(env, rel string) (*proto.FileInfo, error) {
	p, err := f.roots.Resolve(env, rel)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("salt://%s is a directory: %w", rel, fs.ErrNotExist)
	}
	f.mu.Lock()
	h, ok := f.hashes[p]
	f.mu.Unlock()
	if !ok || h.size != fi.Size() || !h.mtime.Equal(fi.ModTime()) {
		if h, err = f.hash(p, fi); err != nil {
			return nil, err
		}
	}
	chunks := int((h.size + ChunkSize - 1) / ChunkSize)
	return &proto.FileInfo{Path: rel, SHA256: h.sha, Size: h.size, ChunkSize: ChunkSize, Chunks: chunks}, nil
}

// hash hashes the file at p as fi describes it, once however many ask at
// the same time, and remembers the hash.
func (f *fileServer) hash(p string, fi fs.FileInfo) (hashed, error) {
	key := fmt.Sprintf("%s\x00%d\x00%d", p, fi.Size(), fi.ModTime().UnixNano())
	f.mu.Lock()
	if c, ok := f.hashing[key]; ok {
		f.mu.Unlock()
		<-c.done
		return c.h, c.err
	}
	c := &hashCall{done: make(chan struct{})}
	f.hashing[key] = c
	f.mu.Unlock()

	sha, err := hashFile(p)
	c.h, c.err = hashed{sha: sha, size: fi.Size(), mtime: fi.ModTime()}, err
	f.mu.Lock()
	delete(f.hashing, key)
	if err == nil {
		f.hashes[p] = c.h
		f.byHash[sha] = p
	}
	f.mu.Unlock()
	close(c.done)
	return c.h, c.err
}

func hashFile(p string) (string, error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha256.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", fmt.Errorf("hash %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// ReadChunk reads chunk i of the file with the given hash. Only hashes
// that Stat has handed out can be read, and only chunks the file has.
// Errors never name the master's own paths: they go back to the minion.
func (f *fileServer) ReadChunk(sha string, i int) ([]byte, error) {
	return f.readChunk(sha, i, make([]byte, ChunkSize))
}

// readChunk is ReadChunk into buf, which holds ChunkSize bytes; the
// chunk it returns is a part of buf.
func (f *fileServer) readChunk(sha string, i int, buf []byte) ([]byte, error) {
	f.mu.Lock()
	p, ok := f.byHash[sha]
	h := f.hashes[p]
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no file with sha256 %q: %w", proto.Clip(sha, 64), fs.ErrNotExist)
	}
	chunks := int((h.size + ChunkSize - 1) / ChunkSize)
	if i < 0 || i >= max(chunks, 1) {
		return nil, fmt.Errorf("file %s has no chunk %d (it has %d)", sha, i, chunks)
	}
	fh, err := os.Open(p)
	if err != nil {
		f.log.Warn("file server", "err", err)
		return nil, fmt.Errorf("file %s cannot be read on the master", sha)
	}
	defer fh.Close()
	n, err := fh.ReadAt(buf[:ChunkSize], int64(i)*ChunkSize)
	if err != nil && !errors.Is(err, io.EOF) {
		f.log.Warn("file server", "err", err)
		return nil, fmt.Errorf("file %s cannot be read on the master", sha)
	}
	return buf[:n], nil
}

func (f *fileServer) onFile(_ context.Context, id string, msg *nats.Msg) []byte {
	var req proto.FileRequest
	var b []byte
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else if req.List {
		b = f.list(req)
	} else if info, err := f.Stat(req.Env, req.Path); err != nil {
		r := &proto.FileInfo{Path: req.Path, NotFound: errors.Is(err, fs.ErrNotExist)}
		r.Error = publicError(req.Path, err)
		b, _ = proto.Marshal(r)
		f.log.Debug("file refused", "minion", id, "path", clipLog(req.Path), "err", err)
	} else {
		b, _ = proto.Marshal(info)
	}
	return b
}

// publicError is what a minion is told of a file error: whether the file
// is missing or refused, never the master's paths.
func publicError(rel string, err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Sprintf("salt://%s: not found", proto.Clip(rel, 256))
	}
	if errors.Is(err, fileroot.ErrEscape) {
		return fmt.Sprintf("salt://%s: refused (outside the file roots)", proto.Clip(rel, 256))
	}
	return fmt.Sprintf("salt://%s: cannot be read on the master", proto.Clip(rel, 256))
}

func (f *fileServer) onChunk(_ context.Context, _ string, msg *nats.Msg) []byte {
	var req proto.ChunkRequest
	var b []byte
	bp := chunkBufs.Get().(*[]byte)
	defer chunkBufs.Put(bp)
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else if data, err := f.readChunk(req.SHA256, req.Index, *bp); err != nil {
		b = proto.ErrorReply(err)
	} else {
		b, _ = proto.Marshal(&proto.Chunk{SHA256: req.SHA256, Index: req.Index, Data: data})
	}
	return b
}

// list answers a directory listing, confined to the roots as files are.
func (f *fileServer) list(req proto.FileRequest) []byte {
	files, err := f.roots.List(req.Env, req.Path)
	r := &proto.FileInfo{Path: req.Path, Files: files}
	if err != nil {
		r.NotFound = errors.Is(err, fs.ErrNotExist)
		r.Error = publicError(req.Path, err)
	}
	b, _ := proto.Marshal(r)
	return b
}
