//go:build systest

package systest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// callFn runs `brine call --local FUN ARGS… --out json` in the container
// and returns the function's value and the exit status.
func callFn(t *testing.T, c *testbed.Container, fun string, args ...string) (any, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	argv := append([]string{testbed.BinPath, "call", "--local", "--out", "json", fun}, args...)
	out, err := c.Exec(ctx, argv...)
	code := 0
	if err != nil {
		code = -1
		if i := strings.LastIndex(err.Error(), "exit status "); i >= 0 {
			code = int(err.Error()[i+len("exit status ")] - '0')
		}
	}
	// A function that raised Salt's CommandExecutionError prints
	// nothing on stdout and "Error running 'FUN': MSG" on stderr, as
	// salt-call does; it reads here as a minion returns it, "ERROR: MSG".
	var ee *testbed.ExecError
	prefix := "Error running '" + fun + "': "
	if len(strings.TrimSpace(string(out))) == 0 && errors.As(err, &ee) && strings.Contains(ee.Stderr, prefix) {
		msg := strings.TrimSuffix(ee.Stderr[strings.Index(ee.Stderr, prefix)+len(prefix):], "\n")
		t.Logf("%s %q raised %q (exit %d)", fun, args, msg, code)
		return "ERROR: " + msg, code
	}
	var m map[string]any
	start := strings.IndexByte(string(out), '{')
	if start < 0 || json.Unmarshal(out[start:], &m) != nil || len(m) != 1 {
		t.Fatalf("%s %q: not one JSON return (%v):\n%s", fun, args, err, out)
	}
	for _, v := range m {
		t.Logf("%s %q = %v (exit %d)", fun, args, v, code)
		return v, code
	}
	return nil, code
}

// TestExecPkgServiceInContainer runs the pkg.* and service.* execution
// functions against the real apt, dpkg and systemd of a booted Debian,
// from its local repository.
func TestExecPkgServiceInContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	run(t, c, "mkdir", "-p", "/srv/salt") // brine call reads a state tree, even an empty one
	check := func(fun string, want any, args ...string) any {
		t.Helper()
		got, code := callFn(t, c, fun, args...)
		if code != 0 || (want != nil && !reflect.DeepEqual(got, want)) {
			t.Fatalf("%s %q = %#v (exit %d); want %#v", fun, args, got, code, want)
		}
		return got
	}
	check("pkg.refresh_db", true)
	check("pkg.version", "", "hello")
	latest, _ := check("pkg.latest_version", nil, "hello", "refresh=False").(string)
	if latest == "" {
		t.Fatalf("pkg.latest_version hello is empty: the local repository has it")
	}
	check("pkg.install", map[string]any{"hello": map[string]any{"old": "", "new": latest}}, "hello")
	check("pkg.install", map[string]any{}, "hello")
	check("pkg.version", latest, "hello")
	if l, _ := check("pkg.list_pkgs", nil).(map[string]any); l["hello"] != latest || l["dpkg"] == nil {
		t.Errorf("pkg.list_pkgs: hello %v, dpkg %v", l["hello"], l["dpkg"])
	}
	check("pkg.latest_version", "", "hello", "refresh=False")
	check("pkg.hold", nil, "hello")
	if out := run(t, c, "dpkg-query", "-W", "-f=${Status}", "hello"); !strings.HasPrefix(out, "hold ") {
		t.Errorf("after pkg.hold: %q", out)
	}
	check("pkg.unhold", nil, "pkgs=[hello]")
	if out := run(t, c, "dpkg-query", "-W", "-f=${Status}", "hello"); !strings.HasPrefix(out, "install ") {
		t.Errorf("after pkg.unhold: %q", out)
	}
	if _, code := callFn(t, c, "pkg.install", "no-such-package-here"); code == 0 {
		t.Errorf("pkg.install of a package no repository has: exit 0")
	}

	// at ships atd; the testbed's policy-rc.d keeps it from starting.
	check("pkg.install", nil, "at")
	check("service.available", true, "atd")
	check("service.available", false, "no-such-service")
	check("service.start", true, "atd")
	check("service.status", true, "atd")
	if got := ctlOut(t, c, "is-active", "atd"); got != "active" {
		t.Errorf("atd is %q after service.start", got)
	}
	if l, _ := check("service.get_running", nil).([]any); !contains(l, "atd") {
		t.Errorf("service.get_running lacks atd: %v", l)
	}
	if l, _ := check("service.get_all", nil).([]any); !contains(l, "atd") || !contains(l, "systemd-journald") {
		t.Errorf("service.get_all lacks atd or systemd-journald: %v", l)
	}
	pid := ctlOut(t, c, "show", "-p", "MainPID", "--value", "atd")
	check("service.restart", true, "atd")
	if now := ctlOut(t, c, "show", "-p", "MainPID", "--value", "atd"); now == pid || now == "0" {
		t.Errorf("service.restart: MainPID %s → %s", pid, now)
	}
	check("service.stop", true, "atd")
	check("service.status", false, "atd")
	check("service.disable", true, "atd")
	check("service.enabled", false, "atd")
	if got := ctlOut(t, c, "is-enabled", "atd"); got != "disabled" {
		t.Errorf("atd is %q at boot after service.disable", got)
	}
	check("service.enable", true, "atd")
	check("service.enabled", true, "atd")
	if _, code := callFn(t, c, "service.start", "no-such-service"); code == 0 {
		t.Errorf("service.start of no service: exit 0")
	}

	// The container has a network namespace of its own: net.* is its.
	check("sysctl.assign", map[string]any{"net.ipv4.ip_forward": "1"}, "net.ipv4.ip_forward", "1")
	check("sysctl.get", "1", "net.ipv4.ip_forward")
	if all, _ := check("sysctl.show", nil).(map[string]any); all["net.ipv4.ip_forward"] != "1" || all["kernel.ostype"] != "Linux" {
		t.Errorf("sysctl.show: ip_forward %v, ostype %v", all["net.ipv4.ip_forward"], all["kernel.ostype"])
	}
	if got := run(t, c, "cat", "/proc/sys/net/ipv4/ip_forward"); got != "1" {
		t.Errorf("ip_forward is %q after sysctl.assign", got)
	}

	check("pkg.remove", map[string]any{"hello": map[string]any{"old": latest, "new": ""}}, "hello")
	// aptpkg.purge's shape: the installed packages' changes apart from
	// those that were only configuration files.
	got, _ := callFn(t, c, "pkg.purge", "at")
	m, _ := got.(map[string]any)
	if inst, _ := m["installed"].(map[string]any); inst["at"] == nil {
		t.Errorf("pkg.purge at = %v", got)
	}
	check("pkg.version", "", "hello")
}

func contains(l []any, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
