// Package ssh tests brine ssh end to end: the brine binary against real
// OpenSSH servers (test/sshd) on loopback, each test with servers, host
// keys and a roster of its own.
package ssh

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/harness"
	"github.com/brine-cm/brine/test/sshd"
)

func TestMain(m *testing.M) { harness.Main(m, filepath.Join("..", "..")) }

// env is one test's operator: a home with its own client key, a
// known_hosts file and a roster.
type env struct {
	t      *testing.T
	dir    string
	key    string // the client's private key
	pub    string
	known  string
	roster map[string]string // id → YAML body of the entry
	order  []string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("brine ssh's end-to-end tests start sshd as root: run them as root (CI does)")
	}
	dir := t.TempDir()
	e := &env{t: t, dir: dir, key: filepath.Join(dir, "id_ed25519"), known: filepath.Join(dir, "known_hosts"), roster: map[string]string{}}
	var err error
	if e.pub, err = sshd.Keygen(e.key); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, e.known, "")
	return e
}

// server starts an sshd that accepts the env's key, and lists its host
// key in known_hosts.
func (e *env) server(o sshd.Options) *sshd.Server {
	e.t.Helper()
	o.ClientKeys = append(o.ClientKeys, e.pub)
	s, err := sshd.Start(o)
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if e.t.Failed() {
			e.t.Logf("sshd on %s logged:\n%s", s.Addr(), harness.Tail(s.LogText(), 3000))
		}
		s.Stop()
	})
	e.appendKnown(s.KnownHostsLine())
	return s
}

func (e *env) appendKnown(line string) {
	f, err := os.OpenFile(e.known, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	fmt.Fprintln(f, line)
	f.Close()
}

// host adds a roster entry for a server, with a cache dir of the test's.
func (e *env) host(id string, s *sshd.Server, extra string) {
	body := fmt.Sprintf("  host: 127.0.0.1\n  port: %d\n  user: root\n  priv: %s\n  thin_dir: %s\n", s.Port, e.key, e.thin(id))
	e.hostYAML(id, body+extra)
}

func (e *env) hostYAML(id, body string) {
	if _, ok := e.roster[id]; !ok {
		e.order = append(e.order, id)
	}
	e.roster[id] = body
}

func (e *env) thin(id string) string { return filepath.Join(e.dir, "thin-"+id) }

func (e *env) rosterFile() string {
	var b strings.Builder
	for _, id := range e.order {
		fmt.Fprintf(&b, "%s:\n%s", id, e.roster[id])
	}
	p := filepath.Join(e.dir, "roster")
	harness.WriteFile(e.t, p, b.String())
	return p
}

// runBrine runs brine with args.
func runBrine(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(harness.Bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("brine %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

// brine runs brine ssh with the env's roster and known_hosts, and a home
// of its own (no key of the machine's, no agent).
func (e *env) brine(args ...string) (string, string, int) {
	e.t.Helper()
	full := append([]string{"ssh", "--roster-file", e.rosterFile(), "--known-hosts", e.known}, args...)
	cmd := exec.Command(harness.Bin, full...)
	cmd.Env = append(filterEnv(os.Environ(), "SSH_AUTH_SOCK", "HOME"), "HOME="+e.dir)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatalf("brine %v: %v", full, err)
	}
	return out.String(), errb.String(), code
}

func filterEnv(env []string, drop ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, d := range drop {
			if strings.HasPrefix(kv, d+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

func itoa(n int) string { return fmt.Sprint(n) }

func runCmd(t *testing.T, name string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return out.String(), errb.String(), code
}
