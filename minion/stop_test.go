package minion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

func TestOwner(t *testing.T) {
	o := newOwner()
	release := make(chan struct{})
	if !o.Go(func() { <-release }) {
		t.Fatal("Go on an open owner refused")
	}
	empty := o.Close()
	if o.Go(func() { t.Error("a goroutine started after Close") }) {
		t.Error("Go after Close = true; want refused")
	}
	select {
	case <-empty:
		t.Fatal("Close's channel closed while a goroutine runs")
	default:
	}
	close(release)
	select {
	case <-empty:
	case <-time.After(10 * time.Second): // hang guard
		t.Fatal("Close's channel still open once the goroutine ended")
	}
	if e := newOwner().Close(); e == nil {
		t.Fatal("nil channel")
	} else {
		<-e // an owner that never ran anything is empty at once
	}
}

// stopRig is a master, a minion m1 run in-process and an operator's
// client, with a state tree whose "gated" state runs until the test
// creates the gate file.
type stopRig struct {
	t      *testing.T
	dir    string
	master *master.Master
	cli    *client.Client
	mn     *Minion
	logs   *syncBuffer
	stop   context.CancelFunc
	done   chan error
}

const gatedSLS = `gated:
  cmd.run:
    - name: 'echo $$ > %[1]s/pid; touch %[1]s/started; while [ ! -e %[1]s/gate ]; do sleep 0.05; done; touch %[1]s/finished; echo drained'
`

func newStopRig(t *testing.T, set func(*Config)) *stopRig {
	t.Helper()
	dir := t.TempDir()
	srv := filepath.Join(dir, "srv")
	if err := os.MkdirAll(srv, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(srv, "gated.sls"), []byte(fmt.Sprintf(gatedSLS, dir)), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &stopRig{t: t, dir: dir, master: startPlainMaster(t, dir, "m*")}
	cli, err := client.Connect(client.Config{URL: r.master.ClientURL(), Creds: filepath.Join(dir, "master", master.OperatorFile)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cli.Close)
	r.cli = cli
	r.start(set)
	// Whatever a test leaves running ends with it.
	t.Cleanup(func() { _ = os.WriteFile(filepath.Join(dir, "gate"), nil, 0o644) })
	return r
}

// start runs the minion and waits until it is ready.
func (r *stopRig) start(set func(*Config)) {
	r.t.Helper()
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.Master = r.master.ClientURL()
	cfg.StateDir = filepath.Join(r.dir, "m1", "state")
	cfg.CacheDir = filepath.Join(r.dir, "m1", "cache")
	cfg.RetryMax = Duration(time.Second)
	cfg.HeartbeatInterval = Duration(200 * time.Millisecond)
	if set != nil {
		set(&cfg)
	}
	r.logs = &syncBuffer{}
	r.mn = New(&cfg, slog.New(slog.NewTextHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ready := make(chan struct{})
	r.mn.Ready = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	r.stop, r.done = cancel, make(chan error, 1)
	mn, done := r.mn, r.done
	go func() { done <- mn.Run(ctx) }()
	r.t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(90 * time.Second): // hang guard
			r.t.Error("minion did not stop")
		}
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second): // hang guard
		r.t.Fatalf("minion not ready:\n%s", r.logs)
	}
	// Ready means presence was sent; wait until the master has it.
	waitFor(r.t, "the master to see m1", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rep, err := r.cli.Resolve(ctx, client.Job{Target: "m1", TargetType: proto.TargetGlob, Fun: "test.ping"})
		return err == nil && len(rep.Minions) == 1
	})
}

func (r *stopRig) waitStarted() {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second) // hang guard
	for !r.exists("started") {
		if time.Now().After(deadline) {
			r.t.Fatalf("the job did not start:\n%s", r.logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *stopRig) path(name string) string { return filepath.Join(r.dir, name) }

func (r *stopRig) exists(name string) bool {
	_, err := os.Stat(r.path(name))
	return err == nil
}

// publish sends a job to m1 and returns its jid.
func (r *stopRig) publish(fun string, args ...any) *proto.PublishReply {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := r.cli.Publish(ctx, client.Job{Target: "m1", TargetType: proto.TargetGlob, Fun: fun, Args: args})
	if err != nil {
		r.t.Fatalf("publish %s: %v", fun, err)
	}
	return rep
}

// lookup returns m1's return of jid, or nil.
func (r *stopRig) lookup(jid string) *proto.Return {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := r.cli.Lookup(ctx, jid)
	if err != nil {
		// A job the master never sent is not in the cache.
		r.t.Logf("lookup %s: %v", jid, err)
		return nil
	}
	if ret, ok := rep.Returns["m1"]; ok {
		return &ret
	}
	return nil
}

// exited waits for Run to return and gives its error.
func (r *stopRig) exited() error {
	r.t.Helper()
	select {
	case err := <-r.done:
		r.done <- err // for the cleanup
		return err
	case <-time.After(60 * time.Second): // hang guard
		r.t.Fatalf("minion still running:\n%s", r.logs)
		return nil
	}
}

func (r *stopRig) running() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return false
	default:
		return true
	}
}

func (r *stopRig) journal() []string {
	st, _, err := readBook(filepath.Join(r.mn.cfg.StateDir, BookFile))
	if err != nil {
		r.t.Fatal(err)
	}
	var out []string
	for jid := range st.running {
		out = append(out, jid)
	}
	return out
}

// signedJob is a job for m1 signed with the master's job key, as the
// master would send it.
func (r *stopRig) signedJob(fun string, args ...any) (*nats.Msg, string) {
	r.t.Helper()
	key, err := master.ReadKey(filepath.Join(r.dir, "master", master.JobKeyFile))
	if err != nil {
		r.t.Fatal(err)
	}
	now := time.Now().UTC()
	job := &proto.Job{JID: proto.NewJID(now), Target: "m1", TargetType: proto.TargetGlob, Fun: fun, Args: args,
		Minions: []string{"m1"}, IssuedAt: now, Expiry: now.Add(time.Minute), Nonce: proto.NewNonce()}
	b, err := proto.SignJob(key, job)
	if err != nil {
		r.t.Fatal(err)
	}
	return &nats.Msg{Subject: proto.SubjJob("m1"), Data: b}, job.JID
}

// SIGTERM mid-job: the minion takes no new job, lets the running one
// finish, sends its return, and only then exits, with no error.
func TestStopDrainsRunningJob(t *testing.T) {
	r := newStopRig(t, nil)
	jid := r.publish("state.sls", "gated").JID
	r.waitStarted()

	r.stop() // what SIGTERM does
	waitFor(t, "the drain to begin", func() bool { return strings.Contains(r.logs.String(), "waiting for running jobs") })

	// A job that comes after the signal is never started: whether the
	// master still sends it, or it was on its way already.
	late := "touch " + r.path("late")
	msg, lateJID := r.signedJob("cmd.run", late)
	r.mn.onJob(context.Background(), msg)
	rep := r.publish("cmd.run", late)
	if len(rep.Minions) != 0 {
		t.Logf("the master still sent a job to the stopping minion: %+v", rep)
	}
	if !r.running() {
		t.Fatalf("the minion exited with a job running:\n%s", r.logs)
	}

	if err := os.WriteFile(r.path("gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := r.exited(); err != nil {
		t.Fatalf("Run = %v; want nil after a clean drain", err)
	}
	ret := r.lookup(jid)
	if ret == nil || ret.Retcode != 0 || !strings.Contains(string(mustJSON(ret.Return)), "drained") {
		t.Fatalf("return of the drained job = %+v; want it stored, retcode 0, with its output\n%s", ret, r.logs)
	}
	if r.exists("late") {
		t.Error("a job published after the stop ran")
	}
	for _, j := range []string{lateJID, rep.JID} {
		if ret := r.lookup(j); ret != nil {
			t.Errorf("a job sent after the stop returned: %+v", ret)
		}
	}
	if j := r.journal(); len(j) != 0 {
		t.Errorf("journal after a clean drain = %v; want empty", j)
	}
	for _, want := range []string{"job not started: the minion is stopping", "running jobs finished and returned", "minion stopped"} {
		if !strings.Contains(r.logs.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, r.logs)
		}
	}
}

// At drain_timeout the minion exits and leaves the job's process
// running; the next start reports the job interrupted.
func TestStopDrainTimeoutLeavesJobRunning(t *testing.T) {
	r := newStopRig(t, func(c *Config) { c.DrainTimeout = Duration(300 * time.Millisecond) })
	jid := r.publish("state.sls", "gated").JID
	r.waitStarted()
	b, _ := os.ReadFile(r.path("pid"))
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("job's pid file: %q: %v", b, err)
	}

	r.stop()
	if err := r.exited(); err != nil {
		t.Fatalf("Run = %v; want nil", err)
	}
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("the job's process %d is gone after the drain timeout: %v; want it left running", pid, err)
	}
	if !strings.Contains(r.logs.String(), "stopping with jobs still running") || !strings.Contains(r.logs.String(), jid) {
		t.Errorf("log does not name the job left running:\n%s", r.logs)
	}
	if j := r.journal(); len(j) != 1 || j[0] != jid {
		t.Fatalf("journal = %v; want [%s] for the next start", j, jid)
	}

	// The process finishes on its own; nothing crosses the job out.
	if err := os.WriteFile(r.path("gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the abandoned job to finish", func() bool {
		return strings.Contains(r.logs.String(), "job finished after the minion stopped waiting for it")
	})
	if !r.exists("finished") {
		t.Error("the job's command did not finish: was it killed?")
	}
	if j := r.journal(); len(j) != 1 {
		t.Fatalf("journal = %v after the abandoned job ended; want its entry kept", j)
	}

	r.start(nil)
	waitFor(t, "the interrupted return", func() bool {
		ret := r.lookup(jid)
		return ret != nil && ret.Interrupted
	})
	waitFor(t, "the journal to empty", func() bool { return len(r.journal()) == 0 })
}

// A kill during a job still ends it (and its commands) while the minion
// runs; the stop never does.
func TestKillEndsJobCommands(t *testing.T) {
	r := newStopRig(t, nil)
	jid := r.publish("state.sls", "gated").JID
	r.waitStarted()
	b, _ := os.ReadFile(r.path("pid"))
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if ids, err := r.cli.Kill(ctx, jid); err != nil || len(ids) != 1 {
		t.Fatalf("kill = %v, %v", ids, err)
	}
	waitFor(t, "the killed return", func() bool {
		ret := r.lookup(jid)
		return ret != nil && strings.Contains(fmt.Sprint(ret.Return), "killed")
	})
	waitFor(t, "the command to die", func() bool {
		// A zombie until its parent reaps it: gone or Z.
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		return err != nil || strings.Contains(string(st), ") Z ")
	})
	if r.exists("finished") {
		t.Error("the killed command ran to its end")
	}
}

func TestNoAnswerIsTyped(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("pillar: %w", nats.ErrTimeout), true},
		{fmt.Errorf("fetch salt://x: %w", fmt.Errorf("%w (brine.m.m1.file)", nats.ErrTimeout)), true},
		{nats.ErrNoResponders, true},
		{fmt.Errorf("x: %w", nats.ErrConnectionClosed), true},
		{context.DeadlineExceeded, true},
		{context.Canceled, false}, // a kill, not the master
		{proto.ErrBusy, false},
		// The text alone decides nothing.
		{errors.New("nats: timeout"), false},
		{errors.New(nats.ErrNoResponders.Error()), false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := noAnswer(tt.err); got != tt.want {
			t.Errorf("noAnswer(%v) = %v; want %v", tt.err, got, tt.want)
		}
	}
}

// run says, as a typed error, that a job failed for want of the master:
// its pillar, or its files, got no answer.
func TestRunReportsMasterUnreachable(t *testing.T) {
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	ns.Start()
	t.Cleanup(ns.Shutdown)
	if !ns.ReadyForConnections(60 * time.Second) {
		t.Fatal("nats server not ready")
	}
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)

	dir := t.TempDir()
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.StateDir, cfg.CacheDir = filepath.Join(dir, "state"), filepath.Join(dir, "cache")
	mn := New(&cfg, quietLog())
	mn.nc = nc
	job := func(fun string, args ...any) *proto.Job {
		return &proto.Job{JID: proto.NewJID(time.Now()), Fun: fun, Args: args, Minions: []string{"m1"}}
	}
	ctx := context.Background()

	// No master at all: the pillar request has no responders.
	ret, err := mn.run(ctx, ctx, job("state.sls", "web"), -1)
	if !errors.Is(err, ErrMasterUnreachable) || !errors.Is(err, nats.ErrNoResponders) || ret.Retcode == 0 {
		t.Fatalf("run with no master = %v (retcode %d); want ErrMasterUnreachable with no responders", err, ret.Retcode)
	}

	// A master that answers for pillar but not for files.
	sub, err := nc.Subscribe(proto.SubjPillar("m1"), func(msg *nats.Msg) {
		b, _ := proto.Marshal(&proto.PillarReply{Pillar: json.RawMessage(`{}`)})
		_ = msg.Respond(b)
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	ret, err = mn.run(ctx, ctx, job("state.sls", "web"), -1)
	if !errors.Is(err, ErrMasterUnreachable) || ret.Retcode == 0 {
		t.Fatalf("run with no file server = %v (retcode %d, %v); want ErrMasterUnreachable", err, ret.Retcode, ret.Return)
	}

	// A job that needs nothing from the master fails for its own reason.
	ret, err = mn.run(ctx, ctx, job("cmd.run", "exit 3"), -1)
	if err != nil || ret.Retcode == 0 {
		t.Fatalf("cmd.run exit 3 = %v (retcode %d); want a failed return and no error", err, ret.Retcode)
	}
}
