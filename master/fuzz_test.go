package master

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// Fuzz targets for what a minion, or a key not yet accepted, can make
// the master do. scripts/fuzz.sh runs each briefly in `make test`.

// Fixed keys, so that seeds signed in the coordinating process are valid
// in the fuzzing workers, which start masters of their own.
func fixedUserKey(tb testing.TB, b byte) (nkeys.KeyPair, string) {
	tb.Helper()
	kp, err := nkeys.FromRawSeed(nkeys.PrefixByteUser, bytes.Repeat([]byte{b}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	return kp, pub
}

func keyRequest(kp nkeys.KeyPair, id string, at time.Time) []byte {
	pub, _ := kp.PublicKey()
	sig, _ := kp.Sign(proto.KeyRequestPayload(id, pub, at))
	b, _ := proto.Marshal(&proto.KeyRequest{ID: id, Nkey: pub, Time: at, Sig: sig})
	return b
}

const (
	// fuzzJID is a job the master sent to m1.
	fuzzJID = "20261122080000000001"
	// What a minion must never read: a file beside the file root (a
	// symlink in the root points at it), and m1's pillar.
	fileSecret   = "FILE-SECRET-OUTSIDE-THE-ROOTS"
	pillarSecret = "PILLAR-SECRET-OF-M1"
	fileContent  = "the top file"
)

// fuzzMaster is a master with m1 accepted and connected, a job sent to
// m1, files in its file root and a secret beside it, and an observer
// that sees every message on the server.
type fuzzMaster struct {
	m     *Master
	m1    *nats.Conn
	m1pub string
	op    *nats.Conn
	seen  chan *nats.Msg
	// kvFor are the registry keys (id tokens) that grains or presence
	// inputs so far may write: a write the barrier did not see land
	// (the machine is loaded) may show in a later input's settle, and
	// is still the right minion's.
	kvFor map[string]bool
}

func startFuzzMaster(tb testing.TB) *fuzzMaster {
	tb.Helper()
	dir := tb.TempDir()
	srv, pil := filepath.Join(dir, "srv"), filepath.Join(dir, "pillar")
	for p, s := range map[string]string{
		filepath.Join(srv, "top.sls"):       fileContent,
		filepath.Join(srv, "web", "a.conf"): "a",
		filepath.Join(dir, "secret"):        fileSecret,
		filepath.Join(pil, "top.sls"):       "base:\n  'm1':\n    - m1\n  '*':\n    - common\n",
		filepath.Join(pil, "m1.sls"):        "secret: " + pillarSecret + "\n",
		filepath.Join(pil, "common.sls"):    "os: {{ grains.get('os', 'none') }}\n",
	} {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			tb.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "secret"), filepath.Join(srv, "escape")); err != nil {
		tb.Fatal(err)
	}

	cfg := Defaults()
	cfg.Port = -1
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.FileRoots = map[string][]string{"base": {srv}}
	cfg.PillarRoots = map[string][]string{"base": {pil}}
	// Rates high enough that the fuzzer reaches the handlers' work
	// rather than their rate limits; sizes small enough to reach the
	// size limits.
	l := &cfg.Limits
	l.Heartbeats, l.Events, l.Presence, l.Pillar, l.Files, l.Grains, l.Returns, l.KeyRequests = 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6
	l.JobBytes, l.GrainsBytes, l.JobCacheBytes = 1<<16, 4<<10, 16<<20
	// Few workers: idle waits for each of them after every input.
	l.Workers = 4
	m := New(&cfg, Options{Log: testLog()})
	if err := m.Start(context.Background()); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Shutdown)
	fm := &fuzzMaster{m: m}

	// The observer: the operator's credential may read everything.
	kp, err := ReadKey(filepath.Join(cfg.StateDir, OperatorFile))
	if err != nil {
		tb.Fatal(err)
	}
	opPub, _ := kp.PublicKey()
	fm.op, err = nats.Connect(m.ClientURL(), nats.Nkey(opPub, kp.Sign), nats.CustomInboxPrefix(proto.OperatorInbox))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(fm.op.Close)
	fm.seen = make(chan *nats.Msg, 1<<16)
	_, err = fm.op.ChanSubscribe(">", fm.seen)
	if err == nil {
		err = fm.op.Flush()
	}
	if err != nil {
		tb.Fatal(err)
	}

	// m1 asks for its key, is accepted, and reconnects with its rights.
	m1kp, m1pub := fixedUserKey(tb, 0x11)
	fm.m1pub = m1pub
	fm.m1, err = nats.Connect(m.ClientURL(), nats.Nkey(m1pub, m1kp.Sign), nats.Name("m1"),
		nats.CustomInboxPrefix(proto.InboxPrefix("m1")), nats.IgnoreAuthErrorAbort(),
		nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(fm.m1.Close)
	if err := fm.m1.Publish(proto.SubjKeyRequest(m1pub), keyRequest(m1kp, "m1", time.Now().UTC())); err != nil {
		tb.Fatal(err)
	}
	_ = fm.m1.Flush()
	ctx := context.Background()
	fuzzCheckFor(tb, 5*time.Second, func() error {
		_, err := m.keyAction(ctx, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{"m1"}})
		return err
	})
	fm.alive(tb)
	rec := &proto.JobRecord{JobSummary: proto.JobSummary{JID: fuzzJID, Fun: "test.ping", Target: "m1",
		TargetType: proto.TargetList, Minions: []string{"m1"}, IssuedAt: time.Now().UTC()}}
	if err := m.storeRecord(ctx, rec); err != nil {
		tb.Fatal(err)
	}
	// Hash a file, so that its chunks can be asked for.
	if _, err := m.files.Stat("", "top.sls"); err != nil {
		tb.Fatal(err)
	}
	fm.settle(tb)
	return fm
}

func fuzzCheckFor(tb testing.TB, total time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("still failing after %v: %v", total, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive checks that the master still serves: m1's hello is answered
// with the job key, and the operator's key list has m1 accepted under
// its own key.
func (fm *fuzzMaster) alive(tb testing.TB) {
	tb.Helper()
	hello, _ := proto.Marshal(&proto.Hello{ID: "m1"})
	fuzzCheckFor(tb, 10*time.Second, func() error {
		msg, err := fm.m1.Request(proto.SubjHello("m1"), hello, time.Second)
		if err != nil {
			return fmt.Errorf("hello: %w", err)
		}
		var hr proto.HelloReply
		if err := proto.Unmarshal(msg.Data, &hr); err != nil {
			return err
		}
		if hr.JobKey != fm.m.JobKey() {
			return fmt.Errorf("hello answered job key %q; want %q", hr.JobKey, fm.m.JobKey())
		}
		return nil
	})
	req, _ := proto.Marshal(&proto.KeyListRequest{})
	fuzzCheckFor(tb, 10*time.Second, func() error {
		msg, err := fm.op.Request(proto.SubjKeyList, req, time.Second)
		if err != nil {
			return fmt.Errorf("key list: %w", err)
		}
		var kl proto.KeyListReply
		if err := proto.Unmarshal(msg.Data, &kl); err != nil {
			return err
		}
		for _, k := range kl.Keys {
			if k.ID == "m1" {
				if k.State != proto.KeyAccepted || k.Nkey != fm.m1pub {
					tb.Fatalf("key list has m1 %s with key %s; want accepted with %s", k.State, k.Nkey, fm.m1pub)
				}
				return nil
			}
		}
		return fmt.Errorf("key list has no m1: %+v", kl.Keys)
	})
}

// idle waits until the master's workers have finished every handler
// queued so far: it queues one barrier per worker, each of which waits
// for all the others, so that all run at once only when every worker is
// done with what came before.
func (fm *fuzzMaster) idle(tb testing.TB) {
	tb.Helper()
	n := fm.m.cfg.Limits.Workers
	var arrived, left sync.WaitGroup
	arrived.Add(n)
	left.Add(n)
	release := make(chan struct{})
	for i := 0; i < n; i++ {
		who := fmt.Sprintf("fuzz-barrier-%d", i)
		deadline := time.Now().Add(time.Minute)
		for !fm.m.work.try(who, func() { arrived.Done(); <-release; left.Done() }) {
			if time.Now().After(deadline) {
				tb.Fatal("the master's queue stays full")
			}
			time.Sleep(time.Millisecond)
		}
	}
	arrived.Wait()
	close(release)
	left.Wait()
}

// settle waits for the work the last handler started, and for every
// message it published to reach the observer.
func (fm *fuzzMaster) settle(tb testing.TB) []*nats.Msg {
	tb.Helper()
	// Acks are written ackDelay after they come, unless the return
	// does first; write this input's now, so that none lands while a
	// later input is checked and is taken for that input's doing.
	for _, a := range fm.m.jobs.due(time.Now(), true) {
		fm.m.storeAck(a)
	}
	fm.idle(tb)
	// Likewise the batch of returns this input may have started, once
	// the workers that add to it are done.
	fm.m.writeBatches()
	// Returns are written to the job cache without a worker waiting,
	// and announced on the bus once written: wait (a while at most)
	// until this input's are, so that their events are this input's.
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		fm.m.retWrites.mu.Lock()
		n := len(fm.m.retWrites.m)
		fm.m.retWrites.mu.Unlock()
		if n == 0 {
			break
		}
	}
	fm.idle(tb)
	if err := fm.m.nc.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := fm.op.Flush(); err != nil {
		tb.Fatal(err)
	}
	var out []*nats.Msg
	for {
		select {
		case msg := <-fm.seen:
			out = append(out, msg)
		default:
			return out
		}
	}
}

// minionHandler is a handler a minion (or an unaccepted key) reaches:
// the wildcard it is subscribed on, and whether that ends in ">" (any
// number of tokens) or "*" (one).
type minionHandler struct {
	name string
	// base is the kind of a minion's subject (brine.m.<id>.<kind>),
	// or the subject's start for a key request.
	base  string
	multi bool
	fn    nats.MsgHandler
	// answers: the handler may answer, in the inbox of the minion its
	// subject names.
	answers bool
}

func (fm *fuzzMaster) handlers() []minionHandler {
	m := fm.m
	return []minionHandler{
		{"presence", "presence", false, m.onPresence, false},
		{"heartbeat", "hb", true, m.onHeartbeat, false},
		{"ack", "ack", true, m.onAck, false},
		{"event", "evt", true, m.onEvent, false},
		{"return", "ret", true, m.onReturn, true},
		{"grains", "grains", false, m.onGrains, false},
		{"key_request", "brine.auth.request", false, m.onKeyRequest, false},
		{"hello", "hello", false, m.onHello, true},
		{"file", "file", false, m.minionRequest(limFile, m.files.onFile), true},
		{"chunk", "chunk", false, m.minionRequest(limFile, m.files.onChunk), true},
		{"pillar", "pillar", false, m.minionRequest(limPillar, m.onPillar), true},
		{"send", "send", false, m.onMinionEvent, true},
	}
}

// isAnswer tells the master's answers (a brine message, or a part of
// one) from the job cache's and JetStream's own traffic.
func isAnswer(msg *nats.Msg) bool {
	return msg.Reply == "" && (msg.Header.Get(proto.PartHeader) != "" || proto.CheckVersion(msg.Data) == nil)
}

// FuzzMinionHandlers feeds a master, in process, what a minion or an
// unaccepted key can send it: any handler, any subject under the
// handler's wildcard, any reply subject, any part header, any data.
// Properties: no panic; the master publishes nothing that is not
// JetStream's (the job cache, the registries), inside an inbox, or an
// event on the bus that names the minion of the subject alone, and
// answers a request only inside the inbox of the minion its subject
// names; no answer holds the file beside the file roots, and none but
// m1's holds m1's pillar; m1 stays accepted under its own key, tracks
// at most maxRunning jobs, and every few hundred inputs m1's hello and
// the operator's key list are still answered.
func FuzzMinionHandlers(f *testing.F) {
	fm := startFuzzMaster(f)
	hs := fm.handlers()
	index := map[string]uint8{}
	for i, h := range hs {
		index[h.name] = uint8(i)
	}
	now := time.Now().UTC()
	startJID := proto.NewJID(now)
	sum := sha256.Sum256([]byte(fileContent))
	topSHA := hex.EncodeToString(sum[:])
	secretSum := sha256.Sum256([]byte(fileSecret))
	secretSHA := hex.EncodeToString(secretSum[:])
	m1kp, _ := fixedUserKey(f, 0x11)
	p1kp, p1pub := fixedUserKey(f, 0x22)
	_, m1pub := fixedUserKey(f, 0x11)
	imp, imPub := fixedUserKey(f, 0x33)
	enc := func(m proto.Message) []byte { b, _ := proto.Marshal(m); return b }
	ret := enc(&proto.Return{JID: fuzzJID, ID: "m1", Fun: "test.ping", Return: true, Success: true, Start: now, End: now})
	seeds := []struct {
		h           string
		tail, reply string
		part        string
		data        []byte
	}{
		{"presence", "m1", "", "", enc(&proto.Presence{ID: "m1", Status: proto.Online, Time: now, Interval: proto.Duration(time.Second)})},
		{"presence", "m2", "", "", enc(&proto.Presence{ID: "m2", Status: proto.Offline, Time: now})},
		{"heartbeat", "m1." + fuzzJID, "", "", enc(&proto.Heartbeat{JID: fuzzJID, ID: "m1", Time: now, Done: 1})},
		{"heartbeat", "m1." + startJID + ".x", "", "", nil},
		{"ack", "m1." + fuzzJID, "", "", enc(&proto.Ack{JID: fuzzJID, ID: "m1", Time: now})},
		{"ack", "m1." + startJID, "", "", enc(&proto.Ack{JID: startJID, ID: "m1", Time: now, Startup: true, Fun: "state.sls", Args: []any{"web"}})},
		{"ack", "m2." + fuzzJID, "", "", enc(&proto.Ack{JID: fuzzJID, ID: "m2", Time: now})},
		{"event", "m1." + fuzzJID, "", "", enc(&proto.StateEvents{JID: fuzzJID, ID: "m1", States: []proto.KeyedState{{Key: "k", State: proto.StateResult{ID: "a", Name: "a"}}, {Key: "l", State: proto.StateResult{ID: "b", RunNum: 1}}}})},
		{"event", "m1.20261122080000000002", "", "", enc(&proto.StateEvents{JID: "20261122080000000002", ID: "m1", States: []proto.KeyedState{{Key: "k"}}})},
		{"event", "m1." + fuzzJID, "", "", enc(&proto.StateEvents{JID: fuzzJID, ID: "m2", States: []proto.KeyedState{{Key: "k"}}})},
		{"event", "m1." + fuzzJID, "", "", enc(&proto.StateEvents{JID: fuzzJID, ID: "m1"})},
		{"return", "m1." + fuzzJID, "brine.to.m1.in.r1", "", ret},
		{"return", "m1." + fuzzJID, "brine.to.m1.in.r2", "0/2", ret[:len(ret)/2]},
		{"return", "m1." + fuzzJID, "brine.to.m1.in.r2", "1/2", ret[len(ret)/2:]},
		{"return", "m1." + fuzzJID, "brine.to.m1.in.r3", "0/4096", ret},
		{"return", "m1." + startJID, "brine.to.m1.in.r4", "", enc(&proto.Return{JID: startJID, ID: "m1", Fun: "state.highstate", Startup: true})},
		{"return", "m1." + fuzzJID, "brine.cache.ret.m1." + fuzzJID, "", ret},
		{"return", "m1." + fuzzJID, "brine.to.m2.in.r1", "", ret},
		{"grains", "m1", "", "", enc(&proto.Grains{ID: "m2", Grains: map[string]any{"os": "Debian", "l": []any{1, "x", map[string]any{"k": "v"}}}})},
		{"grains", "m1", "", "", enc(&proto.Grains{ID: "m1", Grains: map[string]any{"os": "x\n  secret: y"}})},
		{"grains", "m3", "", "", []byte(`{"v":1,"grains":{"a":{"b":{"c":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}}}`)},
		{"key_request", p1pub, "", "", keyRequest(p1kp, "p1", now)},
		{"key_request", imPub, "", "", keyRequest(imp, "m1", now)},
		{"key_request", m1pub, "", "", keyRequest(m1kp, "m1", now)},
		{"key_request", m1pub, "", "", keyRequest(imp, "m1", now)},
		{"hello", "m1", "brine.to.m1.in.h", "", enc(&proto.Hello{ID: "m1"})},
		{"hello", "m1", "_INBOX_op.h", "", nil},
		{"hello", "m1", "brine.to.m1.job", "", nil},
		{"hello", "m1", "brine.to.m1.in.>", "", nil},
		{"file", "m1", "brine.to.m1.in.f", "", enc(&proto.FileRequest{Path: "top.sls"})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Path: "../secret"})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Path: "escape"})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Path: "/etc/passwd", Env: "base"})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Path: "", List: true})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Path: "..", List: true})},
		{"file", "m2", "brine.to.m2.in.f", "", enc(&proto.FileRequest{Env: "../x", Symlinks: true})},
		{"chunk", "m1", "brine.to.m1.in.c", "", enc(&proto.ChunkRequest{SHA256: topSHA})},
		{"chunk", "m1", "brine.to.m1.in.c", "", enc(&proto.ChunkRequest{SHA256: secretSHA})},
		{"chunk", "m1", "brine.to.m1.in.c", "", enc(&proto.ChunkRequest{SHA256: topSHA, Index: -1})},
		{"pillar", "m1", "brine.to.m1.in.p", "", enc(&proto.PillarRequest{ID: "m1"})},
		{"pillar", "m2", "brine.to.m2.in.p", "", enc(&proto.PillarRequest{ID: "m1"})},
		{"pillar", "m1", "brine.to.m2.in.p", "", enc(&proto.PillarRequest{ID: "m1"})},
		{"send", "m1", "brine.to.m1.in.s", "", enc(&proto.MinionEvent{Tag: "deploy/done", Data: []byte(`{"id":"m2"}`)})},
		{"send", "m2", "brine.to.m2.in.s", "", enc(&proto.MinionEvent{Tag: "salt/key", Data: []byte(`[1,2`)})},
		{"send", "m2", "brine.to.m1.in.s", "", enc(&proto.MinionEvent{Tag: "../x y"})},
	}
	for _, s := range seeds {
		k, ok := index[s.h]
		if !ok {
			f.Fatalf("seed for no handler %q", s.h)
		}
		f.Add(k, s.tail, s.reply, s.part, s.data)
	}

	secrets := [][]byte{[]byte(fileSecret), []byte(base64.StdEncoding.EncodeToString([]byte(fileSecret)))}
	iter := 0
	f.Fuzz(func(t *testing.T, which uint8, tail, reply, part string, data []byte) {
		h := hs[int(which)%len(hs)]
		// The tail is the minion's token, then the job id for a
		// job's subject.
		subj := h.base + "." + tail
		if h.name != "key_request" {
			tok, rest, _ := strings.Cut(tail, ".")
			subj = "brine.m." + tok + "." + h.base
			if rest != "" {
				subj += "." + rest
			}
		}
		// Only what the server would deliver on the handler's
		// subscription: a literal subject of the wildcard's tokens.
		if !server.IsValidPublishSubject(subj) || strings.ContainsAny(subj, " \t\r\n") ||
			strings.Count(tail, ".") != map[bool]int{false: 0, true: 1}[h.multi] {
			return
		}
		msg := &nats.Msg{Subject: subj, Reply: reply, Data: data}
		if part != "" {
			msg.Header = nats.Header{proto.PartHeader: []string{part}}
		}
		h.fn(msg)
		seen := fm.settle(t)

		id := proto.MinionOf(subj)
		if proto.ValidID(id) == nil && (h.name == "grains" || h.name == "presence") {
			if fm.kvFor == nil {
				fm.kvFor = map[string]bool{}
			}
			fm.kvFor[proto.Token(id)] = true
		}
		inbox := ""
		if h.answers && proto.ValidID(id) == nil {
			inbox = proto.InboxPrefix(id)
		}
		for _, out := range seen {
			s := out.Subject
			if out.Reply == "" && s != proto.SubjBus && s != proto.SubjBusRO && !proto.IsMinionInbox(s) && !strings.HasPrefix(s, "_INBOX.") && !strings.HasPrefix(s, proto.OperatorInbox+".") &&
				!strings.HasPrefix(s, "$JS.") && !strings.HasPrefix(s, "$KV.") && !strings.HasPrefix(s, "$SYS.") {
				t.Fatalf("%s on %s (reply %q): the master published on %q, outside every inbox: %.200q", h.name, subj, reply, s, out.Data)
			}
			// What the master keeps, it keeps under the id (and job)
			// of the subject the minion sent on: no minion writes for
			// another.
			jid := proto.JIDOf(subj)
			switch {
			case strings.HasPrefix(s, "brine.cache.job."):
				if s != proto.CacheJob(jid) {
					t.Fatalf("%s on %s: the master recorded job %q", h.name, subj, s)
				}
			case strings.HasPrefix(s, "brine.cache.") && out.Header.Get(proto.BatchHeader) != "":
				// A batch of returns: each its minion's, of its job.
				var b proto.ReturnBatch
				if err := proto.Unmarshal(out.Data, &b); err != nil || proto.JIDOf(s) != jid {
					t.Fatalf("%s on %s: the master kept %q: %v", h.name, subj, s, err)
				}
				for _, raw := range b.Returns {
					var r proto.Return
					if err := proto.Unmarshal(raw, &r); err != nil || r.ID != id || r.JID != jid {
						t.Fatalf("%s on %s: the master kept a return of %q, job %q in %q", h.name, subj, r.ID, r.JID, s)
					}
				}
			case strings.HasPrefix(s, "brine.cache."):
				if proto.MinionOf(s) != id || proto.JIDOf(s) != jid {
					t.Fatalf("%s on %s: the master kept %q", h.name, subj, s)
				}
			case strings.HasPrefix(s, "$KV."+GrainsBucket+"."), strings.HasPrefix(s, "$KV."+PresenceBucket+"."):
				key := s[strings.LastIndexByte(s, '.')+1:]
				if key != proto.Token(id) && !fm.kvFor[key] {
					t.Fatalf("%s on %s: the master wrote %q", h.name, subj, s)
				}
			case s == proto.SubjBus || s == proto.SubjBusRO:
				checkBusEvent(t, h.name, subj, id, out.Data)
			case proto.IsMinionInbox(s):
				// An answer: checked below.
			case strings.HasPrefix(s, "brine."):
				t.Fatalf("%s on %s: the master published on %q: %.200q", h.name, subj, s, out.Data)
			}
			if s != reply || !isAnswer(out) {
				continue
			}
			if inbox == "" || !proto.InInbox(s, inbox) {
				t.Fatalf("%s on %s: the master answered on %q, outside the inbox %q: %.200q", h.name, subj, s, inbox, out.Data)
			}
			for _, secret := range secrets {
				if bytes.Contains(out.Data, secret) {
					t.Fatalf("%s on %s: the answer holds the file outside the roots: %.300q", h.name, subj, out.Data)
				}
			}
			// Its hash may come back in an error (the minion asked for
			// it); described as a file it would be served.
			var fi proto.FileInfo
			if proto.Unmarshal(out.Data, &fi) == nil && fi.SHA256 == secretSHA && fi.Error == "" {
				t.Fatalf("%s on %s: the answer describes the file outside the roots: %.300q", h.name, subj, out.Data)
			}
			if id != "m1" && bytes.Contains(out.Data, []byte(pillarSecret)) {
				t.Fatalf("%s on %s: %s got m1's pillar: %.300q", h.name, subj, id, out.Data)
			}
		}

		m := fm.m
		m.mu.Lock()
		k := m.keyIndex["m1"]
		running := len(m.running["m1"])
		m.mu.Unlock()
		if k.State != proto.KeyAccepted || k.Nkey != fm.m1pub {
			t.Fatalf("%s on %s: m1 is now %s with key %s", h.name, subj, k.State, k.Nkey)
		}
		if running > maxRunning {
			t.Fatalf("%s on %s: m1 runs %d jobs; at most %d are tracked", h.name, subj, running, maxRunning)
		}
		if iter++; iter%256 == 0 {
			fm.alive(t)
			fm.settle(t) // the check's own traffic
		}
	})
}

// FuzzRegistryChecks fuzzes the master's pure checks of what minions
// and the registry hand it: decodeKey (a key bucket entry), checkGrains
// (a minion's grains) and checkStartup (a run a minion started itself).
// Properties: decodeKey accepts only an entry that names its store key,
// a valid id, a user nkey and a known state, and what it accepts
// encodes and decodes again to the same key; checkGrains accepts only
// grains with no control character in any key or string at any depth,
// nested at most maxGrainsDepth deep, and gives them the authenticated
// id; checkStartup accepts exactly a startup function, at most
// maxStartupArgs short string arguments and a job id of the last day.
func FuzzRegistryChecks(f *testing.F) {
	_, pub := fixedUserKey(f, 0x11)
	acct, _ := nkeys.FromRawSeed(nkeys.PrefixByteAccount, bytes.Repeat([]byte{1}, 32))
	acctPub, _ := acct.PublicKey()
	at := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	jid := proto.NewJID(at)
	key := func(id, nk, state string) []byte {
		return mustJSON(proto.KeyInfo{ID: id, Nkey: nk, State: state, Finger: KeyFinger(nk), Time: at})
	}
	f.Add("m1", key("m1", pub, proto.KeyAccepted), "state.highstate", int64(0))
	f.Add("m1", key("m2", pub, proto.KeyAccepted), "state.sls", int64(time.Hour))
	f.Add("m1", key("m1", acctPub, proto.KeyPending), "state.sls", int64(-time.Minute))
	f.Add("m1", key("m1", pub, proto.KeyDenied), "cmd.run", int64(0))
	f.Add("m.1", key("m.1", pub, proto.KeyRejected), "state.sls", int64(48*time.Hour))
	f.Add(jid, key(jid, pub, proto.KeyPending), "state.sls", int64(-time.Hour))
	f.Add("m1", []byte(`{"id":"m1","nkey":"`+pub+`","state":"accepted","ID":"m2"}`), "", int64(0))
	f.Add("m1", []byte(`{"os":"Debian","n":1,"l":["a",{"b":"c\u0085"}],"id":"other"}`), "state.highstate", int64(0))
	f.Add("m1", []byte(`{"ok\n":"x"}`), "state.sls", int64(0))
	f.Add("m1", []byte(`["web","db",1]`), "state.sls", int64(0))
	f.Add("m1", []byte(`["`+strings.Repeat("a", 300)+`"]`), "state.sls", int64(0))
	f.Add("m1", []byte(`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`), "state.sls", int64(0))
	f.Add("m1", []byte(`{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`), "state.sls", int64(0))
	f.Fuzz(func(t *testing.T, id string, b []byte, fun string, off int64) {
		// decodeKey.
		info, err := decodeKey(id, b)
		if err == nil {
			if info.ID != id || proto.ValidID(id) != nil || !nkeys.IsValidPublicUserKey(info.Nkey) ||
				!slices.Contains([]string{proto.KeyPending, proto.KeyAccepted, proto.KeyRejected}, info.State) {
				t.Fatalf("decodeKey(%q, %q) accepted %+v", id, b, info)
			}
			again, err := decodeKey(id, mustJSON(info))
			if err != nil || mustJSONString(again) != mustJSONString(info) {
				t.Fatalf("decodeKey(mustJSON(%+v)) = %+v, %v", info, again, err)
			}
		}

		// checkGrains, on grains decoded as the registry (json) and as
		// the wire (proto, numbers kept as json.Number) decode them.
		var g map[string]any
		if json.Unmarshal(b, &g) == nil {
			checkGrainsProps(t, id, g)
		}
		if wire, err := grainsOnWire(b); err == nil {
			checkGrainsProps(t, id, wire)
		}

		// checkStartup, on a job id of the minion's (callers check it
		// with ValidJID first), with the clock off by off.
		if proto.ValidJID(id) != nil {
			return
		}
		var args []any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		if d.Decode(&args) != nil {
			args = nil
		}
		started, perr := time.Parse("20060102150405", id[:14])
		now := at
		if perr == nil {
			now = started.Add(time.Duration(off))
		}
		want := slices.Contains(proto.StartupFuns, fun) && len(args) <= maxStartupArgs && perr == nil &&
			!started.Before(now.Add(-startupAge)) && !started.After(now.Add(proto.MaxClockSkew))
		for _, a := range args {
			if s, ok := a.(string); !ok || len(s) > maxStartupArgLen {
				want = false
			}
		}
		if err := checkStartup(id, fun, args, now); (err == nil) != want {
			t.Fatalf("checkStartup(%q, %q, %v, job id + %v) = %v; want ok %v", id, fun, args, time.Duration(off), err, want)
		}
	})
}

func mustJSONString(v any) string { return string(mustJSON(v)) }

// grainsOnWire decodes grains as onGrains does.
func grainsOnWire(b []byte) (map[string]any, error) {
	var g proto.Grains
	err := proto.Unmarshal([]byte(`{"v":1,"grains":`+string(b)+`}`), &g)
	return g.Grains, err
}

// checkGrainsProps checks checkGrains on g against a plain walk of it.
func checkGrainsProps(t *testing.T, id string, g map[string]any) {
	t.Helper()
	clean, depth := true, 0
	var walk func(v any, d int)
	walk = func(v any, d int) {
		depth = max(depth, d)
		switch x := v.(type) {
		case string:
			clean = clean && !hasControlChar(x)
		case map[string]any:
			for k, e := range x {
				clean = clean && !hasControlChar(k)
				walk(e, d+1)
			}
		case []any:
			for _, e := range x {
				walk(e, d+1)
			}
		}
	}
	for k, v := range g {
		clean = clean && !hasControlChar(k)
		walk(v, 1)
	}
	got, err := checkGrains(id, g)
	if want := clean && depth <= maxGrainsDepth; (err == nil) != want {
		t.Fatalf("checkGrains(%.200v) = %v; want ok %v (control characters: %v, depth %d)", g, err, want, !clean, depth)
	}
	if err != nil {
		return
	}
	if got["id"] != id {
		t.Fatalf("checkGrains gave id %v; want the authenticated %q", got["id"], id)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Fatalf("checkGrains gave grains that do not encode: %v", err)
	}
}

// hasControlChar is the rule checkGrains enforces, written out: C0, DEL
// and C1 control characters.
func hasControlChar(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) })
}

// checkBusEvent checks an event the master published for what a minion
// sent: only a minion's own events are under minion/, and there only
// under the id of the subject it sent on, with that id in the data.
func checkBusEvent(t *testing.T, handler, subj, id string, data []byte) {
	t.Helper()
	var e proto.Event
	if err := json.Unmarshal(data, &e); err != nil || e.Tag == "" {
		t.Fatalf("%s on %s: the master published a bad event: %.200q", handler, subj, data)
	}
	var d struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(e.Data, &d)
	if handler == "send" {
		if !strings.HasPrefix(e.Tag, proto.MinionTag(id, "")) || d.ID != id {
			t.Fatalf("send on %s: event %q with id %q; want under minion/%s/ with its id", subj, e.Tag, d.ID, id)
		}
		return
	}
	if strings.HasPrefix(e.Tag, proto.MinionTagPrefix) {
		t.Fatalf("%s on %s: the master published a minion's event %q", handler, subj, e.Tag)
	}
	if handler != "key_request" && d.ID != "" && d.ID != id {
		t.Fatalf("%s on %s: event %q names %q", handler, subj, e.Tag, d.ID)
	}
}
