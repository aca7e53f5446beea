package master

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// Bucket and stream names in JetStream.
const (
	KeysBucket     = "brine_keys"
	GrainsBucket   = "brine_grains"
	PresenceBucket = "brine_presence"
	JobsStream     = "BRINE_JOBS"
)

func (m *Master) setupStore(ctx context.Context) error {
	js, err := jetstream.New(m.nc)
	if err != nil {
		return fmt.Errorf("master: jetstream: %w", err)
	}
	m.js = js
	kv := func(cfg jetstream.KeyValueConfig) jetstream.KeyValue {
		if err != nil {
			return nil
		}
		var b jetstream.KeyValue
		b, err = js.CreateOrUpdateKeyValue(ctx, cfg)
		if err != nil {
			err = fmt.Errorf("master: bucket %s: %w", cfg.Bucket, err)
		}
		return b
	}
	m.keys = kv(jetstream.KeyValueConfig{Bucket: KeysBucket, Description: "minion keys: pending, accepted, rejected", Storage: jetstream.FileStorage})
	m.grainsKV = kv(jetstream.KeyValueConfig{Bucket: GrainsBucket, Description: "minion grains", Storage: jetstream.FileStorage})
	m.presence = kv(jetstream.KeyValueConfig{Bucket: PresenceBucket, Description: "minion presence", TTL: m.cfg.PresenceTTL.D(), Storage: jetstream.FileStorage})
	if err != nil {
		return err
	}
	m.cache, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        JobsStream,
		Description: "brine job cache: jobs, acks, state events, returns",
		Subjects:    []string{proto.AllJobRecord, proto.AllAcks, proto.AllEvents, proto.AllReturns},
		MaxAge:      m.cfg.KeepJobs.D(),
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
	})
	if err != nil {
		return fmt.Errorf("master: job cache stream: %w", err)
	}
	if err := m.watchKeys(ctx); err != nil {
		return err
	}
	// Mirror grains in memory for targeting.
	if lister, err := m.grainsKV.ListKeys(ctx); err == nil {
		for k := range lister.Keys() {
			if e, err := m.grainsKV.Get(ctx, k); err == nil {
				var g map[string]any
				if json.Unmarshal(e.Value(), &g) == nil {
					m.grains[k] = g
				}
			}
		}
	}
	return nil
}

// allKeys lists the key registry, from the index the KV watcher keeps.
func (m *Master) allKeys(ctx context.Context) ([]proto.KeyInfo, error) {
	m.mu.Lock()
	out := make([]proto.KeyInfo, 0, len(m.keyIndex))
	for _, k := range m.keyIndex {
		out = append(out, k)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// watchKeys keeps an in-memory index of the key bucket. The bucket is the
// truth (several masters share it); the index spares a bucket read per
// connection and per job. It returns once the index holds every key.
func (m *Master) watchKeys(ctx context.Context) error {
	w, err := m.keys.WatchAll(context.Background())
	if err != nil {
		return fmt.Errorf("master: watch keys: %w", err)
	}
	m.keyWatch = w
	synced := make(chan struct{})
	go func() {
		once := false
		for e := range w.Updates() {
			if e == nil {
				if !once {
					once = true
					close(synced)
				}
				continue
			}
			m.mu.Lock()
			if e.Operation() != jetstream.KeyValuePut {
				delete(m.keyIndex, e.Key())
			} else {
				var info proto.KeyInfo
				if json.Unmarshal(e.Value(), &info) == nil {
					m.keyIndex[e.Key()] = info
				}
			}
			m.mu.Unlock()
		}
	}()
	select {
	case <-synced:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("master: watch keys: %w", ctx.Err())
	}
}

func (m *Master) getKey(ctx context.Context, id string) (proto.KeyInfo, error) {
	e, err := m.keys.Get(ctx, id)
	if err != nil {
		return proto.KeyInfo{}, err
	}
	var info proto.KeyInfo
	if err := json.Unmarshal(e.Value(), &info); err != nil {
		return proto.KeyInfo{}, fmt.Errorf("key %s: %w", id, err)
	}
	return info, nil
}

func (m *Master) putKey(ctx context.Context, info proto.KeyInfo) error {
	b, _ := json.Marshal(info)
	if _, err := m.keys.Put(ctx, info.ID, b); err != nil {
		return err
	}
	m.indexKey(info)
	return nil
}

// keyByNkey finds a registered key by its public nkey.
func (m *Master) keyByNkey(nk string) (proto.KeyInfo, bool) {
	if nk == "" {
		return proto.KeyInfo{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range m.keyIndex {
		if k.Nkey == nk {
			return k, true
		}
	}
	return proto.KeyInfo{}, false
}

// indexKey updates the index at once, ahead of the watcher, so that the
// reconnect a kick causes already sees the new state.
func (m *Master) indexKey(info proto.KeyInfo) {
	m.mu.Lock()
	m.keyIndex[info.ID] = info
	m.mu.Unlock()
}

// KeyFinger is the fingerprint shown for a minion key (like salt-key -F).
func KeyFinger(nk string) string { return Finger([]byte(nk))[:47] }

func (m *Master) onKeyRequest(msg *nats.Msg) {
	var req proto.KeyRequest
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		m.log.Warn("key request", "err", err)
		return
	}
	if err := proto.ValidID(req.ID); err != nil {
		m.log.Warn("key request", "err", err)
		return
	}
	pk, err := nkeys.FromPublicKey(req.Nkey)
	if err == nil {
		err = pk.Verify(proto.KeyRequestPayload(req.ID, req.Nkey, req.Time), req.Sig)
	}
	if err != nil {
		m.log.Warn("key request with a bad signature", "id", req.ID, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	old, err := m.getKey(ctx, req.ID)
	switch {
	case err == nil && old.Nkey == req.Nkey:
		if old.State == proto.KeyAccepted {
			// Accepted while it was connected as pending: make it
			// reconnect with its new rights.
			m.kick(req.Nkey)
		}
		return
	case err == nil:
		m.log.Warn("key request for an id that has another key; refused", "id", req.ID, "state", old.State)
		return
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		m.log.Warn("key request", "id", req.ID, "err", err)
		return
	}
	info := proto.KeyInfo{ID: req.ID, Nkey: req.Nkey, State: proto.KeyPending, Finger: KeyFinger(req.Nkey), Time: time.Now().UTC()}
	if m.autoAccept(req.ID) {
		info.State = proto.KeyAccepted
	}
	if _, err := m.keys.Create(ctx, info.ID, mustJSON(info)); err != nil {
		m.log.Warn("key request", "id", req.ID, "err", err)
		return
	}
	m.indexKey(info)
	m.log.Info("new minion key", "id", info.ID, "state", info.State, "finger", info.Finger)
	if info.State == proto.KeyAccepted {
		m.kick(req.Nkey)
	}
}

func (m *Master) autoAccept(id string) bool {
	if m.cfg.AutoAccept {
		return true
	}
	for _, g := range m.cfg.AutoAcceptIDs {
		if ok, _ := filepath.Match(g, id); ok {
			return true
		}
	}
	return false
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// keyAction accepts, rejects or deletes keys, then disconnects the keys
// whose rights changed, so that their next connection gets the new ones.
func (m *Master) keyAction(ctx context.Context, req *proto.KeyActionRequest) ([]string, error) {
	keys, err := m.allKeys(ctx)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, id := range req.IDs {
		want[id] = true
	}
	var changed []string
	for _, k := range keys {
		if !req.All && !want[k.ID] {
			continue
		}
		delete(want, k.ID)
		from := k.State
		switch req.Action {
		case proto.KeyAccept:
			if from == proto.KeyAccepted || (from == proto.KeyRejected && !req.Include && req.All) {
				continue
			}
			k.State = proto.KeyAccepted
		case proto.KeyReject:
			if from == proto.KeyRejected || (from == proto.KeyAccepted && !req.Include && req.All) {
				continue
			}
			k.State = proto.KeyRejected
		case proto.KeyDelete:
		default:
			return nil, fmt.Errorf("key action %q: want accept, reject or delete", req.Action)
		}
		if req.Action == proto.KeyDelete {
			if err := m.keys.Delete(ctx, k.ID); err != nil {
				return changed, fmt.Errorf("delete %s: %w", k.ID, err)
			}
			_ = m.grainsKV.Delete(ctx, k.ID)
			m.mu.Lock()
			delete(m.grains, k.ID)
			delete(m.keyIndex, k.ID)
			m.mu.Unlock()
		} else {
			k.Time = time.Now().UTC()
			if err := m.putKey(ctx, k); err != nil {
				return changed, fmt.Errorf("%s %s: %w", req.Action, k.ID, err)
			}
		}
		m.log.Info("key "+req.Action, "id", k.ID, "was", from)
		m.kick(k.Nkey)
		changed = append(changed, k.ID)
	}
	if len(want) > 0 {
		var missing []string
		for id := range want {
			missing = append(missing, id)
		}
		sort.Strings(missing)
		return changed, fmt.Errorf("no such key: %v", missing)
	}
	return changed, nil
}

func (m *Master) onGrains(msg *nats.Msg) {
	var g proto.Grains
	if err := proto.Unmarshal(msg.Data, &g); err != nil {
		m.log.Warn("grains", "err", err)
		return
	}
	// The subject, not the body, says who sent it: the server lets a
	// minion publish only under its own id.
	id := proto.MinionOf(msg.Subject)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := m.grainsKV.Put(ctx, id, mustJSON(g.Grains)); err != nil {
		m.log.Warn("grains", "id", id, "err", err)
	}
	m.mu.Lock()
	m.grains[id] = g.Grains
	m.mu.Unlock()
}

func (m *Master) onPresence(msg *nats.Msg) {
	var p proto.Presence
	if err := proto.Unmarshal(msg.Data, &p); err != nil {
		m.log.Warn("presence", "err", err)
		return
	}
	id := proto.MinionOf(msg.Subject)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	m.mu.Lock()
	if p.Status == proto.Offline {
		delete(m.seen, id)
	} else {
		m.seen[id] = time.Now()
	}
	m.mu.Unlock()
	if p.Status == proto.Offline {
		_ = m.presence.Delete(ctx, id)
		return
	}
	_, _ = m.presence.Put(ctx, id, mustJSON(p))
}

// connected reports whether an accepted minion is connected now: on the
// embedded server by its open connection, else by its presence.
func (m *Master) connected(ctx context.Context, k proto.KeyInfo) bool {
	m.mu.Lock()
	last, present := m.seen[k.ID]
	m.mu.Unlock()
	present = present && time.Since(last) < m.cfg.PresenceTTL.D()
	if c, ok := m.connectedCID(k.Nkey); ok {
		// An open connection that has said it is going offline is
		// going away.
		return c && present
	}
	if present {
		return true
	}
	_, err := m.presence.Get(ctx, k.ID)
	return err == nil
}

func (m *Master) grainsOf(id string) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.grains[id]
}
