package master

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Growing from one master to a cluster. NATS does not carry a store it
// kept alone into a cluster: a server restarted clustered on it starts
// a new meta layer, and the streams it had are not there. So the first
// master of a new cluster, started on the state dir it had alone, moves
// that store aside before its node starts (standaloneStore), and once
// the cluster's store is up copies into it what the fleet depends on
// (importStandalone): the key registry (every minion stays accepted,
// none is keyed again), the grains, and the job cache. The old store
// stays on disk, renamed, until the operator deletes it. A master that
// ran alone and now uses an external server or cluster (nats_url) does
// the same.

// Names under the state dir.
const (
	storeDirName      = "jetstream"
	standaloneDirName = "jetstream.standalone"
	importedSuffix    = ".imported"
)

// storeDir is where the embedded server keeps JetStream.
func (c *Config) storeDir() string { return filepath.Join(c.StateDir, storeDirName) }

// standaloneStore moves a store kept alone aside, when this master now
// starts as a cluster node: returns where it is, or "" when there is
// none to import. A store moved aside by a start that failed before the
// import is imported by this one.
func (m *Master) standaloneStore() (string, error) {
	aside := filepath.Join(m.cfg.StateDir, standaloneDirName)
	if fileExists(aside) {
		return aside, nil
	}
	// nats-server keeps its data in StoreDir/jetstream; a clustered
	// one, its meta layer under $SYS/_js_.
	data := filepath.Join(m.cfg.storeDir(), "jetstream")
	if !fileExists(filepath.Join(data, "$G", "streams")) || fileExists(filepath.Join(data, "$SYS", "_js_")) {
		return "", nil
	}
	if err := os.Rename(m.cfg.storeDir(), aside); err != nil {
		return "", fmt.Errorf("master: move the store kept alone aside: %w", err)
	}
	m.log.Info("this master's store was kept alone: moved aside, to be copied into the cluster's", "from", aside)
	return aside, nil
}

// ImportError is a store kept alone that could not be copied into the
// cluster's; the master does not start, and the next start tries again.
type ImportError struct {
	Dir string
	Err error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("master: import the store kept alone (%s) into the cluster: %v", e.Dir, e.Err)
}

func (e *ImportError) Unwrap() error { return e.Err }

// importStandalone copies the keys, grains and job cache of a store kept
// alone into the cluster's, opening it with a server of its own that
// listens nowhere. Keys and grains already in the cluster are kept as
// they are; the job cache is copied only into an empty one, so that a
// second try adds nothing twice. The jobs copied are dated from the
// copy: keep_jobs counts from then.
func (m *Master) importStandalone(ctx context.Context, dir string) error {
	s, err := server.NewServer(&server.Options{ServerName: "brine-import", DontListen: true, JetStream: true,
		StoreDir: dir, NoSigs: true, NoLog: true, MaxPayload: m.cfg.MaxPayload})
	if err != nil {
		return &ImportError{dir, err}
	}
	s.Start()
	defer func() {
		s.Shutdown()
		s.WaitForShutdown()
	}()
	if !s.ReadyForConnections(30 * time.Second) {
		return &ImportError{dir, errors.New("its server did not start")}
	}
	nc, err := nats.Connect("", nats.InProcessServer(s))
	if err != nil {
		return &ImportError{dir, err}
	}
	defer nc.Close()
	old, err := jetstream.New(nc)
	if err != nil {
		return &ImportError{dir, err}
	}
	keys, err := copyBucket(ctx, old, KeysBucket, m.keys)
	if err != nil {
		return &ImportError{dir, err}
	}
	grains, err := copyBucket(ctx, old, GrainsBucket, m.grainsKV)
	if err != nil {
		return &ImportError{dir, err}
	}
	// The mine and the drift index come along too (a bucket the old
	// store never had is skipped).
	for _, b := range []struct {
		name string
		to   jetstream.KeyValue
	}{{MineBucket, m.mine}, {DriftBucket, m.drift}} {
		if _, err := copyBucket(ctx, old, b.name, b.to); err != nil {
			return &ImportError{dir, err}
		}
	}
	jobs, err := m.copyJobCache(ctx, old)
	if err != nil {
		return &ImportError{dir, err}
	}
	done := dir + importedSuffix
	if err := os.Rename(dir, done); err != nil {
		return &ImportError{dir, err}
	}
	m.log.Info("imported the store kept alone into the cluster's", "keys", keys, "grains", grains, "job_cache_messages", jobs,
		"old_store", done)
	return nil
}

// copyBucket copies a bucket's entries into to, keeping those to has.
func copyBucket(ctx context.Context, old jetstream.JetStream, bucket string, to jetstream.KeyValue) (int, error) {
	from, err := old.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("bucket %s: %w", bucket, err)
	}
	lister, err := from.ListKeys(ctx)
	if err != nil {
		return 0, fmt.Errorf("bucket %s: %w", bucket, err)
	}
	n := 0
	for k := range lister.Keys() {
		e, err := from.Get(ctx, k)
		if err != nil {
			return n, fmt.Errorf("bucket %s: %s: %w", bucket, k, err)
		}
		if _, err := to.Create(ctx, k, e.Value()); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return n, fmt.Errorf("bucket %s: %s: %w", bucket, k, err)
		}
		n++
	}
	return n, nil
}

// copyJobCache copies every message of the old job cache, in order, with
// its subject and headers (parts of large returns), into an empty one.
func (m *Master) copyJobCache(ctx context.Context, old jetstream.JetStream) (int, error) {
	info, err := m.cache.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("job cache: %w", err)
	}
	if info.State.Msgs > 0 {
		m.log.Warn("the cluster's job cache is not empty: the old one is not copied", "messages", info.State.Msgs)
		return 0, nil
	}
	st, err := old.Stream(ctx, JobsStream)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("old job cache: %w", err)
	}
	oi, err := st.Info(ctx)
	if err != nil || oi.State.Msgs == 0 {
		return 0, err
	}
	cons, err := st.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return 0, fmt.Errorf("old job cache: %w", err)
	}
	n := 0
	for uint64(n) < oi.State.Msgs {
		msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
		if err != nil {
			return n, fmt.Errorf("old job cache, message %d of %d: %w", n+1, oi.State.Msgs, err)
		}
		out := &nats.Msg{Subject: msg.Subject(), Data: msg.Data(), Header: msg.Headers()}
		if _, err := m.publishCache(ctx, out); err != nil {
			return n, fmt.Errorf("job cache: %w", err)
		}
		n++
	}
	return n, nil
}
