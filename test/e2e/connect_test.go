package e2e

import (
	"github.com/brine-cm/brine/test/harness"

	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
)

// minionDir writes a minion.yaml with these lines (master: among them)
// and returns its config dir.
func minionDir(t *testing.T, dir, id, lines string) string {
	t.Helper()
	d := filepath.Join(dir, id)
	harness.WriteFile(t, filepath.Join(d, "minion.yaml"), fmt.Sprintf(`id: %s
state_dir: %s/state
cache_dir: %s/cache
root: %s/root
retry_max: 1s
log_level: debug
%s`, id, d, d, d, lines))
	return d
}

// closedPort is a loopback port where nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	return harness.FreePort(t)
}

func TestMinionRefusesPlaintextBeyondLoopback(t *testing.T) {
	d := minionDir(t, t.TempDir(), "m1", "master: nats://10.0.0.1:4222\n")
	_, stderr, code := harness.RunBrine(t, "minion", "-c", d)
	if code == 0 || !strings.Contains(stderr, "master nats://10.0.0.1:4222") || !strings.Contains(stderr, "allow_plaintext: true") {
		t.Errorf("minion with a plain-text master beyond loopback: exit %d, stderr %q; want refused, naming master and allow_plaintext", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(d, "state", "minion.nk")); err == nil {
		t.Error("the refused minion made a key")
	}
	out, _, code := harness.RunBrine(t, "minion", "--check", "-c", d)
	if code != 1 || !regexp.MustCompile(`(?m)^FAIL\s+config\s+.*allow_plaintext`).MatchString(out) {
		t.Errorf("minion --check: exit %d:\n%s\nwant FAIL config naming allow_plaintext", code, out)
	}
}

func TestMinionWithNothingToReachSaysSo(t *testing.T) {
	port := closedPort(t)
	d := minionDir(t, t.TempDir(), "m1", fmt.Sprintf("master: nats://127.0.0.1:%d\n", port))
	p := harness.StartProc(t, "m1", filepath.Join(d, "minion.log"), "minion", "-c", d)
	p.WaitLog(fmt.Sprintf(`level=WARN msg="connection refused: nothing listens on 127.0.0.1:%d"`, port), 1, 30*time.Second)
	if strings.Contains(p.LogText(), "waiting for the master to accept") {
		t.Errorf("a minion with no master says it waits for acceptance:\n%s", harness.Tail(p.LogText(), 2000))
	}

	out, _, code := harness.RunBrine(t, "minion", "--check", "-c", d)
	want := regexp.MustCompile(fmt.Sprintf(`(?m)^FAIL\s+connect\s+connection refused: nothing listens on 127\.0\.0\.1:%d`, port))
	if code != 1 || !want.MatchString(out) || !regexp.MustCompile(`(?m)^OK\s+config`).MatchString(out) {
		t.Errorf("minion --check against nothing: exit %d:\n%s\nwant OK config, then FAIL connect: connection refused", code, out)
	}
}

func TestMinionPinMismatchLogged(t *testing.T) {
	e := newEnv(t, "tls: true\n")
	finger := regexpAll(`master ready.*ca_finger=(\S+)`, e.Master.LogText())
	if len(finger) != 1 {
		t.Fatalf("no ca_finger in the master's log:\n%s", harness.Tail(e.Master.LogText(), 2000))
	}
	const wrong = "00:11:22:33:44:55:66:77"
	d := minionDir(t, e.Dir, "m1", fmt.Sprintf("master: tls://127.0.0.1:%d\nmaster_finger: '%s'\n", e.Port, wrong))
	p := harness.StartProc(t, "m1", filepath.Join(d, "minion.log"), "minion", "-c", d)
	p.WaitLog(`level=ERROR msg="TLS: the master's CA fingerprint does not match the pinned one"`, 1, 30*time.Second)
	line := lineOf(p.LogText(), "does not match the pinned one")
	for _, w := range []string{"ca_finger=" + finger[0], "pinned=" + wrong} {
		if !strings.Contains(line, w) {
			t.Errorf("pin mismatch logged as %q; want %q in it", line, w)
		}
	}
	out, _, code := harness.RunBrine(t, "minion", "--check", "-c", d)
	if code != 1 || !regexp.MustCompile(`(?m)^FAIL\s+tls\s+TLS: the master's CA fingerprint does not match`).MatchString(out) || !strings.Contains(out, finger[0]) {
		t.Errorf("minion --check with a wrong pin: exit %d:\n%s", code, out)
	}
}

func TestOnboardingLeavesNoErrorInMasterLog(t *testing.T) {
	e := newEnv(t, "")
	m1 := e.AddMinion("m1", "role: web", "")
	m1.WaitLog(`msg="key pending \(or rejected\) on the master".*brine key accept m1`, 1, 30*time.Second)
	e.AcceptAll("m1")
	m1.WaitLog(`msg="the master accepted this minion's key"`, 1, 10*time.Second)
	if lines := regexpAll(`(?m)^(.*level=(?:WARN|ERROR).*)$`, e.Master.LogText()); len(lines) > 0 {
		t.Errorf("the master logged above INFO during a normal onboarding:\n%s", strings.Join(lines, "\n"))
	}

	// An accepted minion out of its rights is still logged, as a warning.
	kp := readSeed(t, filepath.Join(e.Dir, "m1", "state", "minion.nk"))
	nc, errs := minionConn(t, e, "m1", kp)
	_, _ = nc.Subscribe("brine.to.m2.job", func(*nats.Msg) {})
	_ = nc.Flush()
	expectViolation(t, errs, `Subscription to "brine.to.m2.job"`)
	e.Master.WaitLog(`level=WARN msg=".*Subscription Violation - Subject \\"brine.to.m2.job\\"`, 1, 10*time.Second)

	out, _, code := harness.RunBrine(t, "minion", "--check", "-c", filepath.Join(e.Dir, "m1"))
	if code != 0 || !regexp.MustCompile(`(?m)^OK\s+accepted\s+accepted`).MatchString(out) {
		t.Errorf("minion --check of an accepted minion: exit %d:\n%s", code, out)
	}
}

func TestMasterFailsFastAndClearly(t *testing.T) {
	t.Run("busy port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		port := l.Addr().(*net.TCPAddr).Port
		dir := t.TempDir()
		harness.WriteFile(t, filepath.Join(dir, "etc", "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/master\n", port, dir))
		_, stderr, code := harness.RunBrine(t, "master", "-c", filepath.Join(dir, "etc"))
		if code == 0 || !strings.Contains(stderr, "127.0.0.1:"+strconv.Itoa(port)) || !strings.Contains(stderr, "address already in use") {
			t.Errorf("master on a busy port: exit %d, stderr:\n%s\nwant the port and address already in use", code, stderr)
		}
		if strings.Contains(stderr, "not ready after") {
			t.Errorf("master on a busy port waited for its server:\n%s", stderr)
		}
	})
	t.Run("second master on one state dir", func(t *testing.T) {
		e := newEnv(t, "")
		etc2 := filepath.Join(e.Dir, "etc2")
		harness.WriteFile(t, filepath.Join(etc2, "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/master\n", harness.FreePort(t), e.Dir))
		_, stderr, code := harness.RunBrine(t, "master", "-c", etc2)
		want := regexp.MustCompile(fmt.Sprintf(`another master \(pid %d\) uses state dir %s/master`, e.Master.Pid(), regexp.QuoteMeta(e.Dir)))
		if code == 0 || !want.MatchString(stderr) {
			t.Errorf("second master on one state dir: exit %d, stderr:\n%s\nwant %s", code, stderr, want)
		}
	})
	t.Run("missing config dir", func(t *testing.T) {
		missing := filepath.Join(t.TempDir(), "etc-typo")
		for _, args := range [][]string{{"master"}, {"minion"}, {"minion", "--check"}, {"key", "list"}, {"*", "test.ping"}} {
			_, stderr, code := harness.RunBrine(t, append(args, "-c", missing)...)
			if code == 0 || !strings.Contains(stderr, "config dir "+missing+" (-c)") {
				t.Errorf("brine %v -c MISSING: exit %d, stderr %q; want the dir named", args, code, stderr)
			}
		}
	})
}

func lineOf(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
