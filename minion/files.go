package minion

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/proto"
)

// requestTimeout bounds one request to the master.
const requestTimeout = 10 * time.Second

// remoteFiles reads salt:// files from the master. Content is cached on
// disk by sha256, so a file that has not changed is not sent again: only
// its hash is asked for. It implements states.FileSource, and
// states.FileOpener, which hands a state the cache file to stream from
// instead of the content in memory.
//
// One remoteFiles serves one job and remembers what it read, so that a
// template used by 900 states costs one round trip to the master, not 900.
type remoteFiles struct {
	m   *Minion
	env string

	mu    sync.Mutex
	memo  map[string][]byte    // content ReadFile returned
	local map[string]localFile // cache files found or fetched
}

// localFile is a salt:// file whole in the cache.
type localFile struct {
	path string
	sha  string
	size int64
}

// parse splits a salt:// URL, with the job's environment by default, and
// keys it for the memos.
func (f *remoteFiles) parse(raw string) (key, env, rel string, err error) {
	rel, env, err = fileroot.ParseURL(raw)
	if err != nil {
		return "", "", "", err
	}
	if env == "" {
		env = f.env
	}
	return env + "\x00" + rel, env, rel, nil
}

func (f *remoteFiles) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	key, env, rel, err := f.parse(raw)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	b, ok := f.memo[key]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	// The content is in memory anyway, so it is checked against its hash
	// once more; a cache file changed since it was checked is fetched
	// again, once.
	for try := 0; ; try++ {
		lf, err := f.cacheFile(ctx, raw, key, env, rel)
		if err != nil {
			return nil, err
		}
		b, err = os.ReadFile(lf.path)
		if err == nil && sha(b) == lf.sha {
			break
		}
		if try > 0 {
			if err == nil {
				err = ErrHashMismatch
			}
			return nil, &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
		}
		f.m.log.Warn("file cache: a cached file changed after it was checked", "file", lf.path, "err", err)
		verified.forget(lf.path)
		_ = os.Remove(lf.path)
		f.mu.Lock()
		delete(f.local, key)
		f.mu.Unlock()
	}
	f.mu.Lock()
	if f.memo == nil {
		f.memo = map[string][]byte{}
	}
	f.memo[key] = b
	f.mu.Unlock()
	return b, nil
}

// Open opens a salt:// file for reading without reading it into memory
// (states.FileOpener): the file comes from the master into the disk cache
// chunk by chunk, and the caller reads the cache file. It returns the
// file's size.
func (f *remoteFiles) Open(ctx context.Context, raw string) (io.ReadCloser, int64, error) {
	key, env, rel, err := f.parse(raw)
	if err != nil {
		return nil, 0, err
	}
	lf, err := f.cacheFile(ctx, raw, key, env, rel)
	if err != nil {
		return nil, 0, err
	}
	fh, err := os.Open(lf.path)
	if err != nil {
		return nil, 0, &FetchError{URL: raw, Chunk: -1, Err: fmt.Errorf("file cache: %w", err)}
	}
	return fh, lf.size, nil
}

// cacheFile asks the master for a file's hash and returns the cache file
// that holds it, fetched first when the cache does not.
func (f *remoteFiles) cacheFile(ctx context.Context, raw, key, env, rel string) (localFile, error) {
	f.mu.Lock()
	lf, ok := f.local[key]
	f.mu.Unlock()
	if ok {
		return lf, nil
	}
	var info proto.FileInfo
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Env: env, Path: rel}, &info); err != nil {
		if info.NotFound {
			return localFile{}, fmt.Errorf("%s: %w", raw, fs.ErrNotExist)
		}
		return localFile{}, fmt.Errorf("%s: %w", raw, err)
	}
	if err := checkInfo(&info); err != nil {
		return localFile{}, &FetchError{URL: raw, Chunk: -1, Err: err}
	}
	p, ok := f.m.cached(&info)
	if !ok {
		var err error
		if p, err = f.m.fetch(ctx, raw, &info); err != nil {
			return localFile{}, err
		}
	}
	lf = localFile{path: p, sha: info.SHA256, size: info.Size}
	f.mu.Lock()
	if f.local == nil {
		f.local = map[string]localFile{}
	}
	f.local[key] = lf
	f.mu.Unlock()
	return lf, nil
}

// ListDir lists a salt:// directory on the master (states.FileLister).
func (f *remoteFiles) ListDir(ctx context.Context, raw string) ([]string, error) {
	rel, env, err := fileroot.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	if env == "" {
		env = f.env
	}
	var info proto.FileInfo
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Env: env, Path: rel, List: true}, &info); err != nil {
		if info.NotFound {
			return nil, fmt.Errorf("%s: %w", raw, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	return info.Files, nil
}

// ListSymlinks lists the symlinks of env's tree on the master
// (tree.SymlinkLister, for cp.list_master_symlinks).
func (f *remoteFiles) ListSymlinks(ctx context.Context, env string) (map[string]string, error) {
	if env == "" {
		env = f.env
	}
	var info proto.FileInfo
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Env: env, Path: ".", Symlinks: true}, &info); err != nil {
		return nil, fmt.Errorf("symlinks of %s: %w", env, err)
	}
	return info.Links, nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ask sends a request to the master and decodes the reply; a reply
// carrying an error returns it (with the reply decoded). A master too
// busy to take the request says so, and ask asks again, after a growing
// pause with jitter, for as long as ctx (at most busyRetry) allows.
func (m *Minion) ask(ctx context.Context, subj string, req, reply proto.Message) error {
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, busyRetry)
	defer cancel()
	pause := 20 * time.Millisecond
	for {
		err := m.askOnce(ctx, subj, b, reply)
		if !errors.Is(err, proto.ErrBusy) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause/2 + rand.N(pause)):
		}
		pause = min(2*pause, time.Second)
	}
}

// busyRetry bounds how long ask keeps asking a busy master.
const busyRetry = 5 * time.Minute

func (m *Minion) askOnce(ctx context.Context, subj string, b []byte, reply proto.Message) error {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	data, err := m.request(ctx, &nats.Msg{Subject: subj, Data: b})
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(data, reply); err != nil {
		return err
	}
	var r proto.Reply
	if err := proto.Unmarshal(data, &r); err != nil {
		return err
	}
	return r.Err()
}

// request sends one request to the master and returns its whole answer
// (answers larger than a message come in parts).
func (m *Minion) request(ctx context.Context, msg *nats.Msg) ([]byte, error) {
	m.mu.Lock()
	if m.req == nil {
		r, err := natsreq.New(m.nc)
		if err != nil {
			m.mu.Unlock()
			return nil, err
		}
		m.req = r
	}
	r := m.req
	m.mu.Unlock()
	return r.Request(ctx, msg)
}

// fetchPillar asks the master for this minion's pillar. Its dicts keep
// the order the master sent them in, the pillar files' (odict.Map), so
// that the job's templates loop over pillar in file order, as Salt's do;
// numbers stay json.Number, so that integers stay integers.
func (m *Minion) fetchPillar(ctx context.Context) (*odict.Map, error) {
	var r proto.PillarReply
	if err := m.ask(ctx, proto.SubjPillar(m.id), &proto.PillarRequest{ID: m.id, Env: m.cfg.Saltenv}, &r); err != nil {
		return nil, fmt.Errorf("pillar: %w", err)
	}
	pillar := odict.New(0)
	if len(r.Pillar) == 0 || string(r.Pillar) == "null" {
		return pillar, nil
	}
	if err := json.Unmarshal(r.Pillar, pillar); err != nil {
		return nil, fmt.Errorf("pillar: %w", err)
	}
	return pillar, nil
}
