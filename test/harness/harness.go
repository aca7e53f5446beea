// Package harness runs real brine master and minion processes on
// loopback, on random ports, for the end-to-end and security suites: it
// builds the binary once, writes configs and state trees, starts and
// stops daemons with their logs in files, and runs the command.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// Bin is the brine binary Main built.
var Bin string

// Main builds brine (race-checked with BRINE_E2E_RACE set) and runs the
// tests: call it from TestMain. root is the module root, relative to the
// test's package.
func Main(m *testing.M, root string) {
	dir, err := os.MkdirTemp("", "brine-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	Bin = filepath.Join(dir, "brine")
	args := []string{"build", "-o", Bin}
	if os.Getenv("BRINE_E2E_RACE") != "" {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/brine")...)
	build.Dir = root
	moduleRoot = root
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build brine:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// CheckFor polls f until it returns nil or total runs out.
func CheckFor(t testing.TB, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", total, err)
		}
		time.Sleep(sleep)
	}
}

// FreePort is a loopback port nobody listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Proc is a daemon started by a test, with its log in a file.
type Proc struct {
	t    testing.TB
	Name string
	args []string
	Log  string
	cmd  *exec.Cmd
	// bin is the program, Bin when empty.
	bin string
}

// StartProc starts brine with args; the test's cleanup stops it.
func StartProc(t testing.TB, name, logFile string, args ...string) *Proc {
	t.Helper()
	p := &Proc{t: t, Name: name, args: args, Log: logFile}
	p.Start()
	t.Cleanup(p.Stop)
	return p
}

// Start starts (or restarts) the process.
func (p *Proc) Start() {
	p.t.Helper()
	f, err := os.OpenFile(p.Log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	bin := p.bin
	if bin == "" {
		bin = Bin
	}
	p.cmd = exec.Command(bin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	f.Close()
}

// Pid is the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Stop sends SIGTERM and waits (SIGKILL after 10 s).
func (p *Proc) Stop() {
	if p.cmd == nil || p.cmd.Process == nil || p.cmd.ProcessState != nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

// Signal sends sig to the process (SIGTERM: as systemctl stop does).
func (p *Proc) Signal(sig os.Signal) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
}

// Exit waits up to total for the process to exit and returns its exit
// code; past total (a hang guard) it kills it and fails the test.
func (p *Proc) Exit(total time.Duration) int {
	p.t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-time.After(total):
		_ = p.cmd.Process.Kill()
		<-done
		p.t.Fatalf("%s did not exit:\n%s", p.Name, Tail(p.LogText(), 3000))
		return -1
	}
}

// Kill sends SIGKILL: no goodbye to the master.
func (p *Proc) Kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// LogText is the process's log so far.
func (p *Proc) LogText() string {
	b, _ := os.ReadFile(p.Log)
	return string(b)
}

// WaitLog waits until the log has at least n matches of re.
func (p *Proc) WaitLog(re string, n int, total time.Duration) {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	CheckFor(p.t, total, 20*time.Millisecond, func() error {
		if got := len(rx.FindAllString(p.LogText(), -1)); got < n {
			return fmt.Errorf("%s log has %d matches of %q, want %d:\n%s", p.Name, got, re, n, Tail(p.LogText(), 2000))
		}
		return nil
	})
}

// RSS is the process's resident memory in bytes, from /proc.
func (p *Proc) RSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.Pid()))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			var kb int64
			_, err := fmt.Sscan(f[1], &kb)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// Tail is the last n bytes of s.
func Tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// Env is one master, its state tree and its minions.
type Env struct {
	T       testing.TB
	Dir     string
	Port    int
	Etc     string
	Master  *Proc
	Minions map[string]*Proc
}

// NewEnv writes a master config (with extra appended), the state tree
// and pillar tree (txtar-like texts, see WriteTree), and starts the
// master. $DIR in extra is the env's folder; an extra that sets
// file_roots replaces the default (base: [$DIR/srv]).
func NewEnv(t testing.TB, states, pillar, extra string) *Env {
	t.Helper()
	e := &Env{T: t, Dir: t.TempDir(), Port: FreePort(t), Minions: map[string]*Proc{}}
	e.Etc = filepath.Join(e.Dir, "etc")
	WriteTree(t, filepath.Join(e.Dir, "srv"), states)
	WriteTree(t, filepath.Join(e.Dir, "pillar"), pillar)
	extra = strings.ReplaceAll(extra, "$DIR", e.Dir)
	roots := fmt.Sprintf("file_roots: {base: [%s/srv]}\n", e.Dir)
	if strings.Contains(extra, "file_roots:") {
		roots = ""
	}
	proots := fmt.Sprintf("pillar_roots: {base: [%s/pillar]}\n", e.Dir)
	if strings.Contains(extra, "pillar_roots:") {
		proots = ""
	}
	WriteFile(t, filepath.Join(e.Etc, "master.yaml"), fmt.Sprintf(`port: %d
state_dir: %s/master
%s%spresence_ttl: 3s
log_level: debug
%s`, e.Port, e.Dir, roots, proots, extra))
	e.Master = StartProc(t, "master", filepath.Join(e.Dir, "master.log"), "master", "-c", e.Etc)
	t.Cleanup(func() {
		for _, p := range append([]*Proc{e.Master}, e.procs()...) {
			p.Stop()
			if strings.Contains(p.LogText(), "WARNING: DATA RACE") {
				t.Errorf("%s: data race (BRINE_E2E_RACE)", p.Name)
			}
		}
		if t.Failed() {
			for _, p := range append([]*Proc{e.Master}, e.procs()...) {
				t.Logf("--- %s log (end):\n%s", p.Name, Tail(p.LogText(), 3000))
			}
		}
	})
	e.Master.WaitLog("master ready", 1, 20*time.Second)
	return e
}

func (e *Env) procs() []*Proc {
	out := make([]*Proc, 0, len(e.Minions))
	for _, p := range e.Minions {
		out = append(out, p)
	}
	return out
}

// URL is the master's NATS URL.
func (e *Env) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", e.Port) }

// AddMinion starts a minion with grains (YAML flow mapping contents) and
// extra config, with fast presence and heartbeats.
func (e *Env) AddMinion(id, grains, extra string) *Proc {
	e.T.Helper()
	dir := filepath.Join(e.Dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		e.T.Fatal(err)
	}
	WriteFile(e.T, filepath.Join(dir, "minion.yaml"), MinionYAML(id, e.URL(), dir, grains, extra))
	p := StartProc(e.T, id, filepath.Join(dir, "minion.log"), "minion", "-c", dir)
	e.Minions[id] = p
	return p
}

// MinionYAML is the minion.yaml of a test minion in dir: its state,
// cache and root under dir, fast presence and heartbeats, debug logs.
// extra's keys are added, and replace the defaults they name.
func MinionYAML(id, url, dir, grains, extra string) string {
	defaults := fmt.Sprintf(`id: %s
master: %s
state_dir: %s/state
cache_dir: %s/cache
root: %s/root
grains: {%s}
presence_interval: 1s
heartbeat_interval: 300ms
retry_max: 1s
log_level: debug
`, id, url, dir, dir, dir, grains)
	given := map[string]bool{}
	for _, line := range strings.Split(extra, "\n") {
		if k, _, ok := strings.Cut(line, ":"); ok && k != "" && !strings.HasPrefix(k, " ") {
			given[k] = true
		}
	}
	var b strings.Builder
	for _, line := range strings.SplitAfter(defaults, "\n") {
		if k, _, _ := strings.Cut(line, ":"); !given[k] {
			b.WriteString(line)
		}
	}
	b.WriteString(extra)
	return b.String()
}

// AcceptAll accepts every pending key and waits until each minion
// answers test.ping.
func (e *Env) AcceptAll(ids ...string) {
	e.T.Helper()
	acceptAll(e.T, e.Brine, e.Minions, 15*time.Second, ids)
}

// WaitPing waits until every id answers test.ping.
func (e *Env) WaitPing(ids ...string) { e.T.Helper(); waitPing(e.T, e.Brine, 15*time.Second, ids) }

// acceptAll waits until every id's key is listed, accepts them all, and
// waits until each minion is ready and answers test.ping, each step for
// at most patience (a hang guard; more on a cluster).
func acceptAll(t testing.TB, brine func(...string) (string, string, int), minions map[string]*Proc, patience time.Duration, ids []string) {
	t.Helper()
	CheckFor(t, patience, 50*time.Millisecond, func() error {
		out, _, _ := brine("key", "list")
		for _, id := range ids {
			if !strings.Contains(out, "\n"+id+"\n") {
				return fmt.Errorf("key of %s not listed yet:\n%s", id, out)
			}
		}
		return nil
	})
	if out, errOut, code := brine("key", "accept", "-A", "-y"); code != 0 {
		t.Fatalf("key accept: %d\n%s%s", code, out, errOut)
	}
	for _, id := range ids {
		if p := minions[id]; p != nil {
			p.WaitLog("minion ready", 1, patience)
		}
	}
	waitPing(t, brine, patience, ids)
}

// waitPing waits until every id answers test.ping.
func waitPing(t testing.TB, brine func(...string) (string, string, int), patience time.Duration, ids []string) {
	t.Helper()
	CheckFor(t, patience, 50*time.Millisecond, func() error {
		out, _, _ := brine("-L", strings.Join(ids, ","), "test.ping", "--out", "json", "-t", "3")
		for _, id := range ids {
			if !strings.Contains(out, `"`+id+`": true`) {
				return fmt.Errorf("%s does not answer yet:\n%s", id, Tail(out, 2000))
			}
		}
		return nil
	})
}

// Brine runs the command against this env's master.
func (e *Env) Brine(args ...string) (stdout, stderr string, code int) {
	e.T.Helper()
	return RunBrine(e.T, append(args, "-c", e.Etc)...)
}

// RunBrine runs the brine command with args to its end and returns its
// output and exit status; a run that outlives two minutes (a hang) fails
// the test.
func RunBrine(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, Bin, args...)
	var o, eb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &eb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("brine %v did not end:\n%s%s", args, o.String(), eb.String())
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("brine %v: %v", args, err)
	}
	return o.String(), eb.String(), code
}

// Seed reads an nkey seed file.
func Seed(t testing.TB, p string) nkeys.KeyPair {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// Operator connects with the master's operator credential (or the
// read-only one), with its inbox prefix.
func (e *Env) Operator(readOnly bool, inbox string) *nats.Conn {
	e.T.Helper()
	name := "operator.nk"
	if readOnly {
		name = "readonly.nk"
	}
	kp := Seed(e.T, filepath.Join(e.Dir, "master", name))
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(e.URL(), nats.Nkey(pub, kp.Sign), nats.CustomInboxPrefix(inbox))
	if err != nil {
		e.T.Fatal(err)
	}
	e.T.Cleanup(nc.Close)
	return nc
}

// WriteFile writes s to p, making its directory.
func WriteFile(t testing.TB, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// WriteTree writes a txtar-like text: "-- name --" lines start files.
func WriteTree(t testing.TB, dir, tree string) {
	t.Helper()
	var name string
	var body strings.Builder
	flush := func() {
		if name != "" {
			WriteFile(t, filepath.Join(dir, name), body.String())
		}
		body.Reset()
	}
	for _, line := range strings.Split(tree, "\n") {
		if strings.HasPrefix(line, "-- ") && strings.HasSuffix(line, " --") {
			flush()
			name = strings.TrimSuffix(strings.TrimPrefix(line, "-- "), " --")
			continue
		}
		if name != "" {
			body.WriteString(line + "\n")
		}
	}
	flush()
}

var jidRE = regexp.MustCompile(`brine jobs lookup ([0-9]{20})`)

// JIDFrom finds the job id the command printed.
func JIDFrom(t testing.TB, out string) string {
	t.Helper()
	m := jidRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in:\n%s", out)
	}
	return m[1]
}
