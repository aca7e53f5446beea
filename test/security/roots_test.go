package security

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// A minion's rights are two roots of its own (it publishes under
// brine.m.<id>, receives under brine.to.<id>) and the broadcasts. The
// server refuses everything outside them: its own jobs and inbox (what
// the master sends it), another minion's roots, the job cache. Inside
// its publish root it may publish on any subject, so what the master and
// the operator's command listen to there must take nothing they do not
// expect: subjects of no kind, of one token too many, a return that
// names another minion. A job runs through all of it as if nothing was
// sent.
func TestMinionRootsHoldOnlyItsOwn(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	jid := proto.NewJID(time.Now())

	pubs := []string{
		proto.SubjJob("evil"), proto.SubjKill("evil"), proto.InboxPrefix("evil") + ".x", // its own, as the master
		proto.SubjJob("m1"), proto.SubjJobAll, proto.SubjTrustPush, proto.InboxPrefix("m1") + ".x",
		proto.SubjReturn("m1", jid), proto.FromMinion("m1") + ".bogus", proto.FromMinion("evil2") + ".ret." + jid,
		proto.CacheReturn("evil", jid), proto.SubjKeyRequest("UABC"),
	}
	subs := []string{
		proto.FromMinion("evil") + ".>", proto.FromMinion("m1") + ".>", proto.ToMinion("m1") + ".>",
		"brine.to.*.job", "brine.to.*.>", proto.AllReturns, proto.JobWildcard(jid), "brine.m.>",
	}
	for _, s := range pubs {
		_ = ev.nc.Publish(s, []byte(`{"v":1}`))
	}
	for _, s := range subs {
		if _, err := ev.nc.SubscribeSync(s); err != nil {
			t.Fatal(err)
		}
	}
	_ = ev.nc.Flush()
	want := map[string]bool{}
	for _, s := range pubs {
		want[fmt.Sprintf("Publish to %q", s)] = true
	}
	for _, s := range subs {
		want[fmt.Sprintf("Subscription to %q", s)] = true
	}
	timeout := time.After(10 * time.Second)
	for len(want) > 0 {
		select {
		case err := <-ev.errs:
			if !errors.Is(err, nats.ErrPermissionViolation) {
				continue
			}
			for w := range want {
				if strings.HasSuffix(err.Error(), w) || strings.Contains(err.Error(), w+" ") {
					delete(want, w)
				}
			}
		case <-timeout:
			t.Fatalf("not refused by the server: %v", want)
		}
	}

	// Its own roots it has: it receives the job, and sends junk under
	// its publish root with the job's id before its honest ack and
	// return.
	jobs := make(chan *nats.Msg, 4)
	for _, s := range []string{proto.SubjJob("evil"), proto.SubjJobAll} {
		if _, err := ev.nc.ChanSubscribe(s, jobs); err != nil {
			t.Fatal(err)
		}
	}
	_ = ev.nc.Flush()
	stored := make(chan error, 1)
	jids := make(chan string, 1)
	go func() {
		var msg *nats.Msg
		select {
		case msg = <-jobs:
		case <-time.After(20 * time.Second):
			stored <- errors.New("no job came")
			return
		}
		var env struct {
			Body json.RawMessage `json:"body"`
		}
		var job proto.Job
		if err := json.Unmarshal(msg.Data, &env); err != nil {
			stored <- err
			return
		}
		if err := json.Unmarshal(env.Body, &job); err != nil {
			stored <- err
			return
		}
		j := job.JID
		jids <- j
		root := proto.FromMinion("evil")
		for _, s := range []string{root + ".bogus." + j, root + ".ret." + j + ".x", root + ".ret", root + ".ack." + j + ".x",
			root + ".hello.x", root + ".x.y.z." + j} {
			_ = ev.nc.Publish(s, ev.marshal(&proto.Return{JID: j, ID: "evil", Fun: "test.ping", Return: "junk", Success: true}))
		}
		// A return as m1, on its own subject: not m1's.
		var st proto.Stored
		if err := ask(ev.nc, proto.SubjReturn("evil", j), &proto.Return{JID: j, ID: "m1", Fun: "test.ping", Return: "forged", Success: true}, &st); err == nil {
			stored <- errors.New("a return naming m1, sent by evil, was stored")
			return
		}
		now := time.Now().UTC()
		_ = ev.nc.Publish(proto.SubjAck("evil", j), ev.marshal(&proto.Ack{JID: j, ID: "evil", Time: now}))
		stored <- ask(ev.nc, proto.SubjReturn("evil", j), &proto.Return{JID: j, ID: "evil", Fun: "test.ping", Return: true,
			Success: true, Start: now, End: now}, &st)
	}()
	out, errOut, code := e.Brine("*", "test.ping", "--out", "json", "-t", "20")
	if err := <-stored; err != nil {
		t.Fatalf("evil's own return: %v", err)
	}
	var got map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	all := map[string]any{}
	for dec.Decode(&got) == nil {
		for k, v := range got {
			all[k] = v
		}
	}
	if code != 0 || len(all) != 3 || all["m1"] != true || all["m2"] != true || all["evil"] != true {
		t.Fatalf("'*' test.ping with evil's junk: exit %d, %v\n%s%s", code, all, out, errOut)
	}
	j := <-jids
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		out, errOut, code := e.Brine("jobs", "lookup", j, "--out", "json")
		if code != 0 {
			return fmt.Errorf("jobs lookup %s: exit %d %s%s", j, code, out, errOut)
		}
		if strings.Contains(out, "junk") || strings.Contains(out, "forged") {
			t.Fatalf("the job cache took evil's junk:\n%s", out)
		}
		if !strings.Contains(out, `"evil"`) || !strings.Contains(out, `"m1"`) {
			return fmt.Errorf("jobs lookup %s: not every return yet:\n%s", j, out)
		}
		return nil
	})
}
