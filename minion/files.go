package minion

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// requestTimeout bounds one request to the master.
const requestTimeout = 10 * time.Second

// remoteFiles reads salt:// files from the master. Content is cached on
// disk by sha256, so a file that has not changed is not sent again: only
// its hash is asked for. It implements states.FileSource.
//
// One remoteFiles serves one job and remembers what it read, so that a
// template used by 900 states costs one round trip to the master, not 900.
type remoteFiles struct {
	m   *Minion
	env string

	mu   sync.Mutex
	memo map[string][]byte
}

func (f *remoteFiles) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	rel, env, err := fileroot.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	if env == "" {
		env = f.env
	}
	key := env + "\x00" + rel
	f.mu.Lock()
	b, ok := f.memo[key]
	f.mu.Unlock()
	if ok {
		return b, nil
	}
	b, err = f.read(ctx, raw, env, rel)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	if f.memo == nil {
		f.memo = map[string][]byte{}
	}
	f.memo[key] = b
	f.mu.Unlock()
	return b, nil
}

// read asks the master for a file's hash, and for its content when the
// disk cache does not hold it.
func (f *remoteFiles) read(ctx context.Context, raw, env, rel string) ([]byte, error) {
	var info proto.FileInfo
	if err := f.m.ask(ctx, proto.SubjFile(f.m.id), &proto.FileRequest{Env: env, Path: rel}, &info); err != nil {
		if info.NotFound {
			return nil, fmt.Errorf("%s: %w", raw, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	cached := filepath.Join(f.m.cfg.CacheDir, "files", info.SHA256)
	if b, err := os.ReadFile(cached); err == nil && sha(b) == info.SHA256 {
		return b, nil
	}
	buf, err := f.fetch(ctx, &info)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", raw, err)
	}
	if got := sha(buf); got != info.SHA256 {
		return nil, fmt.Errorf("%s: content sha256 %s, master said %s", raw, got, info.SHA256)
	}
	if err := os.MkdirAll(filepath.Dir(cached), 0o700); err == nil {
		if err := writeFile0600(cached, buf); err != nil {
			f.m.log.Warn("file cache", "err", err)
		}
	}
	return buf, nil
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

// inflight is how many chunks are asked for at once: enough to keep the
// link busy, few enough not to crowd the master.
const inflight = 4

// fetch asks for a file's chunks, several at a time, and puts them in
// order.
func (f *remoteFiles) fetch(ctx context.Context, info *proto.FileInfo) ([]byte, error) {
	parts := make([][]byte, info.Chunks)
	errs := make(chan error, info.Chunks)
	sem := make(chan struct{}, inflight)
	var wg sync.WaitGroup
	for i := 0; i < info.Chunks; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			var c proto.Chunk
			if err := f.m.ask(ctx, proto.SubjFileChunk(f.m.id), &proto.ChunkRequest{SHA256: info.SHA256, Index: i}, &c); err != nil {
				errs <- fmt.Errorf("chunk %d: %w", i, err)
				return
			}
			parts[i] = c.Data
		}(i)
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	buf := make([]byte, 0, info.Size)
	for _, p := range parts {
		buf = append(buf, p...)
	}
	return buf, nil
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ask sends a request to the master and decodes the reply; a reply
// carrying an error returns it (with the reply decoded).
func (m *Minion) ask(ctx context.Context, subj string, req, reply proto.Message) error {
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
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
	if e := r.Err(); e != nil {
		return e
	}
	return nil
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

// fetchPillar asks the master for this minion's pillar. The key order of
// its dicts, as the pillar files had them, goes into order, so that the
// job's templates loop over pillar in file order, as Salt's do.
func (m *Minion) fetchPillar(ctx context.Context, order *jinja.KeyOrder) (map[string]any, error) {
	var r proto.PillarReply
	if err := m.ask(ctx, proto.SubjPillar(m.id), &proto.PillarRequest{ID: m.id, Env: m.cfg.Saltenv}, &r); err != nil {
		return nil, fmt.Errorf("pillar: %w", err)
	}
	pillar := map[string]any{}
	if len(r.Pillar) == 0 || string(r.Pillar) == "null" {
		return pillar, nil
	}
	d := json.NewDecoder(bytes.NewReader(r.Pillar))
	d.UseNumber()
	if err := d.Decode(&pillar); err != nil {
		return nil, fmt.Errorf("pillar: %w", err)
	}
	if err := order.FromJSON(r.Pillar, "", pillar); err != nil {
		m.log.Warn("pillar key order", "err", err)
	}
	return pillar, nil
}
