//go:build systest

package systest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// TestCronHostsContainer manages root's crontab with Debian's cron
// installed, and /etc/hosts, in a booted systemd container: crontab -l
// shows the managed part as Salt's cron module writes it, a job moved
// from a timed line to @daily leaves no timed line, and the resolver
// reads host.present's and host.only's lines.
func TestCronHostsContainer(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	chrootInstall(t, dir, "cron")
	testbed.InstallBrine(t, dir)
	c := testbed.Boot(t, dir)
	tree := map[string]string{
		"cron.sls": `
/usr/local/bin/nightly:
  cron.present:
    - identifier: NIGHTLY
    - minute: 5
    - hour: 3
    - comment: nightly run
MAILTO:
  cron.env_present:
    - value: ops@example.com
/usr/local/bin/boot-hook:
  cron.present:
    - special: '@reboot'
`,
		"daily.sls": `
/usr/local/bin/nightly:
  cron.present:
    - identifier: NIGHTLY
    - special: '@daily'
    - comment: nightly run
`,
		"tz.sls": `
UTC:
  timezone.system: []
`,
		"hosts.sls": `
api.internal:
  host.present:
    - ip: 10.0.0.5
    - comment: the api
10.0.0.6:
  host.only:
    - hostnames:
      - db.internal
      - db
`,
	}
	apply := inContainer(c, tree)
	applyChecked(t, apply, "cron")
	want := strings.Join([]string{
		"# Lines below here are managed by Salt, do not edit",
		"MAILTO=ops@example.com",
		"# nightly run SALT_CRON_IDENTIFIER:NIGHTLY",
		"5 3 * * * /usr/local/bin/nightly",
		"# SALT_CRON_IDENTIFIER:/usr/local/bin/boot-hook",
		"@reboot /usr/local/bin/boot-hook",
	}, "\n")
	if got := run(t, c, "crontab", "-l", "-u", "root"); got != want {
		t.Errorf("crontab -l:\n%s\nwant:\n%s", got, want)
	}
	res := applyChecked(t, apply, "daily")
	if res[0].Comment != "Cron /usr/local/bin/nightly time specification changed" {
		t.Errorf("daily comment = %q", res[0].Comment)
	}
	got := run(t, c, "crontab", "-l", "-u", "root")
	if strings.Contains(got, "5 3 * * *") || !strings.Contains(got, "# nightly run SALT_CRON_IDENTIFIER:NIGHTLY\n@daily /usr/local/bin/nightly") {
		t.Errorf("after @daily, crontab -l:\n%s", got)
	}
	// cron itself accepts the file: crontab re-installs what -l printed.
	run(t, c, "sh", "-c", "crontab -l -u root | crontab -u root -")

	// Debian's /etc/localtime is Etc/UTC: UTC is that zone already.
	if got := run(t, c, "readlink", "/etc/localtime"); got != "/usr/share/zoneinfo/Etc/UTC" {
		t.Logf("/etc/localtime -> %q", got)
	} else {
		for _, test := range []bool{true, false} {
			tz := apply(t, "tz", test)
			if len(tz) != 1 || tz[0].Result == nil || !*tz[0].Result || len(tz[0].Changes) > 0 {
				t.Errorf("timezone.system UTC (test=%v) = %+v; want True, no changes", test, tz)
			}
		}
	}

	res = applyChecked(t, apply, "hosts")
	if got := jsonString(res[0].Changes); got != `{"added":{"10.0.0.5":["api.internal"]},"comment_added":{"10.0.0.5":["the api"]}}` {
		t.Errorf("host.present changes = %s", got)
	}
	if got := jsonString(res[1].Changes); got != `{"10.0.0.6":{"new":"db.internal db","old":""}}` {
		t.Errorf("host.only changes = %s", got)
	}
	hosts := run(t, c, "cat", "/etc/hosts")
	if !strings.Contains(hosts, "10.0.0.5\t\tapi.internal\t\t# the api\n10.0.0.6\t\tdb.internal db") {
		t.Errorf("/etc/hosts = %q", hosts)
	}
	if got := run(t, c, "getent", "hosts", "db"); !strings.HasPrefix(got, "10.0.0.6") {
		t.Errorf("getent hosts db = %q", got)
	}
	if got := run(t, c, "getent", "hosts", "api.internal"); !strings.HasPrefix(got, "10.0.0.5") {
		t.Errorf("getent hosts api.internal = %q", got)
	}
}

// chrootInstall installs Debian packages into the root from the mirror,
// with no daemon started while installing.
func chrootInstall(t *testing.T, dir string, pkgs ...string) {
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
	list := filepath.Join(dir, "etc/apt/sources.list.d/brine-sys7-test.list")
	if err := os.WriteFile(list, []byte("deb "+mirror+" "+testbed.Suite+" main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(list)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, argv := range [][]string{
		{"chroot", dir, "apt-get", "update", "-qq"},
		append([]string{"chroot", dir, "apt-get", "install", "-y", "-qq", "--no-install-recommends"}, pkgs...),
	} {
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND=noninteractive", "LANG=C.UTF-8"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", argv, err, out)
		}
	}
}
