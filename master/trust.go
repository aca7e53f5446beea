package master

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// The trust chain of job-signing keys (pkg/proto/trust.go) lives in the
// replicated store, one value: every master reads the same chain, hands
// it to the minions at hello and pushes it to them when it grows. The
// first master of a store makes its genesis, its own job key alone; a
// master that comes later with a key of its own is not trusted until an
// operator adds its key from a master that is (brine trust add), and a
// master whose key is retired publishes nothing more.

// TrustBucket holds the trust chain, under trustKey.
const (
	TrustBucket = "brine_trust"
	trustKey    = "chain"
)

// ErrNotTrusted is a job this master cannot sign: its job key is not in
// the trust chain's last set.
var ErrNotTrusted = errors.New("this master's job key is not trusted by the minions")

// trustState is the chain as the store holds it, kept by a watcher.
type trustState struct {
	mu    sync.Mutex
	chain []json.RawMessage
	set   *proto.KeySet
}

func (t *trustState) get() ([]json.RawMessage, *proto.KeySet) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.chain, t.set
}

// setupTrust opens the trust bucket, makes the genesis when the store has
// no chain yet, and follows the chain.
func (m *Master) setupTrust(ctx context.Context, replicas int, clustered bool) error {
	err := m.untilStore(ctx, clustered, "bucket "+TrustBucket, "KV_"+TrustBucket, func(ctx context.Context) (err error) {
		m.trustKV, err = m.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: TrustBucket,
			Description: "the job-signing keys minions trust, as a signed chain", Storage: jetstream.FileStorage, Replicas: replicas})
		return err
	})
	if err != nil {
		return err
	}
	// The bucket just made may have no leader yet in a cluster that is
	// forming (no responders): the chain's first step is read and
	// written as the bucket was made, tried again until the store is up.
	err = m.untilStore(ctx, clustered, "trust chain", "KV_"+TrustBucket, func(ctx context.Context) error {
		_, err := m.trustKV.Get(ctx, trustKey)
		if !errors.Is(err, jetstream.ErrKeyNotFound) {
			return err
		}
		name := m.cfg.ServerName
		if name == "" {
			name, _ = os.Hostname()
		}
		step, err := proto.SignKeySet(signerFor(m.jobKey), &proto.KeySet{Serial: 1,
			Keys: []proto.TrustedKey{{Key: m.JobKey(), Name: name}}, Change: "genesis: " + name, IssuedAt: time.Now().UTC()})
		if err != nil {
			return err
		}
		b, _ := json.Marshal([]json.RawMessage{step})
		if _, err := m.trustKV.Create(ctx, trustKey, b); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("master: trust chain: %w", err)
	}
	return m.watchTrust(ctx)
}

// watchTrust keeps m.trust current; it returns once the chain is read.
func (m *Master) watchTrust(ctx context.Context) error {
	watch := func(ctx context.Context) (jetstream.KeyWatcher, error) { return m.trustKV.Watch(ctx, trustKey) }
	return m.follow(ctx, "trust chain", watch, func(e jetstream.KeyValueEntry) {
		if e.Operation() == jetstream.KeyValuePut {
			m.loadTrust(e.Value())
		}
	})
}

// loadTrust takes a chain from the store once it verifies whole.
func (m *Master) loadTrust(b []byte) {
	var chain []json.RawMessage
	if err := json.Unmarshal(b, &chain); err != nil {
		m.refused.note("registry", trustKey, "trust chain: "+err.Error())
		return
	}
	set, err := proto.WalkChain(chain, nil, 0)
	if err != nil || set == nil {
		m.refused.note("registry", trustKey, fmt.Sprintf("trust chain: %v", err))
		return
	}
	m.trust.mu.Lock()
	m.trust.chain, m.trust.set = chain, set
	m.trust.mu.Unlock()
	if !set.Has(m.JobKey()) {
		m.log.Warn("this master's job key is not trusted by the minions: it publishes no job; add it from a trusted master with `brine trust add`",
			"job_key", m.JobKey(), "trust_serial", set.Serial)
	}
	m.signing.mu.Lock()
	ready := m.signing.ready
	m.signing.mu.Unlock()
	if ready {
		if err := m.syncSigning(); err != nil {
			m.log.Warn("trust chain: publish subscriptions", "err", err)
		}
	}
}

// syncSigning takes the operator's publish and kill requests (in the
// masters' queue group) while this master's key is trusted, and leaves
// them to the others while it is not: a master added to a cluster and
// not trusted yet, or retired, makes no operator's command fail.
func (m *Master) syncSigning() error {
	m.signing.mu.Lock()
	defer m.signing.mu.Unlock()
	if m.signing.closed {
		return nil
	}
	m.signing.ready = true
	want := m.trusted() == nil
	if !want {
		for _, s := range m.signing.subs {
			_ = s.Unsubscribe()
		}
		m.signing.subs = nil
		return nil
	}
	if len(m.signing.subs) > 0 {
		return nil
	}
	for _, h := range []struct {
		subj string
		fn   func(context.Context, role, []byte) (proto.Message, error)
	}{{proto.SubjPublish, m.handlePublish}, {proto.SubjJobsKill, m.handleJobsKill}} {
		sub, err := m.nc.QueueSubscribe(h.subj, queue, m.request(roleOperator, h.fn))
		if err == nil {
			err = sub.SetPendingLimits(subPendingMsgs, subPendingBytes)
		}
		if err != nil {
			return fmt.Errorf("master: subscribe %s: %w", h.subj, err)
		}
		m.signing.subs = append(m.signing.subs, sub)
	}
	return nil
}

// trusted returns nil when this master's job key is in the chain's last
// set, else why it may not sign.
func (m *Master) trusted() error {
	_, set := m.trust.get()
	if set == nil {
		return fmt.Errorf("%w: no trust chain yet", ErrNotTrusted)
	}
	if !set.Has(m.JobKey()) {
		return fmt.Errorf("%w: key %s is not in key set %d (add it from a trusted master: brine trust add %s)", ErrNotTrusted, m.JobKey(), set.Serial, m.JobKey())
	}
	return nil
}

// handleTrust answers the chain, or appends the step the operator signed
// when it follows the chain's last set and is signed by one of its keys,
// and pushes the chain to every minion.
func (m *Master) handleTrust(ctx context.Context, _ role, data []byte) (proto.Message, error) {
	var req proto.TrustRequest
	if err := proto.Unmarshal(data, &req); err != nil {
		return nil, err
	}
	if len(req.Step) == 0 {
		chain, set := m.trust.get()
		return &proto.TrustReply{Chain: chain, Set: set}, nil
	}
	e, err := m.trustKV.Get(ctx, trustKey)
	if err != nil {
		return nil, fmt.Errorf("trust chain: %w", err)
	}
	var chain []json.RawMessage
	if err := json.Unmarshal(e.Value(), &chain); err != nil {
		return nil, fmt.Errorf("trust chain: %w", err)
	}
	last, err := proto.WalkChain(chain, nil, 0)
	if err != nil || last == nil {
		return nil, fmt.Errorf("trust chain in the store: %w", err)
	}
	step, _, err := proto.OpenKeySet(req.Step, last.Public())
	if err != nil {
		return nil, fmt.Errorf("trust step: %w", err)
	}
	if step.Serial != last.Serial+1 {
		return nil, fmt.Errorf("trust step %d does not follow key set %d (another change came first: ask again)", step.Serial, last.Serial)
	}
	chain = append(chain, req.Step)
	b, _ := json.Marshal(chain)
	if _, err := m.trustKV.Update(ctx, trustKey, b, e.Revision()); err != nil {
		return nil, fmt.Errorf("trust chain: %w", err)
	}
	m.loadTrust(b)
	m.log.Info("trust chain changed", "serial", step.Serial, "change", step.Change, "keys", step.Public())
	push, _ := proto.Marshal(&proto.TrustPush{Chain: chain})
	if err := m.nc.Publish(proto.SubjTrustPush, push); err != nil {
		m.log.Warn("trust chain: push to the minions", "err", err)
	}
	return &proto.TrustReply{Chain: chain, Set: step}, nil
}

// Trust actions (brine trust).
const (
	TrustAdd    = "add"
	TrustRetire = "retire"
)

// NextTrustStep makes the step after last that adds key (named name) or
// retires it, signed with jobKey, which must be in last: the command
// runs on a master that is trusted, with that master's jobkey.nk.
func NextTrustStep(jobKey nkeys.KeyPair, last *proto.KeySet, action, key, name string) ([]byte, error) {
	signer, err := jobKey.PublicKey()
	if err != nil {
		return nil, err
	}
	if !last.Has(signer) {
		return nil, fmt.Errorf("%w: key %s is not in key set %d; run this on a master that is", ErrNotTrusted, signer, last.Serial)
	}
	next := &proto.KeySet{Serial: last.Serial + 1, IssuedAt: time.Now().UTC()}
	switch action {
	case TrustAdd:
		if !nkeys.IsValidPublicAccountKey(key) {
			return nil, fmt.Errorf("trust add: %q is not a master's job key (the public key of its jobkey.nk, A…; brine key finger shows it)", proto.Clip(key, 80))
		}
		if last.Has(key) {
			return nil, fmt.Errorf("trust add: %s is trusted already", key)
		}
		next.Keys = append(append(next.Keys, last.Keys...), proto.TrustedKey{Key: key, Name: name})
		next.Change = "add " + key
	case TrustRetire:
		if !last.Has(key) {
			return nil, fmt.Errorf("trust retire: %s is not trusted", proto.Clip(key, 80))
		}
		for _, k := range last.Keys {
			if k.Key != key {
				next.Keys = append(next.Keys, k)
			}
		}
		if len(next.Keys) == 0 {
			return nil, fmt.Errorf("trust retire: %s is the last key trusted; add its successor first", key)
		}
		next.Change = "retire " + key
	default:
		return nil, fmt.Errorf("trust: unknown action %q", action)
	}
	if name != "" {
		next.Change += " (" + name + ")"
	}
	return proto.SignKeySet(signerFor(jobKey), next)
}
