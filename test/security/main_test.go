// Package security attacks a real master from real NATS clients: a
// hostile accepted minion, an unaccepted key, the read-only operator.
// Each test is one class of the threat model in docs/security.md, and
// each failed on the master before its defence.
package security

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m, filepath.Join("..", "..")) }

const states = `
-- top.sls --
base:
  '*':
    - common
-- common.sls --
common_file:
  file.managed:
    - name: /etc/brine-common
    - contents: common
    - makedirs: True
-- files/hello.txt --
hello
`

const pillar = `
-- top.sls --
base:
  '*':
    - common
  'm1':
    - m1
-- common.sls --
shared: all
-- m1.sls --
secret: m1-only
`

// newEnv starts a master with two real minions, m1 and m2, accepted.
func newEnv(t *testing.T, extra string) *harness.Env {
	t.Helper()
	e := harness.NewEnv(t, states, pillar, extra)
	e.AddMinion("m1", "role: web", "")
	e.AddMinion("m2", "role: db", "")
	e.AcceptAll("m1", "m2")
	return e
}

// evil is a hostile client that holds an accepted minion key of its own
// and speaks NATS directly.
type evil struct {
	t    *testing.T
	e    *harness.Env
	id   string
	kp   nkeys.KeyPair
	pub  string
	nc   *nats.Conn
	errs chan error
}

// newEvil registers a key under id, has the operator accept it, and
// returns once the master answers it as an accepted minion.
func newEvil(t *testing.T, e *harness.Env, id string) *evil {
	t.Helper()
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	ev := &evil{t: t, e: e, id: id, kp: kp, pub: pub}
	ev.nc, ev.errs = ev.connect()
	ev.requestKey(time.Now())
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		out, _, _ := e.Brine("key", "list")
		if !strings.Contains(out, id) {
			ev.requestKey(time.Now())
			return fmt.Errorf("%s not listed:\n%s", id, out)
		}
		return nil
	})
	if out, errOut, code := e.Brine("key", "accept", id, "-y"); code != 0 {
		t.Fatalf("accept %s: %s%s", id, out, errOut)
	}
	harness.CheckFor(t, 10*time.Second, 50*time.Millisecond, func() error {
		_, err := ev.nc.Request(proto.SubjHello(id), ev.marshal(&proto.Hello{ID: id}), time.Second)
		return err
	})
	// Say it is up, as a minion does, so that jobs are sent to it.
	_ = ev.nc.Publish(proto.SubjPresence(id), ev.marshal(&proto.Presence{ID: id, Status: proto.Online, Time: time.Now()}))
	_ = ev.nc.Flush()
	return ev
}

// connect opens one more connection with the evil key.
func (ev *evil) connect() (*nats.Conn, chan error) {
	errs := make(chan error, 1024)
	nc, err := nats.Connect(ev.e.URL(), nats.Nkey(ev.pub, ev.kp.Sign), nats.Name(ev.id),
		nats.CustomInboxPrefix(proto.InboxPrefix(ev.id)), nats.IgnoreAuthErrorAbort(),
		nats.MaxReconnects(-1), nats.ReconnectWait(50*time.Millisecond),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case errs <- err:
			default:
			}
		}))
	if err != nil {
		ev.t.Fatal(err)
	}
	ev.t.Cleanup(nc.Close)
	return nc, errs
}

func (ev *evil) requestKey(at time.Time) {
	at = at.UTC()
	sig, _ := ev.kp.Sign(proto.KeyRequestPayload(ev.id, ev.pub, at))
	_ = ev.nc.Publish(proto.SubjKeyRequest(ev.pub), ev.marshal(&proto.KeyRequest{ID: ev.id, Nkey: ev.pub, Time: at, Sig: sig}))
	_ = ev.nc.Flush()
}

func (ev *evil) marshal(m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		ev.t.Fatal(err)
	}
	return b
}

// publishWithReply sends data on subj with a reply subject of the
// attacker's choosing.
func (ev *evil) publishWithReply(subj, reply string, data []byte) {
	if err := ev.nc.PublishRequest(subj, reply, data); err != nil {
		ev.t.Fatal(err)
	}
	_ = ev.nc.Flush()
}

// keysOf lists the key registry as the operator asks the master for it:
// id -> state.
func keysOf(t *testing.T, e *harness.Env) map[string]string {
	t.Helper()
	var r proto.KeyListReply
	if err := askParts(e.Operator(false, proto.OperatorInbox), proto.SubjKeyList, &proto.KeyListRequest{}, &r); err != nil {
		t.Fatalf("key list: %v", err)
	}
	got := map[string]string{}
	for _, k := range r.Keys {
		got[k.ID] = k.State
	}
	return got
}

// askParts is ask for answers that may come in parts.
func askParts(nc *nats.Conn, subj string, req, reply proto.Message) error {
	rq, err := natsreq.New(nc)
	if err != nil {
		return err
	}
	defer rq.Close()
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	data, err := rq.Request(ctx, &nats.Msg{Subject: subj, Data: b})
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(data, reply); err != nil {
		return err
	}
	var r proto.Reply
	_ = proto.Unmarshal(data, &r)
	if r.Error != "" {
		return errors.New(r.Error)
	}
	return nil
}

// ping runs test.ping on ids and fails the test unless each answers.
func ping(t *testing.T, e *harness.Env, ids ...string) {
	t.Helper()
	out, errOut, code := e.Brine("-L", strings.Join(ids, ","), "test.ping", "--out", "json", "-t", "5")
	for _, id := range ids {
		if !strings.Contains(out, `"`+id+`": true`) {
			t.Fatalf("%s did not answer test.ping (exit %d):\n%s%s", id, code, out, errOut)
		}
	}
}

// ask sends a request as the given connection and decodes the answer.
func ask(nc *nats.Conn, subj string, req, reply proto.Message) error {
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, err := nc.RequestWithContext(ctx, subj, b)
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(msg.Data, reply); err != nil {
		return err
	}
	var r proto.Reply
	_ = proto.Unmarshal(msg.Data, &r)
	if r.Error != "" {
		return errors.New(r.Error)
	}
	return nil
}

// cacheBytes is the size of the job cache stream, as JetStream reports
// it.
func cacheBytes(t *testing.T, e *harness.Env) uint64 {
	t.Helper()
	js, err := jetstream.New(e.Operator(false, proto.OperatorInbox))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := js.Stream(ctx, "BRINE_JOBS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Bytes
}
