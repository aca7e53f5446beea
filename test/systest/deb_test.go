//go:build systest

package systest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// The Debian package (make deb, packaging/deb.sh) in a booted Debian 12:
// dpkg -i installs it without starting anything; the units start the
// master and a minion; an upgrade to a newer build while the minion runs a
// job restarts the minion on the new binary once the job has returned;
// remove keeps config and keys, purge removes everything.

// buildDeb runs packaging/deb.sh with the given versions and returns the
// package's path.
func buildDeb(t *testing.T, version, debVersion string) string {
	t.Helper()
	mod, err := testbed.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(mod, "packaging", "deb.sh"), out)
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "VERSION="+version, "DEB_VERSION="+debVersion)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("packaging/deb.sh: %v\n%s", err, b)
	}
	deb := filepath.Join(out, "brine_"+debVersion+"_amd64.deb")
	if _, err := os.Stat(deb); err != nil {
		t.Fatalf("packaging/deb.sh did not write %s:\n%s", deb, b)
	}
	return deb
}

func TestDebInstallUpgradePurge(t *testing.T) {
	deb1 := buildDeb(t, "v0.1.0-systest1", "0.1.0+systest1")
	deb2 := buildDeb(t, "v0.1.0-systest2", "0.1.0+systest2")

	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	c := testbed.Boot(t, dir)
	for p, h := range map[string]string{"/root/brine1.deb": deb1, "/root/brine2.deb": deb2} {
		if err := c.CopyIn(h, p); err != nil {
			t.Fatal(err)
		}
	}
	u := &units{t: t, c: c}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := c.Exec(context.Background(), "journalctl", "--no-pager", "-n", "200", "-u", "brine-minion", "-u", "brine-master")
			t.Logf("journal:\n%s", out)
		}
	})
	// The helpers run the operator's brine at testbed.BinPath: make it the
	// package's.
	run(t, c, "ln", "-sf", "/usr/bin/brine", testbed.BinPath)

	t.Run("install", func(t *testing.T) {
		u.t = t
		run(t, c, "dpkg", "-i", "/root/brine1.deb")
		if out := run(t, c, "/usr/bin/brine", "--version"); !strings.HasPrefix(out, "brine v0.1.0-systest1 (go") {
			t.Errorf("brine --version = %q; want v0.1.0-systest1", out)
		}
		for _, d := range []string{"/var/lib/brine/master", "/var/lib/brine/minion", "/var/cache/brine/minion"} {
			if out := run(t, c, "stat", "-c", "%a %U:%G", d); strings.TrimSpace(out) != "700 root:root" {
				t.Errorf("%s: %s; want 700 root:root", d, out)
			}
		}
		for _, unit := range []string{"brine-master", "brine-minion"} {
			out, _ := u.exec("systemctl", "is-enabled", unit)
			if strings.TrimSpace(out) != "disabled" {
				t.Errorf("%s is-enabled = %q; want disabled: the package enables nothing", unit, out)
			}
			out, _ = u.exec("systemctl", "is-active", unit)
			if strings.TrimSpace(out) != "inactive" {
				t.Errorf("%s is-active = %q; want inactive: the package starts nothing", unit, out)
			}
		}
		if out := run(t, c, "dpkg-query", "-W", "-f=${Conffiles}", "brine"); !strings.Contains(out, "/etc/brine/master.yaml") || !strings.Contains(out, "/etc/brine/minion.yaml") {
			t.Errorf("conffiles = %q; want master.yaml and minion.yaml", out)
		}
		for _, f := range []string{"/usr/share/man/man1/brine.1.gz", "/usr/share/man/man8/brine-master.8.gz", "/usr/share/man/man8/brine-minion.8.gz",
			"/usr/share/man/man7/brine-states.7.gz", "/usr/share/bash-completion/completions/brine",
			"/usr/share/zsh/vendor-completions/_brine", "/usr/share/fish/vendor_completions.d/brine.fish"} {
			if !present(c, f) {
				t.Errorf("%s is missing", f)
			}
		}
		// The shipped configs set nothing: each key is a comment.
		for _, f := range []string{"/etc/brine/master.yaml", "/etc/brine/minion.yaml"} {
			b, err := c.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				if !strings.HasPrefix(l, "#") {
					t.Errorf("%s: line %q is not commented out", f, l)
				}
			}
		}
	})

	t.Run("master and minion under systemd", func(t *testing.T) {
		u.t = t
		if err := c.WriteFiles(map[string]string{
			"/etc/brine/minion.yaml": "id: testbed\nmaster: nats://127.0.0.1:4222\nheartbeat_interval: 1s\nretry_max: 2s\n",
			"/srv/salt/gated.sls":    gatedSLS,
		}); err != nil {
			t.Fatal(err)
		}
		run(t, c, "systemctl", "start", "brine-master")
		// Type=notify: the minion is "activating" until its key is accepted.
		run(t, c, "systemctl", "start", "--no-block", "brine-minion")
		checkIn(t, 2*time.Minute, func() error {
			out, code := u.brine("key", "list")
			if code != 0 || !strings.Contains(out, "testbed") {
				return fmt.Errorf("key list: exit %d\n%s", code, out)
			}
			return nil
		})
		if out, code := u.brine("key", "accept", "testbed", "-y"); code != 0 {
			t.Fatalf("key accept: exit %d\n%s", code, out)
		}
		u.waitPing()
		u.waitState("active")
		if out, code := u.brine("*", "test.ping", "--out", "json"); code != 0 || !strings.Contains(out, `"testbed": true`) {
			t.Errorf("brine '*' test.ping: exit %d\n%s", code, out)
		}
	})

	t.Run("upgrade while the minion runs a job", func(t *testing.T) {
		u.t = t
		before := u.show("MainPID")
		masterBefore := masterPID(t, u)
		jid := u.gatedJob()
		run(t, c, "dpkg", "-i", "--force-confold", "/root/brine2.deb")
		if out := run(t, c, "/usr/bin/brine", "--version"); !strings.HasPrefix(out, "brine v0.1.0-systest2 (go") {
			t.Errorf("brine --version after the upgrade = %q; want v0.1.0-systest2", out)
		}
		// postinst restarted the minion: it drains, waiting for the job.
		u.waitState("deactivating")
		u.openGate()
		checkIn(t, 2*time.Minute, func() error {
			if pid, st := u.show("MainPID"), u.show("ActiveState"); pid == before || pid == "0" || st != "active" {
				return fmt.Errorf("minion MainPID %s (was %s), %s", pid, before, st)
			}
			return nil
		})
		u.waitPing()
		if pid := masterPID(t, u); pid == masterBefore || pid == "0" {
			t.Errorf("master MainPID %s (was %s); want it restarted on the new binary", pid, masterBefore)
		}
		if out, code := u.brine("jobs", "lookup", jid, "--out", "json"); code != 0 || !strings.Contains(out, "drained") {
			t.Errorf("the job running across the upgrade: exit %d; want its return in the cache\n%s", code, out)
		}
		// Completion asks the master: the minion's id, the job's jid.
		if out, _ := u.brine("__complete", "t"); !strings.Contains(out, "testbed\n") {
			t.Errorf("completion of a target: want testbed\n%s", out)
		}
		if out, _ := u.brine("__complete", "jobs", "lookup", ""); !strings.Contains(out, jid) {
			t.Errorf("completion of jobs lookup: want %s\n%s", jid, out)
		}
		if out, code := u.brine("testbed", "test.versions_report", "--out", "json"); code != 0 || !strings.Contains(out, "v0.1.0-systest2") || !strings.Contains(out, "Debian GNU/Linux 12") {
			t.Errorf("test.versions_report: exit %d; want the new version and Debian 12\n%s", code, out)
		}
		b, _ := c.ReadFile("/etc/brine/minion.yaml")
		if !strings.Contains(string(b), "id: testbed") {
			t.Errorf("the upgrade changed the edited minion.yaml:\n%s", b)
		}
	})

	t.Run("remove keeps config and keys", func(t *testing.T) {
		u.t = t
		run(t, c, "dpkg", "-r", "brine")
		for _, unit := range []string{"brine-master", "brine-minion"} {
			if out, _ := u.exec("systemctl", "is-active", unit); strings.TrimSpace(out) == "active" {
				t.Errorf("%s still active after dpkg -r", unit)
			}
		}
		if present(c, "/usr/bin/brine") || present(c, "/lib/systemd/system/brine-minion.service") {
			t.Error("dpkg -r left the binary or a unit")
		}
		for _, f := range []string{"/etc/brine/minion.yaml", "/var/lib/brine/master", "/var/lib/brine/minion"} {
			if !present(c, f) {
				t.Errorf("dpkg -r removed %s; only a purge should", f)
			}
		}
	})

	t.Run("purge removes everything", func(t *testing.T) {
		u.t = t
		run(t, c, "dpkg", "-P", "brine")
		for _, f := range []string{"/etc/brine", "/var/lib/brine", "/var/cache/brine"} {
			if present(c, f) {
				t.Errorf("%s is still there after dpkg -P", f)
			}
		}
		_, err := u.exec("dpkg", "-s", "brine")
		var ee *testbed.ExecError
		if !errors.As(err, &ee) {
			t.Errorf("dpkg -s brine after purge: %v; want not installed", err)
		}
	})
}

// present reports whether a file or directory exists in the container.
func present(c *testbed.Container, p string) bool {
	_, err := os.Lstat(filepath.Join(c.FS(), p))
	return err == nil
}

func masterPID(t *testing.T, u *units) string {
	t.Helper()
	out, err := u.exec("systemctl", "show", "-p", "MainPID", "--value", "brine-master")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(out)
}
