//go:build systest

package systest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/sshd"
	"github.com/brine-cm/brine/test/testbed"
)

// TestSSHBootstrap makes a booted Debian a minion over SSH: its master
// runs in it (brine-master.service), its sshd is Debian's
// openssh-server, and the operator's brine ssh --bootstrap, run on the
// host in the container's network, installs brine, minion.yaml and the
// unit, has the minion's key accepted and starts it. Then the operator's
// `brine '*' test.ping` through the master answers, with no key ever
// accepted by hand.
func TestSSHBootstrap(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	testbed.InstallBrine(t, dir)
	installSSHD(t, dir)

	home := t.TempDir()
	key := filepath.Join(home, "id_ed25519")
	pub, err := sshd.Keygen(key)
	if err != nil {
		t.Fatal(err)
	}
	hostKey, err := os.ReadFile(filepath.Join(dir, "etc/ssh/ssh_host_ed25519_key.pub"))
	if err != nil {
		t.Fatal(err)
	}
	hk := strings.Fields(string(hostKey))
	known := filepath.Join(home, "known_hosts")
	roster := filepath.Join(home, "roster")
	for p, s := range map[string]string{
		known:  "127.0.0.1 " + hk[0] + " " + hk[1] + "\n",
		roster: "testbed:\n  host: 127.0.0.1\n  user: root\n  priv: " + key + "\n  minion_opts:\n    presence_interval: 2s\n    log_level: debug\n",
	} {
		if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// No auto_accept: the minion's key is accepted by the bootstrap.
	if err := testbed.WriteFiles(dir, map[string]string{"/root/.ssh/authorized_keys": pub + "\n", "/etc/brine/master.yaml": "log_level: debug\n"}); err != nil {
		t.Fatal(err)
	}
	mod, err := testbed.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if err := testbed.CopyFile(filepath.Join(mod, "examples/systemd/brine-master.service"), dir, "/etc/systemd/system/brine-master.service", 0o644); err != nil {
		t.Fatal(err)
	}
	c := testbed.Boot(t, dir)
	u := &units{t: t, c: c}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := c.Exec(context.Background(), "journalctl", "--no-pager", "-n", "100", "-u", "brine-minion", "-u", "brine-master", "-u", "ssh")
			t.Logf("journal:\n%s", out)
		}
	})
	run(t, c, "systemctl", "daemon-reload")
	run(t, c, "systemctl", "start", "brine-master", "ssh")
	if out, code := u.brine("key", "list"); code != 0 || strings.Contains(out, "testbed") {
		t.Fatalf("key list before: exit %d; want no key yet\n%s", code, out)
	}

	// The operator, on the host, in the container's network: the master
	// and sshd listen on its loopback.
	bin := testbed.BuildBrine(t)
	argv := []string{"-t", strconv.Itoa(c.PID1), "-n", "--", bin, "ssh", "--roster-file", roster, "--known-hosts", known,
		"testbed", "--bootstrap", "--master", "nats://127.0.0.1:4222",
		"--nats-url", "nats://127.0.0.1:4222", "--creds", filepath.Join(c.FS(), "var/lib/brine/master/operator.nk")}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", argv...)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("brine ssh --bootstrap: %v\n%s\n%s", err, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "connected:\n        True") {
		t.Errorf("bootstrap output lacks the minion connected:\n%s", out.String())
	}
	t.Logf("brine ssh --bootstrap:\n%s", out.String())

	// Accepted in the same step: no brine key accept was run.
	if o, code := u.brine("key", "list"); code != 0 || !strings.Contains(o, "testbed") {
		t.Errorf("key list after: exit %d\n%s", code, o)
	}
	if st := u.show("ActiveState"); st != "active" {
		t.Errorf("brine-minion is %s; want active", st)
	}
	checkIn(t, 2*time.Minute, func() error {
		o, code := u.brine("*", "test.ping", "-t", "10")
		if code != 0 || strings.TrimSpace(o) != "testbed:\n    True" {
			return fmt.Errorf("brine '*' test.ping: exit %d\n%s", code, o)
		}
		return nil
	})
	// A second bootstrap is refused: the host is a minion already.
	cmd = exec.CommandContext(ctx, "nsenter", argv...)
	cmd.Env = []string{"HOME=" + home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	again, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 3 || !strings.Contains(string(again), "has a minion key already") {
		t.Errorf("second bootstrap: exit %d; want 3, refused\n%s", cmd.ProcessState.ExitCode(), again)
	}
}

// installSSHD installs Debian's openssh-server in the root, from the
// mirror, with no daemon started while installing.
func installSSHD(t *testing.T, dir string) {
	t.Helper()
	policy := filepath.Join(dir, "usr/sbin/policy-rc.d")
	if err := os.WriteFile(policy, []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(policy)
	mirror, err := testbed.Mirror()
	if err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(dir, "etc/apt/sources.list.d/brine-ssh-test.list")
	if err := os.WriteFile(list, []byte("deb "+mirror+" "+testbed.Suite+" main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(list)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, argv := range [][]string{
		{"chroot", dir, "apt-get", "update", "-qq"},
		{"chroot", dir, "apt-get", "install", "-y", "-qq", "--no-install-recommends", "openssh-server"},
	} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
}
