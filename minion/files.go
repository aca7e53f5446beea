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
// template used by 900 states costs one round trip to the master, not 900;
// with the manifest of the job's tree (manifest.go), a file the cache
// holds costs none.
type remoteFiles struct {
	m   *Minion
	env string
	// tree is the hash of the state tree the job was published from
	// (proto.Job.Tree); an answer from another tree is refused. Empty:
	// no check (a startup run, a master before tree hashes).
	tree string

	mu    sync.Mutex
	memo  map[string][]byte    // content ReadFile returned
	local map[string]localFile // cache files found or fetched
	// noManifest is set once the master answered no manifest: each
	// file is asked for by path for the rest of the run. mixed is a
	// manifest of another tree, refused for the rest of the run.
	noManifest bool
	mixed      *TreeMismatchError
}

// localFile is a salt:// file whole in the cache.
type localFile struct {
	path string
	sha  string
	size int64
}

// TreeMismatchError is a master answering for a job's files from a
// state tree other than the one the job was published from: the
// minion refuses it rather than apply a mix of two trees.
type TreeMismatchError struct {
	URL    string
	Job    string // the tree hash in the job
	Master string // the tree hash of the master that answered
}

func (e *TreeMismatchError) Error() string {
	return fmt.Sprintf("%s: refused: the job was published from state tree %s, and the master that answered serves state tree %s: the masters' state trees differ (deploy the same tree to every master)",
		e.URL, e.Job, e.Master)
}

// sameTree checks a master's answer against the job's tree.
func (f *remoteFiles) sameTree(raw string, info *proto.FileInfo) error {
	if f.tree == "" || info.Tree == "" || info.Tree == f.tree {
		return nil
	}
	return &TreeMismatchError{URL: raw, Job: f.tree, Master: info.Tree}
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
		f.m.verified.forget(lf.path)
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

// cacheFile finds a file's hash, in the manifest of the job's tree or
// asked of the master, and returns the cache file that holds it, fetched
// first when the cache does not.
func (f *remoteFiles) cacheFile(ctx context.Context, raw, key, env, rel string) (localFile, error) {
	f.mu.Lock()
	lf, ok := f.local[key]
	f.mu.Unlock()
	if ok {
		return lf, nil
	}
	info, err := f.fromManifest(ctx, raw, key)
	if err != nil {
		return localFile{}, err
	}
	if info == nil {
		if info, err = f.stat(ctx, raw, env, rel); err != nil {
			return localFile{}, err
		}
	}
	if err := checkInfo(info); err != nil {
		return localFile{}, &FetchError{URL: raw, Chunk: -1, Err: err}
	}
	p, ok := f.m.cached(info)
	if !ok {
		var err error
		if p, err = f.m.fetch(ctx, raw, info); err != nil {
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

// fromManifest finds a file's metadata in the manifest of the job's tree
// (manifest.go), or returns nil when the file is to be asked for by
// path: the job has no tree hash, the master refuses manifest requests
// (an older master), or the manifest does not name the file. A manifest
// of another tree is a *TreeMismatchError.
func (f *remoteFiles) fromManifest(ctx context.Context, raw, key string) (*proto.FileInfo, error) {
	if f.tree == "" {
		return nil, nil
	}
	f.mu.Lock()
	no, mixed := f.noManifest, f.mixed
	f.mu.Unlock()
	if no {
		return nil, nil
	}
	if mixed == nil {
		man, err := f.m.manifests.get(ctx, f.m, f.tree)
		if !errors.As(err, &mixed) {
			return f.inManifest(ctx, man, err, raw, key)
		}
		f.mu.Lock()
		f.mixed = mixed
		f.mu.Unlock()
	}
	named := *mixed
	named.URL = raw
	return nil, &named
}

// inManifest is fromManifest's answer once the manifest is asked for.
func (f *remoteFiles) inManifest(ctx context.Context, man *manifest, err error, raw, key string) (*proto.FileInfo, error) {
	if err != nil && (retryElsewhere(err) || ctx.Err() != nil) {
		// No master answered: a request by path would wait as long.
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if err != nil {
		// An older master refused the request: each file by path, for
		// the rest of the run.
		f.m.log.Debug("no manifest of the state tree; asking for each file", "err", err)
		f.mu.Lock()
		f.noManifest = true
		f.mu.Unlock()
		return nil, nil
	}
	info, ok := man.lookup(key)
	if !ok {
		return nil, nil
	}
	return info, nil
}

// stat asks the master for a file's metadata by path.
func (f *remoteFiles) stat(ctx context.Context, raw, env, rel string) (*proto.FileInfo, error) {
	var info proto.FileInfo
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Env: env, Path: rel}, &info); err != nil {
		if info.NotFound {
			return nil, fmt.Errorf("%s: %w", raw, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if err := f.sameTree(raw, &info); err != nil {
		return nil, err
	}
	return &info, nil
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
	if err := f.sameTree(raw, &info); err != nil {
		return nil, err
	}
	return info.Files, nil
}

// Envs lists the environments of the master's state tree
// (tree.EnvLister), from the manifest of the job's tree; a run with no
// tree hash (a startup run) asks for the master's manifest and reads
// only its environments, each file being asked for by path as before.
func (f *remoteFiles) Envs(ctx context.Context) ([]string, error) {
	if f.tree != "" {
		man, err := f.m.manifests.get(ctx, f.m, f.tree)
		if err != nil {
			return nil, err
		}
		return man.envs, nil
	}
	var r proto.Manifest
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Manifest: true}, &r); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return envsOf(r.Files), nil
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
	if err := f.sameTree("salt://?saltenv="+env, &info); err != nil {
		return nil, err
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
//
// A request that got no answer is asked again, up to askTries times in
// all: at once when the connection was lost under it (the master, or
// its node, died: the minion is on another node now), after its timeout
// otherwise (the master that took it died, or was cut off). Requests go
// to the masters' queue group, so the next try reaches a master alive.
func (m *Minion) ask(ctx context.Context, subj string, req, reply proto.Message) error {
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, busyRetry)
	defer cancel()
	pause := 20 * time.Millisecond
	for try := 1; ; {
		err := m.askOnce(ctx, subj, b, reply)
		switch {
		case errors.Is(err, proto.ErrBusy):
		case retryElsewhere(err) && ctx.Err() == nil && try < askTries:
			try++
			m.log.Info("request to the master unanswered; asking again", "subject", subj, "try", try, "err", err)
			if !errors.Is(err, errConnLost) {
				continue
			}
		default:
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

// askTries is how many times ask sends a request that gets no answer.
const askTries = 3

// busyRetry bounds how long ask keeps asking a busy master.
const busyRetry = 5 * time.Minute

// errConnLost is a request whose connection was lost while it waited:
// its answer may never come.
var errConnLost = errors.New("the connection to the master was lost during the request")

// retryElsewhere reports whether a request failed for want of an
// answer, and may be asked of another master.
func retryElsewhere(err error) bool {
	return errors.Is(err, errConnLost) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, nats.ErrNoResponders)
}

func (m *Minion) askOnce(ctx context.Context, subj string, b []byte, reply proto.Message) error {
	data, err := m.requestOnce(ctx, &nats.Msg{Subject: subj, Data: b})
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

// requestOnce is one request within requestTimeout, which ends early
// with errConnLost when the connection is lost under it.
func (m *Minion) requestOnce(ctx context.Context, msg *nats.Msg) ([]byte, error) {
	lost := m.lostSignal()
	ctx, cancel := context.WithTimeoutCause(ctx, requestTimeout, nats.ErrTimeout)
	defer cancel()
	ctx, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	go func() {
		select {
		case <-lost:
			lose(errConnLost)
		case <-ctx.Done():
		}
	}()
	data, err := m.request(ctx, msg)
	if err != nil && errors.Is(context.Cause(ctx), errConnLost) {
		return nil, fmt.Errorf("%s: %w", msg.Subject, errConnLost)
	}
	return data, err
}

// lostSignal is closed when the connection in use now is lost.
func (m *Minion) lostSignal() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lost == nil {
		m.lost = make(chan struct{})
	}
	return m.lost
}

// connLost tells the requests waiting that their connection is gone.
func (m *Minion) connLost() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.lost != nil {
		close(m.lost)
	}
	m.lost = make(chan struct{})
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

// pillarEnvs are the saltenv and pillarenv a job's pillar is compiled
// for, as Salt's state and pillar functions pass them to the master: the
// job's saltenv= and pillarenv=, else the minion's options. The default
// saltenv (base) is sent as none, as Salt's minion has none by default:
// pillarenv_from_saltenv then leaves every environment in.
func (m *Minion) pillarEnvs(kw map[string]any) (saltenv, pillarenv string) {
	saltenv, _ = kw["saltenv"].(string)
	if saltenv == "" && m.cfg.Saltenv != "base" {
		saltenv = m.cfg.Saltenv
	}
	pillarenv, _ = kw["pillarenv"].(string)
	if pillarenv == "" {
		pillarenv = m.cfg.Pillarenv
	}
	return saltenv, pillarenv
}

// fetchPillar asks the master for this minion's pillar. Its dicts keep
// the order the master sent them in, the pillar files' (odict.Map), so
// that the job's templates loop over pillar in file order, as Salt's do;
// numbers stay json.Number, so that integers stay integers.
//
// The job's pillar= goes with the request, for the master to merge in
// with its merging strategy, as Salt's does; the bool says it did.
func (m *Minion) fetchPillar(ctx context.Context, kw map[string]any) (*odict.Map, bool, error) {
	var r proto.PillarReply
	saltenv, pillarenv := m.pillarEnvs(kw)
	req := &proto.PillarRequest{ID: m.id, Env: saltenv, Pillarenv: pillarenv}
	if o, ok := kw["pillar"].(map[string]any); ok {
		b, err := json.Marshal(o)
		if err != nil {
			return nil, false, fmt.Errorf("pillar: pillar=: %w", err)
		}
		req.Override = b
	}
	if err := m.ask(ctx, proto.SubjPillar(m.id), req, &r); err != nil {
		return nil, false, fmt.Errorf("pillar: %w", err)
	}
	pillar := odict.New(0)
	if len(r.Pillar) == 0 || string(r.Pillar) == "null" {
		return pillar, r.Overridden, nil
	}
	if err := json.Unmarshal(r.Pillar, pillar); err != nil {
		return nil, false, fmt.Errorf("pillar: %w", err)
	}
	return pillar, r.Overridden, nil
}
