package security

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// The checks that held in the red-team exercise stay as regression
// tests.

func TestLoginsWithoutOrWithForeignCredentials(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "")
	if nc, err := nats.Connect(e.URL(), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Errorf("a connection with no credential was let in")
	} else if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(strings.ToLower(err.Error()), "authorization") {
		t.Errorf("no credential: %v", err)
	}
	// A key nobody accepted may only ask to be accepted.
	stranger := pending(t, e, "stranger")
	if _, err := stranger.nc.Request(proto.SubjHello("stranger"), stranger.marshal(&proto.Hello{ID: "stranger"}), time.Second); err == nil {
		t.Errorf("an unaccepted key was answered as accepted")
	}
	// The operator's and read-only seeds of another master are
	// strangers here.
	other, _ := nkeys.CreateUser()
	pub, _ := other.PublicKey()
	nc, err := nats.Connect(e.URL(), nats.Nkey(pub, other.Sign), nats.CustomInboxPrefix(proto.OperatorInbox), nats.MaxReconnects(0))
	if err == nil {
		defer nc.Close()
		b, _ := proto.Marshal(&proto.KeyListRequest{})
		if _, err := nc.Request(proto.SubjKeyList, b, time.Second); err == nil {
			t.Errorf("a foreign operator key listed the keys")
		}
	}
}

func TestFileServingStaysInTheRoots(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	secret := filepath.Join(e.Dir, "outside.txt")
	harness.WriteFile(t, secret, "outside")
	if err := os.Symlink(secret, filepath.Join(e.Dir, "srv", "files", "escape")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"../outside.txt", "files/../../outside.txt", secret, "%2e%2e/outside.txt",
		"files/hello.txt\x00../../outside.txt", "files/escape", "salt://../outside.txt"} {
		var fi proto.FileInfo
		if err := ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: p}, &fi); err == nil {
			t.Errorf("file %q was served (%+v)", p, fi)
		}
		var list proto.FileInfo
		_ = ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: p, List: true}, &list)
		for _, f := range list.Files {
			if strings.Contains(f, "outside") {
				t.Errorf("listing %q shows %s", p, f)
			}
		}
	}
}

// A minion refuses a job that is replayed, tampered with, unsigned,
// expired, or signed by another key, whoever manages to publish it.
func TestMinionRefusesBadJobs(t *testing.T) {
	e := newEnv(t, "")
	op := e.Operator(false, proto.OperatorInbox)
	jobKey := harness.Seed(t, filepath.Join(e.Dir, "master", "jobkey.nk"))
	otherKey, _ := nkeys.CreateAccount()
	now := time.Now().UTC()
	job := func(fun string, issued, expiry time.Time) *proto.Job {
		return &proto.Job{JID: proto.NewJID(time.Now()), Fun: fun, Args: []any{"touch /tmp/pwned-" + fun}, Minions: []string{"m1"},
			IssuedAt: issued, Expiry: expiry, Nonce: proto.NewNonce(), Timeout: proto.Duration(time.Second)}
	}
	sign := func(kp nkeys.KeyPair, j *proto.Job) []byte {
		b, err := proto.SignJob(kp, j)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	good := sign(jobKey, job("cmd.run", now, now.Add(time.Minute)))
	tampered := []byte(strings.Replace(string(good), "touch", "rm -rf", 1))
	unsigned, _ := proto.Marshal(&proto.Signed{Kind: proto.KindJob, Body: mustMarshal(t, job("cmd.run", now, now.Add(time.Minute)))})
	expired := sign(jobKey, job("cmd.run", now.Add(-time.Hour), now.Add(-time.Minute)))
	foreign := sign(otherKey, job("cmd.run", now, now.Add(time.Minute)))
	for _, b := range [][]byte{good, good, tampered, unsigned, expired, foreign} {
		if err := op.Publish(proto.SubjJob("m1"), b); err != nil {
			t.Fatal(err)
		}
	}
	_ = op.Flush()
	m1 := e.Minions["m1"]
	m1.WaitLog(`job refused`, 5, 10*time.Second)
	for _, want := range []string{"replayed", "bad signature", "not signed", "expired", "signed by a key the minion does not trust"} {
		if !strings.Contains(m1.LogText(), want) {
			t.Errorf("m1's log has no refusal for %q", want)
		}
	}
	if n := strings.Count(m1.LogText(), `msg="job started"`); n > 2 {
		// The accept step's test.ping and the good job.
		t.Errorf("m1 started %d jobs", n)
	}
}

func mustMarshal(t *testing.T, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestInvalidIDsAndReadOnlyPublishing(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "")
	// Salt's ids may hold dots, '*' or '>' (they travel as one encoded
	// subject token); these it refuses, and so does brine.
	for _, id := range []string{"web 1", "", "a/b", `a\b`, ".", "..", "a\nb", strings.Repeat("x", 300)} {
		p := pending(t, e, "bad")
		p.id = id
		p.requestKey(time.Now())
	}
	ro := e.Operator(true, proto.ReadOnlyInbox)
	errs := make(chan error, 16)
	ro.SetErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err })
	for _, subj := range []string{proto.SubjPublish, proto.SubjKeyAction, proto.SubjJobsKill, proto.SubjJob("m1"), proto.SubjKeyList} {
		_ = ro.Publish(subj, []byte(`{"v":1}`))
	}
	_ = ro.Flush()
	denied := 0
	timeout := time.After(5 * time.Second)
	for denied < 5 {
		select {
		case err := <-errs:
			if errors.Is(err, nats.ErrPermissionViolation) {
				denied++
			}
		case <-timeout:
			t.Fatalf("the read-only operator's publishes: %d of 5 denied", denied)
		}
	}
	time.Sleep(300 * time.Millisecond)
	if keys := keysOf(t, e); len(keys) != 0 {
		t.Errorf("keys registered under invalid ids: %v", keys)
	}
}
