package master

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

func TestSignerSignsAsTheKeyPair(t *testing.T) {
	kp, err := nkeys.CreateAccount()
	if err != nil {
		t.Fatal(err)
	}
	s := signerFor(kp)
	if s == kp {
		t.Fatal("signerFor returned the key pair itself")
	}
	if again := signerFor(kp); again != s {
		t.Error("signerFor derived the keys again")
	}
	want, _ := kp.PublicKey()
	if got, _ := s.PublicKey(); got != want {
		t.Errorf("PublicKey() = %s; want %s", got, want)
	}
	msg := []byte("brine/1/job\n{}")
	sigKP, _ := kp.Sign(msg)
	sigS, err := s.Sign(msg)
	if err != nil || !bytes.Equal(sigS, sigKP) {
		t.Errorf("Sign() = %x, %v; want %x (ed25519 is deterministic)", sigS, err, sigKP)
	}
	if err := kp.Verify(msg, sigS); err != nil {
		t.Errorf("the key pair does not verify the signer's signature: %v", err)
	}
	// A JWT encoded with the signer decodes and names the same issuer.
	user, _ := nkeys.CreateUser()
	userPub, _ := user.PublicKey()
	uc := jwt.NewUserClaims(userPub)
	tok, err := uc.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := jwt.DecodeUserClaims(tok)
	if err != nil || back.Issuer != want {
		t.Fatalf("decode %s: %+v, %v", tok, back, err)
	}
}

// A job to many minions goes to each on its own subject, signed once per
// group of at most jobGroup, each naming that minion; a job to every
// connected minion of a small fleet is one broadcast.
func TestSendJobInGroups(t *testing.T) {
	m := startMaster(t, t.TempDir())
	op := operator(t, m)
	sub, err := op.SubscribeSync("brine.to.*.job")
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	ids := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, fmt.Sprintf("m%03d", i))
		}
		return out
	}
	tests := []struct {
		minions, all int
		broadcast    bool
	}{
		{5, 5, true},
		{5, 6, false},
		{1, 1, false},
		{2*jobGroup + 3, 2*jobGroup + 3, false},
	}
	for _, tt := range tests {
		now := time.Now().UTC()
		job := &proto.Job{JID: proto.NewJID(now), Fun: "test.ping", Minions: ids(tt.minions), IssuedAt: now,
			Expiry: now.Add(time.Minute), Nonce: proto.NewNonce()}
		if err := m.sendJob(job, tt.all); err != nil {
			t.Fatal(err)
		}
		want := tt.minions
		if tt.broadcast {
			want = 1
		}
		got := map[string]bool{}
		groups := map[string]int{}
		for range want {
			msg, err := sub.NextMsg(5 * time.Second)
			if err != nil {
				t.Fatalf("%d minions (of %d connected): %v", tt.minions, tt.all, err)
			}
			j, err := proto.VerifyJob(msg.Data, []string{m.JobKey()}, time.Now(), proto.NewReplayCache())
			if err != nil {
				t.Fatal(err)
			}
			if len(j.Minions) > jobGroup {
				t.Errorf("a job names %d minions; want at most %d", len(j.Minions), jobGroup)
			}
			groups[j.Nonce]++
			if tt.broadcast {
				if msg.Subject != proto.SubjJobAll {
					t.Errorf("broadcast on %s; want %s", msg.Subject, proto.SubjJobAll)
				}
				for _, id := range j.Minions {
					got[id] = true
				}
				continue
			}
			id := proto.MinionOf(msg.Subject)
			if msg.Subject != proto.SubjJob(id) || !j.For(id) {
				t.Errorf("job on %s names %v", msg.Subject, j.Minions)
			}
			got[id] = true
		}
		if len(got) != tt.minions {
			t.Errorf("%d minions got the job; want %d", len(got), tt.minions)
		}
		var sizes []int
		for _, n := range groups {
			sizes = append(sizes, n)
		}
		sort.Ints(sizes)
		if wantGroups := (tt.minions + jobGroup - 1) / jobGroup; !tt.broadcast && len(groups) != wantGroups {
			t.Errorf("%d minions: %d signed jobs (sizes %v); want %d", tt.minions, len(groups), sizes, wantGroups)
		}
		if msg, err := sub.NextMsg(100 * time.Millisecond); err == nil {
			t.Errorf("one message too many, on %s", msg.Subject)
		}
	}
}

// The operator hears which minions a job is for before the job goes to
// them (publish, answered): nothing is sent until send runs. A job that
// cannot be sent, larger than the server's max_payload, is refused
// before the answer, and not recorded.
func TestPublishAnswersThenSends(t *testing.T) {
	m := startMaster(t, t.TempDir())
	op := operator(t, m)
	a, b := acceptedMinion(t, m, op, "a"), acceptedMinion(t, m, op, "b")
	checkFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		for _, tm := range []*testMinion{a, b} {
			p, _ := proto.Marshal(&proto.Presence{ID: tm.id, Status: proto.Online, Time: time.Now()})
			_ = tm.nc.Publish(proto.SubjPresence(tm.id), p)
			_ = tm.nc.Flush()
		}
		conn, _, _, err := m.resolve(t.Context(), "*", proto.TargetGlob)
		if err != nil || len(conn) != 2 {
			return fmt.Errorf("%v connected (%v)", conn, err)
		}
		return nil
	})
	sub, err := op.SubscribeSync("brine.to.>")
	if err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	jid := proto.NewJID(time.Now())
	rep, send, err := m.publish(t.Context(), &proto.PublishRequest{JID: jid, Target: "*", Fun: "test.ping"})
	if err != nil || send == nil {
		t.Fatalf("publish: %v, send %v", err, send != nil)
	}
	if len(rep.Minions) != 2 {
		t.Errorf("answer names %v; want a and b", rep.Minions)
	}
	// Whatever the master had published has reached the operator's
	// connection after these two round trips.
	if err := m.nc.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := op.Flush(); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := sub.Pending(); n != 0 {
		t.Fatalf("%d job messages sent before send", n)
	}
	if _, err := m.jobRecord(t.Context(), jid); err != nil {
		t.Errorf("no record before the answer: %v", err)
	}
	send()
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if j, err := proto.VerifyJob(msg.Data, []string{m.JobKey()}, time.Now(), proto.NewReplayCache()); err != nil || j.JID != jid {
		t.Errorf("sent %s: %v", msg.Subject, err)
	}

	big := proto.NewJID(time.Now().Add(time.Millisecond))
	arg := strings.Repeat("x", int(m.nc.MaxPayload()))
	_, send, err = m.publish(t.Context(), &proto.PublishRequest{JID: big, Target: "*", Fun: "test.arg", Args: []any{arg}})
	if !errors.Is(err, nats.ErrMaxPayload) || send != nil {
		t.Errorf("a job larger than max_payload: err %v, send %v; want nats.ErrMaxPayload", err, send != nil)
	}
	if _, err := m.jobRecord(t.Context(), big); !errors.Is(err, jetstream.ErrMsgNotFound) {
		t.Errorf("the refused job was recorded: %v", err)
	}
}
