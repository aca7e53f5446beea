package security

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/brine-cm/brine/test/harness"
)

// Class 6: TLS cannot be stripped. A minion that pinned its master's CA
// and is then pointed at a server that speaks plain text (a proxy that
// strips TLS, a fake master) refuses it, says why, and sends nothing.
func TestTLSCannotBeStripped(t *testing.T) {
	e := harness.NewEnv(t, states, pillar, "tls: true\n")
	m := e.AddMinion("m1", "role: web", "")
	// The harness writes nats://; the master wants TLS.
	cfg := filepath.Join(e.Dir, "m1", "minion.yaml")
	b, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), "nats://", "tls://", 1)), 0o644)
	m.Stop()
	m.Start()
	e.AcceptAll("m1")
	m.Stop()

	// A plain-text NATS server that accepts anyone, where the master was.
	plain, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	plain.Start()
	t.Cleanup(plain.Shutdown)
	if !plain.ReadyForConnections(60 * time.Second) {
		t.Fatal("plain server not ready")
	}
	b, _ = os.ReadFile(cfg)
	os.WriteFile(cfg, []byte(strings.Replace(string(b), fmt.Sprintf("tls://127.0.0.1:%d", e.Port), plain.ClientURL(), 1)), 0o644)
	m.Start()
	m.WaitLog(`refusing plain text`, 1, 15*time.Second)
	if n := plain.NumClients(); n != 0 {
		t.Errorf("the pinned minion logged in to a plain-text server (%d clients)", n)
	}
	if strings.Contains(m.LogText(), "minion ready") && strings.Count(m.LogText(), "minion ready") > 1 {
		t.Errorf("the minion became ready on a plain-text server:\n%s", harness.Tail(m.LogText(), 2000))
	}
}

// Class 8: what a minion returns cannot paint the operator's terminal.
func TestReturnsCannotPaintTheTerminal(t *testing.T) {
	e := newEnv(t, "")
	for _, out := range []string{"", "--out=nested", "--out=txt", "--out=newline_values_only"} {
		args := []string{"m1", "cmd.run", `printf '\033[2J\033]0;owned\007\033[32mSucceeded: 99\033[0m\r\302\233'`}
		if out != "" {
			args = append(args, out)
		}
		stdout, stderr, _ := e.Brine(args...)
		for _, raw := range []string{"\x1b", "\x07", "\r", "\u009b"} {
			if strings.Contains(stdout+stderr, raw) {
				t.Errorf("brine %s printed a raw %q:\n%q", out, raw, stdout)
			}
		}
		if !strings.Contains(stdout, `\x1b[2J`) {
			t.Errorf("brine %s: the escape is not shown escaped:\n%q", out, stdout)
		}
	}
	// JSON stays exact.
	stdout, _, _ := e.Brine("m1", "cmd.run", `printf '\033[2J'`, "--out", "json")
	if !strings.Contains(stdout, `\u001b[2J`) {
		t.Errorf("--out json: %q", stdout)
	}
}

// Class 11: a state given through the master cannot write outside the
// minion's --root (root: in minion.yaml). Under a root, sysctl.present
// writes only the config file, never the host's live value.
func TestRootCannotBeEscapedThroughTheMaster(t *testing.T) {
	e := newEnv(t, "")
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "escape.sls"), `
escape:
  sysctl.present:
    - name: net.ipv4.ip_forward
    - value: 1
    - config: /../../../escape.conf
`)
	stdout, _, code := e.Brine("m1", "state.apply", "escape")
	if code == 0 || !strings.Contains(stdout, "outside the root") {
		t.Errorf("exit %d; want the state to fail naming the escape:\n%s", code, stdout)
	}
	if _, err := os.Stat(filepath.Join(e.Dir, "escape.conf")); err == nil {
		t.Errorf("escape.conf was written outside the minion's root")
	}
	matches, _ := filepath.Glob(filepath.Join(e.Dir, "*", "escape.conf"))
	for _, p := range matches {
		if !strings.Contains(p, filepath.Join("m1", "root")) {
			t.Errorf("%s was written outside the minion's root", p)
		}
	}
}
