package master

import (
	"github.com/brine-cm/brine/pkg/py/fnmatch"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
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
	js, err := jetstream.New(m.nc, m.jetstreamOpts()...)
	if err != nil {
		return fmt.Errorf("master: jetstream: %w", err)
	}
	m.js = js
	// In a cluster every bucket and the stream are replicated; while the
	// cluster forms (a node alone, no JetStream leader yet, too few
	// nodes up for the replicas) each is tried again until Start's
	// context ends.
	clustered := m.cfg.Clustered() || (m.cfg.NATSURL != "" && m.nc.ConnectedClusterName() != "")
	r := m.cfg.replicas(clustered)
	// First JetStream itself: in a cluster it answers once the nodes
	// have elected its leader.
	if err := m.untilStore(ctx, clustered, "JetStream", "", func(ctx context.Context) error {
		_, err := js.AccountInfo(ctx)
		return err
	}); err != nil {
		return err
	}
	kv := func(cfg jetstream.KeyValueConfig) jetstream.KeyValue {
		if err != nil {
			return nil
		}
		var b jetstream.KeyValue
		cfg.Replicas = r
		err = m.untilStore(ctx, clustered, "bucket "+cfg.Bucket, "KV_"+cfg.Bucket, func(ctx context.Context) (err error) {
			b, err = js.CreateOrUpdateKeyValue(ctx, cfg)
			return err
		})
		return b
	}
	m.keys = kv(jetstream.KeyValueConfig{Bucket: KeysBucket, Description: "minion keys: pending, accepted, rejected", Storage: jetstream.FileStorage})
	m.grainsKV = kv(jetstream.KeyValueConfig{Bucket: GrainsBucket, Description: "minion grains", Storage: jetstream.FileStorage})
	m.presence = kv(jetstream.KeyValueConfig{Bucket: PresenceBucket, Description: "minion presence", TTL: m.cfg.PresenceTTL.D(), Storage: jetstream.FileStorage})
	m.mine = kv(jetstream.KeyValueConfig{Bucket: MineBucket, Description: "the mine: each minion's mine_functions values, written by the master only", Storage: jetstream.FileStorage})
	m.drift = kv(jetstream.KeyValueConfig{Bucket: DriftBucket, Description: "each minion's latest dry run (job id), for brine drift", Storage: jetstream.FileStorage})
	if err != nil {
		return err
	}
	sc := jetstream.StreamConfig{
		Name:        JobsStream,
		Description: "brine job cache: jobs, acks, state events, returns; written by the master only",
		Subjects:    []string{proto.AllCache},
		MaxAge:      m.cfg.KeepJobs.D(),
		MaxBytes:    m.cfg.Limits.JobCacheBytes,
		MaxMsgSize:  m.cfg.MaxPayload,
		Discard:     jetstream.DiscardOld,
		Storage:     jetstream.FileStorage,
		Duplicates:  2 * time.Minute,
		Replicas:    r,
	}
	if err := m.untilStore(ctx, clustered, "stream "+JobsStream, JobsStream, func(ctx context.Context) (err error) {
		m.cache, err = js.CreateOrUpdateStream(ctx, sc)
		return err
	}); err != nil {
		return err
	}
	if err := m.setupTrust(ctx, r, clustered); err != nil {
		return err
	}
	if m.importFrom != "" {
		if err := m.importStandalone(ctx, m.importFrom); err != nil {
			return err
		}
	}
	if err := m.watchKeys(ctx); err != nil {
		return err
	}
	// Mirror grains in memory for targeting, checked as on write, and
	// kept current: another master (of a cluster) may take a minion's
	// grains.
	return m.watchGrains(ctx)
}

// allKeys lists the key registry, from the index the KV watcher keeps,
// corrupt entries included (state "corrupt", under their store key), so
// that every entry can be seen and deleted.
func (m *Master) allKeys() []proto.KeyInfo {
	m.mu.Lock()
	out := make([]proto.KeyInfo, 0, len(m.keyIndex))
	for _, k := range m.keyIndex {
		out = append(out, k)
	}
	m.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// decodeKey reads a key bucket entry and checks it: a registry value is
// trusted only once it is well formed and agrees with its store key (the
// id's proto.Token).
func decodeKey(storeKey string, b []byte) (proto.KeyInfo, error) {
	var info proto.KeyInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("key entry %s: %w", storeKey, err)
	}
	switch {
	case proto.Token(info.ID) != storeKey:
		return info, fmt.Errorf("key entry %s names id %q", storeKey, proto.Clip(info.ID, 64))
	case proto.ValidID(info.ID) != nil:
		return info, proto.ValidID(info.ID)
	case !nkeys.IsValidPublicUserKey(info.Nkey):
		return info, fmt.Errorf("key entry %s: %q is not a user nkey", storeKey, proto.Clip(info.Nkey, 64))
	case info.State != proto.KeyPending && info.State != proto.KeyAccepted && info.State != proto.KeyRejected:
		return info, fmt.Errorf("key entry %s: state %q", storeKey, proto.Clip(info.State, 32))
	}
	return info, nil
}

// watchKeys keeps an in-memory index of the key bucket. The bucket is the
// truth (several masters share it); the index spares a bucket read per
// connection and per job. A change that takes rights away (another
// master rejected or deleted the key) kicks the key's connections here
// too. It returns once the index holds every key.
func (m *Master) watchKeys(ctx context.Context) error {
	watch := func(ctx context.Context) (jetstream.KeyWatcher, error) { return m.keys.WatchAll(ctx) }
	return m.follow(ctx, "keys", watch, func(e jetstream.KeyValueEntry) {
		id, idErr := proto.IDOfToken(e.Key())
		if idErr != nil {
			// Listed (and deleted) under its store key.
			id = e.Key()
		}
		if e.Operation() != jetstream.KeyValuePut {
			m.unindexKey(id)
			return
		}
		info, err := decodeKey(e.Key(), e.Value())
		if err != nil {
			m.refused.note("registry", e.Key(), err.Error())
			info = proto.KeyInfo{ID: id, State: proto.KeyCorrupt}
		}
		if m.indexKey(info) {
			// Accepted by another master (this one's own acceptance
			// indexed it already, in putKey): kick its pending
			// connections here.
			m.kickPending(info.Nkey)
		}
	})
}

// follow keeps an in-memory view of a bucket, as watchKeys, watchGrains
// and watchTrust do: apply sees each entry the watcher delivers (puts
// and deletes), on a goroutine the master owns until it stops, which
// stops the watcher. It returns once the view holds every entry there
// was (the watcher's nil marker), or when ctx ends first.
//
// A watcher made while a cluster forms can wait on a stream that has no
// leader yet and never deliver its marker; one that has not delivered it
// within a while is stopped and made again (apply sees the entries
// again, which a view keyed by entry takes as it took them the first
// time).
func (m *Master) follow(ctx context.Context, what string, watch func(context.Context) (jetstream.KeyWatcher, error), apply func(jetstream.KeyValueEntry)) error {
	patience := m.watchPatience
	for {
		w, err := watch(m.runCtx)
		if err != nil {
			return fmt.Errorf("master: watch %s: %w", what, err)
		}
		synced, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		m.goOwned(func(ctx context.Context) {
			defer close(done)
			defer func() { _ = w.Stop() }()
			once := false
			for {
				var e jetstream.KeyValueEntry
				var ok bool
				select {
				case <-ctx.Done():
					return
				case <-stop:
					return
				case e, ok = <-w.Updates():
				}
				if !ok {
					return
				}
				if e == nil {
					if !once {
						once = true
						close(synced)
					}
					continue
				}
				apply(e)
			}
		})
		t := time.NewTimer(patience)
		select {
		case <-synced:
			t.Stop()
			return nil
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("master: watch %s: %w", what, ctx.Err())
		case <-t.C:
			// The next watcher starts once this one has stopped, so
			// that no entry of the old one lands after the new one's.
			close(stop)
			<-done
			m.log.Warn("watch not in sync: watching again", "bucket", what, "waited", patience)
			patience = min(2*patience, 4*m.watchPatience)
		}
	}
}

func (m *Master) getKey(ctx context.Context, id string) (proto.KeyInfo, error) {
	e, err := m.keys.Get(ctx, proto.Token(id))
	if err != nil {
		return proto.KeyInfo{}, err
	}
	return decodeKey(proto.Token(id), e.Value())
}

func (m *Master) putKey(ctx context.Context, info proto.KeyInfo) error {
	if _, err := m.keys.Put(ctx, proto.Token(info.ID), mustJSON(info)); err != nil {
		return err
	}
	if m.indexKey(info) {
		m.kickPending(info.Nkey)
	}
	return nil
}

// keyByNkeyLocked finds a registered key by its public nkey; m.mu is
// held.
func (m *Master) keyByNkeyLocked(nk string) (proto.KeyInfo, bool) {
	if nk == "" {
		return proto.KeyInfo{}, false
	}
	id, ok := m.byNkey[nk]
	if !ok {
		return proto.KeyInfo{}, false
	}
	k, ok := m.keyIndex[id]
	return k, ok
}

// indexKey updates the index at once, ahead of the watcher, so that the
// reconnect a kick causes already sees the new state; a key that loses
// its rights (or its entry) is kicked, every connection of it. It
// reports whether the key is accepted now and was not: the watcher then
// kicks its pending connections (in a cluster, each master kicks its own
// node's when it sees another master's acceptance), so that they come
// back with their rights and a pending minion need not reconnect by
// itself to find out.
func (m *Master) indexKey(info proto.KeyInfo) (accepted bool) {
	m.mu.Lock()
	old, had := m.keyIndex[info.ID]
	if had && old.Nkey != "" && old.Nkey != info.Nkey {
		delete(m.byNkey, old.Nkey)
	}
	m.keyIndex[info.ID] = info
	if info.Nkey != "" {
		m.byNkey[info.Nkey] = info.ID
	}
	m.mu.Unlock()
	if had && old.State == proto.KeyAccepted && (info.State != proto.KeyAccepted || info.Nkey != old.Nkey) {
		m.kick(old.Nkey)
	}
	return info.State == proto.KeyAccepted && (!had || old.State != proto.KeyAccepted || old.Nkey != info.Nkey)
}

func (m *Master) unindexKey(id string) {
	m.mu.Lock()
	old, had := m.keyIndex[id]
	delete(m.keyIndex, id)
	if had && m.byNkey[old.Nkey] == id {
		delete(m.byNkey, old.Nkey)
	}
	delete(m.grains, id)
	m.mu.Unlock()
	m.rates.forget(id)
	if had {
		m.kick(old.Nkey)
	}
}

// KeyFinger is the fingerprint shown for a minion key (like salt-key -F).
func KeyFinger(nk string) string { return Finger([]byte(nk))[:47] }

// keyRequestAge is how far a key request's time may be from the
// master's: older ones are replays.
const keyRequestAge = 5 * time.Minute

// onKeyRequest registers a new key as pending (or accepted, by an
// auto-accept rule). The server lets a connection publish only on the
// subject of its own key, in small messages; the request must be for
// that key, signed by it, and fresh.
func (m *Master) onKeyRequest(msg *nats.Msg) {
	subjKey := msg.Subject[strings.LastIndexByte(msg.Subject, '.')+1:]
	if !m.keyReqs.Allow() {
		m.refused.note("key_request", "all", "rate limit")
		return
	}
	var req proto.KeyRequest
	if err := proto.Unmarshal(msg.Data, &req); err != nil {
		m.refused.note("key_request", subjKey, err.Error())
		return
	}
	if req.Nkey != subjKey {
		m.refused.note("key_request", subjKey, "request for another key than the connection's", "for", clipLog(req.Nkey))
		return
	}
	if err := proto.ValidID(req.ID); err != nil {
		m.refused.note("key_request", subjKey, err.Error())
		return
	}
	if d := time.Since(req.Time); d > keyRequestAge || d < -keyRequestAge {
		m.refused.note("key_request", req.ID, "stale or future request time (a replay?)", "time", req.Time)
		return
	}
	pk, err := nkeys.FromPublicKey(req.Nkey)
	if err == nil {
		err = pk.Verify(proto.KeyRequestPayload(req.ID, req.Nkey, req.Time), req.Sig)
	}
	if err != nil {
		m.refused.note("key_request", req.ID, "bad signature")
		return
	}
	ctx, cancel := context.WithTimeout(m.runCtx, 5*time.Second)
	defer cancel()
	old, err := m.getKey(ctx, req.ID)
	switch {
	case err == nil && old.Nkey == req.Nkey:
		switch old.State {
		case proto.KeyAccepted:
			// Accepted while it was connected as pending: make it
			// reconnect with its new rights.
			m.kickPending(req.Nkey)
		case proto.KeyPending:
			m.emitAuth(req.ID, proto.ActPend, req.Nkey, false)
		case proto.KeyRejected:
			m.emitAuth(req.ID, proto.ActReject, req.Nkey, false)
		}
		return
	case err == nil:
		m.noteDenied(req.ID, req.Nkey)
		m.refused.note("key_request", req.ID, "the id has another key; refused", "state", old.State)
		return
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		m.refused.note("key_request", req.ID, err.Error())
		return
	}
	if m.countPending() >= m.cfg.Limits.MaxPendingKeys && !m.autoAccept(req.ID) {
		m.refused.note("key_request", req.ID, fmt.Sprintf("%d keys are pending already (limits.max_pending_keys); accept or delete some", m.cfg.Limits.MaxPendingKeys))
		return
	}
	m.mu.Lock()
	_, taken := m.byNkey[req.Nkey]
	m.mu.Unlock()
	if taken {
		m.refused.note("key_request", req.ID, "the key is registered under another id")
		return
	}
	info := proto.KeyInfo{ID: req.ID, Nkey: req.Nkey, State: proto.KeyPending, Finger: KeyFinger(req.Nkey), Time: time.Now().UTC()}
	if m.autoAccept(req.ID) {
		info.State = proto.KeyAccepted
	}
	if _, err := m.keys.Create(ctx, proto.Token(info.ID), mustJSON(info)); err != nil {
		m.refused.note("key_request", req.ID, err.Error())
		return
	}
	m.indexKey(info)
	m.log.Info("new minion key", "id", info.ID, "state", info.State, "finger", info.Finger)
	if info.State == proto.KeyAccepted {
		m.emitAuth(info.ID, proto.ActAccept, info.Nkey, true)
	} else {
		m.emitAuth(info.ID, proto.ActPend, info.Nkey, false)
	}
	if info.State == proto.KeyAccepted {
		m.kickPending(req.Nkey)
	}
}

func (m *Master) countPending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, k := range m.keyIndex {
		if k.State == proto.KeyPending {
			n++
		}
	}
	return n
}

// maxDenied bounds the list of denied keys.
const maxDenied = 1000

// noteDenied remembers a key that asked for an id another key holds (a
// second host with the same id, or an impostor), for `brine key list`.
func (m *Master) noteDenied(id, nk string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.denied {
		if d.ID == id && d.Nkey == nk {
			return
		}
	}
	if len(m.denied) >= maxDenied {
		m.denied = m.denied[1:]
	}
	m.denied = append(m.denied, proto.KeyInfo{ID: id, Nkey: nk, State: proto.KeyDenied, Finger: KeyFinger(nk), Time: time.Now().UTC()})
}

func (m *Master) autoAccept(id string) bool {
	if m.cfg.AutoAccept {
		return true
	}
	for _, g := range m.cfg.AutoAcceptIDs {
		if fnmatch.Match(g, id) {
			return true
		}
	}
	return false
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// keyAction accepts, rejects or deletes keys, then disconnects the keys
// whose rights changed, so that their next connection gets the new ones.
// A rejected key is accepted again (and an accepted one rejected) only
// with Include, as salt-key's --include-rejected; a corrupt entry can
// always be deleted by its store key.
func (m *Master) keyAction(ctx context.Context, req *proto.KeyActionRequest) ([]string, error) {
	switch req.Action {
	case proto.KeyAccept, proto.KeyReject, proto.KeyDelete:
	default:
		return nil, fmt.Errorf("key action %q: want accept, reject or delete", proto.Clip(req.Action, 32))
	}
	if req.Nkey != "" {
		return m.acceptGiven(ctx, req)
	}
	want := map[string]bool{}
	for _, id := range req.IDs {
		want[id] = true
	}
	var changed []string
	for _, k := range m.allKeys() {
		if !req.All && !want[k.ID] {
			continue
		}
		delete(want, k.ID)
		from := k.State
		switch req.Action {
		case proto.KeyAccept:
			if from == proto.KeyAccepted || from == proto.KeyCorrupt || (from == proto.KeyRejected && !req.Include) {
				continue
			}
			k.State = proto.KeyAccepted
		case proto.KeyReject:
			if from == proto.KeyRejected || from == proto.KeyCorrupt || (from == proto.KeyAccepted && !req.Include) {
				continue
			}
			k.State = proto.KeyRejected
		}
		if req.Action == proto.KeyDelete {
			// A corrupt entry under a key that is no id's token is
			// listed under that key itself.
			storeKey := proto.Token(k.ID)
			if k.State == proto.KeyCorrupt && proto.ValidID(k.ID) != nil {
				storeKey = k.ID
			}
			if err := m.keys.Delete(ctx, storeKey); err != nil {
				return changed, fmt.Errorf("delete %s: %w", k.ID, err)
			}
			_ = m.grainsKV.Delete(ctx, storeKey)
			_ = m.mine.Delete(ctx, storeKey)
			_ = m.drift.Delete(ctx, storeKey)
			m.unindexKey(k.ID)
		} else {
			k.Time = time.Now().UTC()
			if err := m.putKey(ctx, k); err != nil {
				return changed, fmt.Errorf("%s %s: %w", req.Action, k.ID, err)
			}
		}
		m.log.Info("key "+req.Action, "id", k.ID, "was", from)
		m.emitKey(k.ID, req.Action, k.Nkey)
		if req.Action == proto.KeyAccept {
			// Its connections were pending; one that reconnected
			// already (another master's kick) keeps its rights.
			m.kickPending(k.Nkey)
		} else {
			m.kick(k.Nkey)
		}
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

// onGrains keeps a minion's grains, once checked. Grains are what the
// minion says of itself: the id in them is always the authenticated one
// (the subject's: the server lets a minion publish only under its own),
// their size is bounded, and no string may hold control characters, so
// that a grain can never add lines to a template rendered into YAML.
func (m *Master) onGrains(msg *nats.Msg) {
	id := proto.MinionOf(msg.Subject)
	if proto.ValidID(id) != nil {
		return
	}
	if !m.rates.allow(id, limGrains) {
		m.refused.note("grains", id, "rate limit")
		return
	}
	if len(msg.Data) > m.cfg.Limits.GrainsBytes {
		m.refused.note("grains", id, fmt.Sprintf("%d bytes, more than limits.grains_bytes", len(msg.Data)))
		return
	}
	var g proto.Grains
	if err := proto.Unmarshal(msg.Data, &g); err != nil {
		m.refused.note("grains", id, err.Error())
		return
	}
	grains, err := checkGrains(id, g.Grains)
	if err != nil {
		m.refused.note("grains", id, err.Error())
		return
	}
	if !m.work.try(id, func() {
		ctx, cancel := context.WithTimeout(m.runCtx, 5*time.Second)
		defer cancel()
		if _, err := m.grainsKV.Put(ctx, proto.Token(id), mustJSON(grains)); err != nil {
			m.log.Warn("grains", "id", id, "err", err)
		}
	}) {
		m.refused.note("busy", id, "every worker busy", "subject", msg.Subject)
		return
	}
	m.mu.Lock()
	m.grains[id] = grains
	m.mu.Unlock()
}

// maxGrainsDepth bounds how deeply grains nest.
const maxGrainsDepth = 32

// checkGrains returns a minion's grains with its authenticated id, or an
// error naming the first grain that is not plain data.
func checkGrains(id string, g map[string]any) (map[string]any, error) {
	if g == nil {
		g = map[string]any{}
	}
	var walk func(path string, v any, depth int) error
	walk = func(path string, v any, depth int) error {
		if depth > maxGrainsDepth {
			return fmt.Errorf("grain %s nests deeper than %d", proto.Clip(path, 64), maxGrainsDepth)
		}
		switch x := v.(type) {
		case string:
			if hasControl(x) {
				return fmt.Errorf("grain %s holds control characters", proto.Clip(path, 64))
			}
		case map[string]any:
			for k, e := range x {
				if hasControl(k) {
					return fmt.Errorf("grain key %q under %s holds control characters", proto.Clip(k, 64), proto.Clip(path, 64))
				}
				if err := walk(path+":"+k, e, depth+1); err != nil {
					return err
				}
			}
		case []any:
			for i, e := range x {
				if err := walk(fmt.Sprintf("%s:%d", path, i), e, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for k, v := range g {
		if hasControl(k) {
			return nil, fmt.Errorf("grain %q holds control characters in its name", proto.Clip(k, 64))
		}
		if err := walk(k, v, 1); err != nil {
			return nil, err
		}
	}
	g["id"] = id
	return g, nil
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return true
		}
	}
	return false
}

// onPresence notes that a minion is up (or going down). It writes the
// presence bucket only when the state changes or the entry would age
// out: a minion that repeats itself costs no disk.
func (m *Master) onPresence(msg *nats.Msg) {
	id := proto.MinionOf(msg.Subject)
	if proto.ValidID(id) != nil {
		return
	}
	if !m.rates.allow(id, limPresence) {
		m.refused.note("presence", id, "rate limit")
		return
	}
	var p proto.Presence
	if err := proto.Unmarshal(msg.Data, &p); err != nil || (p.Status != proto.Online && p.Status != proto.Offline) {
		m.refused.note("presence", id, "not a presence message")
		return
	}
	now := time.Now()
	m.mu.Lock()
	_, starting := m.startPending[id]
	if starting && p.Status == proto.Online {
		delete(m.startPending, id)
	}
	last, was := m.seen[id]
	wrote := m.presWritten[id]
	if p.Status == proto.Offline {
		delete(m.seen, id)
		delete(m.every, id)
		delete(m.presWritten, id)
	} else {
		m.seen[id] = now
		m.every[id] = statedInterval(p.Interval)
	}
	// Every master hears every presence: the bucket is for a master
	// that starts (or a command that asks) before the next round. A
	// refresh every other presence keeps an entry alive (two intervals
	// of the default 30 s, within the 90 s TTL) at half the writes.
	write := p.Status == proto.Offline || !was || now.Sub(wrote) > m.cfg.PresenceTTL.D()/2
	if write && p.Status == proto.Online {
		m.presWritten[id] = now
	}
	m.mu.Unlock()
	_ = last
	if starting && p.Status == proto.Online {
		m.emitStart(id)
	}
	if !write {
		return
	}
	if p.Status == proto.Online {
		m.putPresence(id, mustJSON(proto.Presence{ID: id, Status: proto.Online, Time: now.UTC(), Interval: p.Interval}))
		return
	}
	m.work.try(id, func() {
		ctx, cancel := context.WithTimeout(m.runCtx, 5*time.Second)
		defer cancel()
		_ = m.presence.Delete(ctx, proto.Token(id))
	})
}

// seedPresence reads the presence bucket once into the master's own
// view, before it takes an operator's job. A master that has just
// started has heard nobody yet: in a cluster, a minion connected to
// another node is known to it by its next presence (up to
// presence_interval away) or by the bucket; and a read of one key of
// the bucket may be answered by this node's own copy, which after a
// restart is still catching up and can miss every minion. The watcher
// reads from the stream's leader, so the view holds what the cluster
// has. A bucket that cannot be read within the watch patience leaves the
// view as it is: presences fill it as they come.
func (m *Master) seedPresence(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, m.watchPatience)
	defer cancel()
	w, err := m.presence.WatchAll(ctx, jetstream.IgnoreDeletes())
	if err != nil {
		m.log.Warn("presence bucket not read", "err", err)
		return
	}
	defer func() { _ = w.Stop() }()
	n := 0
	for {
		select {
		case <-ctx.Done():
			m.log.Warn("presence bucket not read in time", "read", n, "waited", m.watchPatience)
			return
		case e, ok := <-w.Updates():
			if !ok || e == nil {
				m.log.Debug("presence bucket read", "minions", n)
				return
			}
			if m.seedOne(e) {
				n++
			}
		}
	}
}

// seedOne takes one presence entry as if its presence had been heard
// when the entry was written, unless one heard since is newer.
func (m *Master) seedOne(e jetstream.KeyValueEntry) bool {
	id, err := proto.IDOfToken(e.Key())
	// A store entry, written by a master as mustJSON (no version).
	var p proto.Presence
	if err != nil || json.Unmarshal(e.Value(), &p) != nil || p.ID != id || p.Status != proto.Online {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, ok := m.seen[id]; ok && !last.Before(e.Created()) {
		return false
	}
	m.seen[id] = e.Created()
	m.every[id] = statedInterval(p.Interval)
	return true
}

// maxPresenceInterval bounds the interval a minion may state: what it
// says is its own word, and it must not keep a dead minion connected
// for long.
const maxPresenceInterval = 10 * time.Minute

// statedInterval is the presence interval a minion states, within
// [0, maxPresenceInterval].
func statedInterval(d proto.Duration) time.Duration {
	return min(max(time.Duration(d), 0), maxPresenceInterval)
}

// present reports whether a minion's last presence is fresh: within
// presence_ttl, or within three of the intervals the minion states when
// those are longer, so that a minion set to speak less often than the
// master's presence_ttl expects (presence_ttl: 30s kept from an older
// master.yaml, and the minions' new 30 s) is not called gone between two
// of its presences.
func (m *Master) present(id string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	last, ok := m.seen[id]
	return ok && now.Sub(last) < max(m.cfg.PresenceTTL.D(), 3*m.every[id])
}

// connected reports whether an accepted minion is connected now: on the
// embedded server by its open connection, else by its presence. When
// the presence bucket cannot say (no leader for its stream while a
// cluster elects one, a master just started), the minion counts as
// connected: its job is sent, and the command's wait tells whether it
// answers, where "not connected" would be a guess.
func (m *Master) connected(ctx context.Context, k proto.KeyInfo) bool {
	if m.connectedNow(k) {
		return true
	}
	if _, ok := m.connectedCID(k.Nkey); ok {
		return false
	}
	_, err := m.presence.Get(ctx, proto.Token(k.ID))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		m.log.Debug("presence not read: counted as connected", "id", k.ID, "err", err)
		return true
	}
	return err == nil
}

func (m *Master) grainsOf(id string) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.grains[id]
}

// acceptGiven accepts one id with the public key the operator gives
// (KeyActionRequest.Nkey): the key of a minion brine ssh --bootstrap
// made, accepted before the minion first connects.
func (m *Master) acceptGiven(ctx context.Context, req *proto.KeyActionRequest) ([]string, error) {
	if req.Action != proto.KeyAccept || req.All || len(req.IDs) != 1 {
		return nil, fmt.Errorf("key action with a key: accept one id")
	}
	id, nk := req.IDs[0], req.Nkey
	if err := proto.ValidID(id); err != nil {
		return nil, err
	}
	if !nkeys.IsValidPublicUserKey(nk) {
		return nil, fmt.Errorf("accept %s: %q is not a user nkey", id, proto.Clip(nk, 64))
	}
	m.mu.Lock()
	old, had := m.keyIndex[id]
	other, taken := m.byNkey[nk]
	m.mu.Unlock()
	switch {
	case taken && other != id:
		return nil, fmt.Errorf("accept %s: its key is already %s's", id, other)
	case had && old.State == proto.KeyCorrupt:
		return nil, fmt.Errorf("accept %s: its entry is corrupt: brine key delete %s first", id, id)
	case had && old.Nkey == nk && old.State == proto.KeyAccepted:
		return nil, nil
	case had && old.Nkey == nk && old.State == proto.KeyRejected && !req.Include:
		return nil, fmt.Errorf("accept %s: the key is rejected (--include-rejected to accept it)", id)
	case had && old.Nkey != nk && (old.State == proto.KeyAccepted || old.State == proto.KeyRejected):
		return nil, fmt.Errorf("accept %s: the id is %s with another key (%s): brine key delete %s first", id, old.State, old.Finger, id)
	}
	info := proto.KeyInfo{ID: id, Nkey: nk, State: proto.KeyAccepted, Finger: KeyFinger(nk), Time: time.Now().UTC()}
	if err := m.putKey(ctx, info); err != nil {
		return nil, fmt.Errorf("accept %s: %w", id, err)
	}
	if had && old.Nkey != nk {
		m.kick(old.Nkey)
	}
	m.log.Info("key accept", "id", id, "given", true, "was", old.State)
	return []string{id}, nil
}
