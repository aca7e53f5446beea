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

// ChunkSize is the payload of one file chunk. A chunk answer is its
// bytes raw after a header of at most proto.MaxChunkHead bytes, so at
// this size every chunk answer is at most proto.PartSize: answer sends it
// as one NATS message, never in parts, and the minion writes it from the
// message as it came, with no part to put back together. The minion
// learns the size from FileInfo.ChunkSize and assumes nothing of it.
const ChunkSize = proto.PartSize - proto.MaxChunkHead

// A chunk answer must fit one part; this fails to compile if it cannot.
var _ [proto.PartSize - ChunkSize - proto.MaxChunkHead]struct{}

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
	// finder finds a hash another master handed out (files_cluster.go).
	finder hashFinder
	// tree is the state tree's hash, kept a moment (files_tree.go).
	treeMu sync.Mutex
	tree   treeCache
	// metrics counts what is served; nil in tests that make a file
	// server alone.
	metrics *masterMetrics
}

// hashCall is one hashing of a file, which later askers wait for.
type hashCall struct {
	done chan struct{} // closed when h and err are set
	h    hashed
	err  error
}

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
// of files in the state tree can be read (those Stat handed out, or,
// for one another master handed out, found: findHash), and only chunks
// the file has.
// Errors never name the master's own paths: they go back to the minion.
func (f *fileServer) ReadChunk(sha string, i int) ([]byte, error) {
	c, err := f.chunk(sha, i)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, c.n)
	if err := f.read(c, buf); err != nil {
		return nil, err
	}
	return buf, nil
}

// chunkAt is where a chunk lies: in which file, from where, how long.
type chunkAt struct {
	sha  string
	path string
	off  int64
	n    int
	size int64 // the whole file's
}

// chunk finds chunk i of the file with the given hash, as Stat last saw
// the file.
func (f *fileServer) chunk(sha string, i int) (chunkAt, error) {
	if !f.known(sha) {
		f.findHash(sha)
	}
	f.mu.Lock()
	p, ok := f.byHash[sha]
	h := f.hashes[p]
	f.mu.Unlock()
	if !ok {
		return chunkAt{}, fmt.Errorf("no file with sha256 %q: %w", proto.Clip(sha, 64), fs.ErrNotExist)
	}
	chunks := (h.size + ChunkSize - 1) / ChunkSize
	if i < 0 || int64(i) >= max(chunks, 1) {
		return chunkAt{}, fmt.Errorf("file %s has no chunk %d (it has %d)", sha, i, chunks)
	}
	off := int64(i) * ChunkSize
	return chunkAt{sha: sha, path: p, off: off, n: int(min(ChunkSize, h.size-off)), size: h.size}, nil
}

// read reads chunk c into buf, which is c.n bytes long. A file that has
// become shorter since it was hashed is an error, not a short chunk: the
// minion would take it for a broken answer.
func (f *fileServer) read(c chunkAt, buf []byte) error {
	fh, err := os.Open(c.path)
	if err != nil {
		f.log.Warn("file server", "err", err)
		return fmt.Errorf("file %s cannot be read on the master", c.sha)
	}
	defer fh.Close()
	if _, err := fh.ReadAt(buf, c.off); err != nil {
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("file %s changed on the master since it was hashed; ask for it again", c.sha)
		}
		f.log.Warn("file server", "err", err)
		return fmt.Errorf("file %s cannot be read on the master", c.sha)
	}
	return nil
}

// chunkAnswer is the answer that carries chunk i of the file with the
// given hash: the header, then the bytes read from the file straight
// into the answer (see proto.DecodeChunk). A minion that reads another
// chunk framing is refused in words it can read, once its request is
// known to be for a chunk that exists.
func (f *fileServer) chunkAnswer(req *proto.ChunkRequest) ([]byte, error) {
	c, err := f.chunk(req.SHA256, req.Index)
	if err != nil {
		return nil, err
	}
	if req.ChunkV != proto.ChunkVersion {
		return nil, fmt.Errorf("this master sends chunks in chunk framing %d, the minion reads framing %d: %w; upgrade the minion",
			proto.ChunkVersion, req.ChunkV, proto.ErrVersion)
	}
	head, err := proto.ChunkHead(c.sha, req.Index, c.n)
	if err != nil {
		return nil, err
	}
	b := make([]byte, len(head)+c.n)
	copy(b, head)
	if err := f.read(c, b[len(head):]); err != nil {
		return nil, err
	}
	f.metrics.served("chunk", c.n)
	return b, nil
}

func (f *fileServer) onFile(_ context.Context, id string, msg *nats.Msg) []byte {
	var req proto.FileRequest
	var b []byte
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		b = proto.ErrorReply(err)
	} else if req.Manifest {
		b = f.manifest()
		f.metrics.served("manifest", 0)
	} else if req.Symlinks {
		b = f.symlinks(req)
	} else if req.List {
		b = f.list(req)
		f.metrics.served("list", 0)
	} else if info, err := f.Stat(req.Env, req.Path); err != nil {
		r := &proto.FileInfo{Path: req.Path, NotFound: errors.Is(err, fs.ErrNotExist)}
		r.Error = publicError(req.Path, err)
		b, _ = proto.Marshal(r)
		f.log.Debug("file refused", "minion", id, "path", clipLog(req.Path), "err", err)
	} else {
		info.Tree = f.treeHash()
		b, _ = proto.Marshal(info)
		f.metrics.served("stat", 0)
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

// onChunk answers a chunk request with the raw chunk, or an error reply.
// The answer is at most proto.PartSize bytes (see ChunkSize), so answer
// sends it as one message to the minion's inbox.
func (f *fileServer) onChunk(_ context.Context, _ string, msg *nats.Msg) []byte {
	var req proto.ChunkRequest
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		return proto.ErrorReply(err)
	}
	answer := f.chunkAnswer
	if len(req.Files) > 0 {
		answer = f.bundleAnswer
	}
	b, err := answer(&req)
	if err != nil {
		return proto.ErrorReply(err)
	}
	return b
}

// symlinks answers cp.list_master_symlinks: only the links that stay in
// their root are listed, as Salt's roots backend lists them.
func (f *fileServer) symlinks(req proto.FileRequest) []byte {
	links, err := f.roots.Symlinks(req.Env)
	r := &proto.FileInfo{Path: req.Path, Links: links, Tree: f.treeHash()}
	if err != nil {
		r.Error = publicError(".", err)
	}
	b, _ := proto.Marshal(r)
	return b
}

// list answers a directory listing, confined to the roots as files are.
func (f *fileServer) list(req proto.FileRequest) []byte {
	files, err := f.roots.List(req.Env, req.Path)
	r := &proto.FileInfo{Path: req.Path, Files: files, Tree: f.treeHash()}
	if err != nil {
		r.NotFound = errors.Is(err, fs.ErrNotExist)
		r.Error = publicError(req.Path, err)
	}
	b, _ := proto.Marshal(r)
	return b
}
