//go:build systest

package initsys

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// TestSystemdDBus drives a booted container's systemd over D-Bus from the
// host, through the container's bus socket, and checks every act with
// systemctl inside the container.
func TestSystemdDBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	lower, err := testbed.EnsureRoot(ctx, testbed.Systemd)
	if err != nil {
		t.Fatal(err)
	}
	c := testbed.Boot(t, testbed.NewOverlay(t, lower))
	// The root's policy-rc.d keeps atd from starting at install.
	if out, err := c.Exec(ctx, "apt-get", "install", "-y", "-q", "at"); err != nil {
		t.Fatalf("apt-get install at: %v\n%s", err, out)
	}
	ctl := func(args ...string) string {
		out, _ := c.Exec(ctx, append([]string{"systemctl"}, args...)...)
		return strings.TrimSpace(string(out))
	}
	t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", fmt.Sprintf("unix:path=/proc/%d/root/run/dbus/system_bus_socket", c.PID1))
	s, err := OpenSystemd(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// rc links and masks are the container's, not this host's.
	s.rc = RCLinks{Root: c.FS()}

	status := func(name string) Status {
		t.Helper()
		st, err := s.Status(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	if st := status("nosuch"); st.Exists {
		t.Errorf("nosuch = %+v; want not existing", st)
	}
	st := status("atd")
	if !st.Exists || st.Active || st.EnableState != "enabled" {
		t.Fatalf("atd after install = %+v", st)
	}
	if err := s.Start(ctx, "atd"); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-active", "atd"); got != "active" || !status("atd.service").Active {
		t.Errorf("after Start: %q", got)
	}
	pid := ctl("show", "-p", "MainPID", "--value", "atd")
	if err := s.Restart(ctx, "atd.service"); err != nil {
		t.Fatal(err)
	}
	if now := ctl("show", "-p", "MainPID", "--value", "atd"); now == pid || now == "0" {
		t.Errorf("Restart: MainPID %s → %s", pid, now)
	}
	if err := s.Disable(ctx, "atd"); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-enabled", "atd"); got != "disabled" || status("atd").Enabled() {
		t.Errorf("after Disable: %q", got)
	}
	// As systemctl disable (and so Salt), the init script's rc links
	// follow the unit.
	if _, err := c.Exec(ctx, "sh", "-c", "ls /etc/rc2.d/S??atd"); err == nil {
		t.Errorf("atd's rc2.d start link is still there after Disable")
	}
	if err := s.Enable(ctx, "atd"); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-enabled", "atd"); got != "enabled" || !status("atd").Enabled() {
		t.Errorf("after Enable: %q", got)
	}
	if _, err := c.Exec(ctx, "sh", "-c", "ls /etc/rc2.d/S??atd"); err != nil {
		t.Errorf("no rc2.d start link for atd after Enable: %v", err)
	}

	// A changed unit file (as a file.managed on it would change it):
	// NeedDaemonReload until a daemon-reload.
	unit, err := c.ReadFile("/lib/systemd/system/atd.service")
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond) // a new mtime
	if err := c.WriteFiles(map[string]string{"/lib/systemd/system/atd.service": string(unit) + "# changed by brine's test\n"}); err != nil {
		t.Fatal(err)
	}
	if !status("atd").NeedReload {
		t.Errorf("NeedReload false after the unit file changed")
	}
	if err := s.DaemonReload(ctx); err != nil {
		t.Fatal(err)
	}
	if status("atd").NeedReload {
		t.Errorf("NeedReload true after DaemonReload")
	}

	if err := s.Stop(ctx, "atd"); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-active", "atd"); got != "inactive" || status("atd").Active {
		t.Errorf("after Stop: %q", got)
	}
	if err := s.Mask(ctx, "atd", false); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-enabled", "atd"); got != "masked" || !status("atd").Masked || !status("atd").MaskLinks.Persist {
		t.Errorf("after Mask: %q %+v", got, status("atd"))
	}
	// systemctl's own words, as Salt shows them.
	if err := s.Start(ctx, "atd"); err == nil || err.Error() != "Failed to start atd.service: Unit atd.service is masked." {
		t.Errorf("Start of a masked unit: %v", err)
	}
	if err := s.Unmask(ctx, "atd", false); err != nil {
		t.Fatal(err)
	}
	if st := status("atd"); st.Masked || !st.Exists {
		t.Errorf("after Unmask: %+v", st)
	}
	if err := s.Mask(ctx, "atd", true); err != nil {
		t.Fatal(err)
	}
	if got := ctl("is-enabled", "atd"); got != "masked-runtime" || !status("atd").MaskLinks.Runtime || status("atd").MaskLinks.Persist {
		t.Errorf("after a runtime Mask: %q %+v", got, status("atd"))
	}
	if err := s.Unmask(ctx, "atd", true); err != nil {
		t.Fatal(err)
	}
	if st := status("atd"); st.Masked || st.MaskLinks.Runtime {
		t.Errorf("after a runtime Unmask: %+v", st)
	}

	// An init script with no unit: systemd generates one; boot config is
	// rc links.
	script := "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: brinetest\n# Required-Start:\n# Required-Stop:\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\nexit 0\n"
	if err := c.WriteFiles(map[string]string{"/etc/init.d/brinetest": script}); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(c.FS(), "etc/init.d/brinetest"), 0o755)
	if err := s.DaemonReload(ctx); err != nil {
		t.Fatal(err)
	}
	if st := status("brinetest"); !st.Exists || st.Enabled() {
		t.Fatalf("brinetest = %+v; want a disabled generated unit", st)
	}
	if err := s.Enable(ctx, "brinetest"); err != nil {
		t.Fatal(err)
	}
	if st := status("brinetest"); !st.Enabled() {
		t.Errorf("brinetest after Enable = %+v", st)
	}
	if _, err := c.Exec(ctx, "/lib/systemd/systemd-sysv-install", "is-enabled", "brinetest"); err != nil {
		t.Errorf("systemd-sysv-install is-enabled brinetest: %v", err)
	}
	if err := s.Start(ctx, "brinetest"); err != nil {
		t.Errorf("start generated unit: %v", err)
	}
}
