// Package e2e runs real brine master and minion processes against each
// other on loopback, on random ports, and checks what an operator sees.
package e2e

import (
	"github.com/brine-cm/brine/test/harness"

	"bytes"
	"context"
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
)

var brineBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "brine-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	brineBin = filepath.Join(dir, "brine")
	args := []string{"build", "-o", brineBin}
	if os.Getenv("BRINE_E2E_RACE") != "" {
		// Race-checked daemons: slower, for a run now and then.
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "./cmd/brine")...)
	build.Dir = filepath.Join("..", "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build brine:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// checkFor polls f until it returns nil or total runs out.
func checkFor(t *testing.T, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", total, err)
		}
		time.Sleep(sleep)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// proc is a daemon started by a test, with its log in a file.
type proc struct {
	t    *testing.T
	name string
	args []string
	log  string
	cmd  *exec.Cmd
}

func startProc(t *testing.T, name, logFile string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, args: args, log: logFile}
	p.start()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *proc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(brineBin, p.args...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	f.Close()
}

// stop sends SIGTERM and waits.
func (p *proc) stop() {
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

// kill sends SIGKILL: no goodbye to the master.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

func (p *proc) logText() string {
	b, _ := os.ReadFile(p.log)
	return string(b)
}

// waitLog waits until the log matches re (counting matches: at least n).
func (p *proc) waitLog(re string, n int, total time.Duration) {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	checkFor(p.t, total, 20*time.Millisecond, func() error {
		if got := len(rx.FindAllString(p.logText(), -1)); got < n {
			return fmt.Errorf("%s log has %d matches of %q, want %d:\n%s", p.name, got, re, n, tail(p.logText(), 2000))
		}
		return nil
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// env is one master, its state tree and its minions.
type env struct {
	t       *testing.T
	dir     string
	port    int
	etc     string
	master  *proc
	minions map[string]*proc
}

const stateTree = `
-- top.sls --
base:
  '*':
    - common
  'role:web':
    - match: grain
    - web
-- common.sls --
common_file:
  file.managed:
    - name: /etc/brine-common
    - contents: common
    - makedirs: True
-- web.sls --
web_file:
  file.managed:
    - name: /etc/brine-web
    - contents: web {{ grains["id"] }}
    - makedirs: True
-- slow.sls --
slow_started:
  file.managed:
    - name: /tmp/slow-started
    - contents: started
    - makedirs: True
slow:
  cmd.run:
    - name: sleep 3
-- boot.sls --
boot_file:
  file.managed:
    - name: /etc/brine-boot
    - contents: booted
    - makedirs: True
`

// newEnv writes a master config and state tree and starts the master.
func newEnv(t *testing.T, extra string) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), port: freePort(t), minions: map[string]*proc{}}
	e.etc = filepath.Join(e.dir, "etc")
	writeTree(t, filepath.Join(e.dir, "srv"), stateTree)
	writeTree(t, filepath.Join(e.dir, "pillar"), `
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
`)
	writeFile(t, filepath.Join(e.etc, "master.yaml"), fmt.Sprintf(`port: %d
state_dir: %s/master
file_roots: {base: [%s/srv]}
pillar_roots: {base: [%s/pillar]}
presence_ttl: 3s
log_level: debug
%s`, e.port, e.dir, e.dir, e.dir, extra))
	e.master = startProc(t, "master", filepath.Join(e.dir, "master.log"), "master", "-c", e.etc)
	t.Cleanup(func() {
		for _, p := range append([]*proc{e.master}, e.procs()...) {
			p.stop()
			if strings.Contains(p.logText(), "WARNING: DATA RACE") {
				t.Errorf("%s: data race (BRINE_E2E_RACE)", p.name)
			}
		}
		if t.Failed() {
			for _, p := range append([]*proc{e.master}, e.procs()...) {
				t.Logf("--- %s log (end):\n%s", p.name, tail(p.logText(), 3000))
			}
		}
	})
	e.master.waitLog("master ready", 1, 20*time.Second)
	return e
}

func (e *env) procs() []*proc {
	var out []*proc
	for _, p := range e.minions {
		out = append(out, p)
	}
	return out
}

// started waits until a minion's slow state runs: the file its first
// state writes is there.
func (e *env) started(id string) {
	e.t.Helper()
	p := filepath.Join(e.dir, id, "root", "tmp", "slow-started")
	checkFor(e.t, 10*time.Second, 10*time.Millisecond, func() error {
		_, err := os.Stat(p)
		return err
	})
}

// addMinion starts a minion with grains and extra config, with fast
// presence and heartbeats so that tests are quick.
func (e *env) addMinion(id, grains, extra string) *proc {
	e.t.Helper()
	dir := filepath.Join(e.dir, id)
	if err := os.MkdirAll(filepath.Join(dir, "root"), 0o755); err != nil {
		e.t.Fatal(err)
	}
	writeFile(e.t, filepath.Join(dir, "minion.yaml"), harness.MinionYAML(id, fmt.Sprintf("nats://127.0.0.1:%d", e.port), dir, grains, extra))
	p := startProc(e.t, id, filepath.Join(dir, "minion.log"), "minion", "-c", dir)
	e.minions[id] = p
	return p
}

// acceptAll accepts every pending key and waits for each minion to be
// ready.
func (e *env) acceptAll(ids ...string) {
	e.t.Helper()
	checkFor(e.t, 10*time.Second, 50*time.Millisecond, func() error {
		out, _, _ := e.brine("key", "list")
		for _, id := range ids {
			if !strings.Contains(out, "\n"+id+"\n") {
				return fmt.Errorf("key of %s not listed yet:\n%s", id, out)
			}
		}
		return nil
	})
	if out, errOut, code := e.brine("key", "accept", "-A", "-y"); code != 0 {
		e.t.Fatalf("key accept: %d\n%s%s", code, out, errOut)
	}
	for _, id := range ids {
		e.minions[id].waitLog("minion ready", 1, 15*time.Second)
	}
	// Ready means presence was sent; wait until the master has it.
	checkFor(e.t, 5*time.Second, 50*time.Millisecond, func() error {
		out, _, _ := e.brine("-L", strings.Join(ids, ","), "test.ping", "--out", "json", "-t", "2")
		for _, id := range ids {
			if !strings.Contains(out, `"`+id+`": true`) {
				return fmt.Errorf("%s does not answer yet:\n%s", id, out)
			}
		}
		return nil
	})
}

// brine runs the command against this env's master.
func (e *env) brine(args ...string) (stdout, stderr string, code int) {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, brineBin, append(args, "-c", e.etc)...)
	var o, eb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &eb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("brine %v: %v", args, err)
	}
	return o.String(), eb.String(), code
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeTree writes a txtar-like text: "-- name --" lines start files.
func writeTree(t *testing.T, dir, tree string) {
	t.Helper()
	var name string
	var body strings.Builder
	flush := func() {
		if name != "" {
			writeFile(t, filepath.Join(dir, name), body.String())
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

func jidFrom(t *testing.T, out string) string {
	t.Helper()
	m := jidRE.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no job id in:\n%s", out)
	}
	return m[1]
}

func regexpAll(re, s string) []string {
	var out []string
	for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}
