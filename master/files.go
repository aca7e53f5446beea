package master

import (
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
	sem    chan struct{}
}

type hashed struct {
	sha   string
	size  int64
	mtime time.Time
}

func newFileServer(roots fileroot.Roots, log *slog.Logger) *fileServer {
	return &fileServer{roots: roots, log: log, hashes: map[string]hashed{}, byHash: map[string]string{}, sem: make(chan struct{}, workers)}
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
		sha, err := hashFile(p)
		if err != nil {
			return nil, err
		}
		h = hashed{sha: sha, size: fi.Size(), mtime: fi.ModTime()}
		f.mu.Lock()
		f.hashes[p] = h
		f.byHash[sha] = p
		f.mu.Unlock()
	}
	chunks := int((h.size + ChunkSize - 1) / ChunkSize)
	return &proto.FileInfo{Path: rel, SHA256: h.sha, Size: h.size, ChunkSize: ChunkSize, Chunks: chunks}, nil
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
// that Stat has handed out can be read.
func (f *fileServer) ReadChunk(sha string, i int) ([]byte, error) {
	f.mu.Lock()
	p, ok := f.byHash[sha]
	f.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no file with sha256 %s: %w", sha, fs.ErrNotExist)
	}
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	buf := make([]byte, ChunkSize)
	n, err := fh.ReadAt(buf, int64(i)*ChunkSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return buf[:n], nil
}

// workers bounds the file requests served at once: many minions fetch at
// the same time, and one slow disk read must not hold up the rest.
const workers = 16

// concurrently runs a handler in its own goroutine, at most workers at a
// time (the subscription waits when all are busy).
func (f *fileServer) concurrently(h nats.MsgHandler) nats.MsgHandler {
	return func(msg *nats.Msg) {
		f.sem <- struct{}{}
		go func() {
			defer func() { <-f.sem }()
			h(msg)
		}()
	}
}

func (f *fileServer) onFile(msg *nats.Msg) {
	var req proto.FileRequest
	var b []byte
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else if req.List {
		b = f.list(req)
	} else if info, err := f.Stat(req.Env, req.Path); err != nil {
		r := &proto.FileInfo{Path: req.Path, NotFound: errors.Is(err, fs.ErrNotExist)}
		r.Error = err.Error()
		b, _ = proto.Marshal(r)
		f.log.Debug("file refused", "minion", proto.MinionOf(msg.Subject), "path", req.Path, "err", err)
	} else {
		b, _ = proto.Marshal(info)
	}
	_ = msg.Respond(b)
}

func (f *fileServer) onChunk(msg *nats.Msg) {
	var req proto.ChunkRequest
	var b []byte
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else if data, err := f.ReadChunk(req.SHA256, req.Index); err != nil {
		b = proto.ErrorReply(err)
	} else {
		b, _ = proto.Marshal(&proto.Chunk{SHA256: req.SHA256, Index: req.Index, Data: data})
	}
	_ = msg.Respond(b)
}

// list answers a directory listing, confined to the roots as files are.
func (f *fileServer) list(req proto.FileRequest) []byte {
	files, err := f.roots.List(req.Env, req.Path)
	r := &proto.FileInfo{Path: req.Path, Files: files}
	if err != nil {
		r.NotFound = errors.Is(err, fs.ErrNotExist)
		r.Error = err.Error()
	}
	b, _ := proto.Marshal(r)
	return b
}
