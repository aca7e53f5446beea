//go:build systest

package systest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/states"
	"github.com/brine-cm/brine/test/testbed"
)

// The --root tests call the state functions in-process on an overlay of
// the cached root (nothing booted: an image under construction). The
// container tests run `brine call --local` inside a booted systemd.

func rootCall(t *testing.T, env *states.Env, root, fun, name string, test bool, args map[string]any) states.Result {
	t.Helper()
	fn, err := states.Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res := fn(ctx, &states.Request{ID: name, Name: name, Func: fun, Args: states.NewArgs(args), Test: test, Root: root, Env: env})
	t.Logf("%s %s test=%v: %v %q %v", fun, name, test, res.Result, res.Comment, res.Changes)
	return res
}

// imageRoot is an overlay whose apt sources point at its own local
// repository by its host path: apt runs on the host under --root, so a
// file: URI is a host path.
func imageRoot(t *testing.T) string {
	t.Helper()
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	src := "deb [trusted=yes] file:" + filepath.Join(dir, testbed.RepoDir) + " ./\n"
	if err := os.WriteFile(filepath.Join(dir, "etc/apt/sources.list"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	// The testbed leaves a policy-rc.d in its roots; an image under
	// construction has none, and brine must bring (and take away) its own.
	if err := os.Remove(filepath.Join(dir, "usr/sbin/policy-rc.d")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return dir
}

func dpkgStatus(t *testing.T, root, pkg string) string {
	t.Helper()
	out, _ := exec.Command("dpkg-query", "--admindir="+filepath.Join(root, "var/lib/dpkg"), "-W", "-f=${Status} ${Version}", pkg).Output()
	return strings.TrimSpace(string(out))
}

func TestPkgRootInstallRemove(t *testing.T) {
	dir := imageRoot(t)
	hostStatus, _ := os.ReadFile("/var/lib/dpkg/status")
	hostLog, _ := os.ReadFile("/var/log/dpkg.log")
	env := &states.Env{Cache: &states.RunCache{}}

	// Dry run first: it names the package, as Salt's does, and predicts the
	// changes the real run then makes.
	dry := rootCall(t, env, dir, "pkg.installed", "hello", true, nil)
	if dry.Result != states.None || !strings.Contains(dry.Comment, "would be installed/updated: hello") {
		t.Fatalf("dry run = %+v", dry)
	}
	if got := dpkgStatus(t, dir, "hello"); got != "" && !strings.HasPrefix(got, "unknown") {
		t.Fatalf("dry run installed hello: %q", got)
	}
	real := rootCall(t, env, dir, "pkg.installed", "hello", false, nil)
	if real.Result != states.True || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("real = %+v; dry changes %v", real, dry.Changes)
	}
	if !reflect.DeepEqual(real.Changes, map[string]any{"hello": map[string]any{"old": "", "new": "2.10-3"}}) {
		t.Errorf("changes = %v", real.Changes)
	}
	if got := dpkgStatus(t, dir, "hello"); got != "install ok installed 2.10-3" {
		t.Errorf("hello in the image: %q", got)
	}
	again := rootCall(t, env, dir, "pkg.installed", "hello", false, nil)
	if again.Result != states.True || again.Changed() || again.Comment != "All specified packages are already installed" {
		t.Errorf("second run = %+v", again)
	}

	// A pkgs list is one state and one apt-get call; at pulls libs in.
	dry = rootCall(t, env, dir, "pkg.installed", "tools", true, map[string]any{"pkgs": []any{"sl", "at", "hello"}})
	real = rootCall(t, env, dir, "pkg.installed", "tools", false, map[string]any{"pkgs": []any{"sl", "at", "hello"}})
	if real.Result != states.True || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("pkgs: real %+v\ndry changes %v", real, dry.Changes)
	}
	for _, p := range []string{"sl", "at"} {
		if _, ok := real.Changes[p]; !ok {
			t.Errorf("pkgs: no change for %s in %v", p, real.Changes)
		}
	}
	// at ships a daemon: nothing may have started it, and the
	// policy-rc.d brine put there is gone.
	if _, err := os.Stat(filepath.Join(dir, "usr/sbin/policy-rc.d")); !os.IsNotExist(err) {
		t.Errorf("policy-rc.d left in the image: %v", err)
	}
	if out, _ := exec.Command("pgrep", "-x", "atd").Output(); len(out) > 0 {
		if link, _ := os.Readlink("/proc/" + strings.Fields(string(out))[0] + "/root"); link == dir {
			t.Errorf("atd runs in the image")
		}
	}
	if log, err := os.ReadFile(filepath.Join(dir, "var/log/dpkg.log")); err != nil || !bytes.Contains(log, []byte("install hello")) {
		t.Errorf("the image's dpkg.log lacks the install: %v", err)
	}

	// Nothing in the image's one repository is newer than what it has:
	// apt-get's simulated upgrade says so, and pkg.uptodate with it.
	for _, test := range []bool{true, false} {
		up := rootCall(t, env, dir, "pkg.uptodate", "system", test, nil)
		if up.Result != states.True || up.Changed() || up.Comment != "System is already up-to-date" {
			t.Errorf("uptodate (test=%v) = %+v", test, up)
		}
	}

	dry = rootCall(t, env, dir, "pkg.removed", "hello", true, nil)
	real = rootCall(t, env, dir, "pkg.removed", "hello", false, nil)
	if real.Result != states.True || !reflect.DeepEqual(dry.Changes, real.Changes) ||
		!reflect.DeepEqual(real.Changes, map[string]any{"hello": map[string]any{"old": "2.10-3", "new": ""}}) {
		t.Errorf("removed: real %+v; dry %v", real, dry.Changes)
	}
	real = rootCall(t, env, dir, "pkg.purged", "pkgs", false, map[string]any{"pkgs": []any{"sl", "hello"}})
	// hello, removed above, has no configuration files left to purge.
	if real.Result != states.True || real.Comment != "The following packages were not installed: hello The following packages were purged: sl." ||
		!reflect.DeepEqual(real.Changes, map[string]any{"installed": map[string]any{"sl": map[string]any{"old": "5.02-1+b1", "new": ""}}, "removed": map[string]any{}}) {
		t.Errorf("purged = %+v", real)
	}
	if got := dpkgStatus(t, dir, "sl"); got != "" && !strings.Contains(got, "not-installed") {
		t.Errorf("sl after purge: %q", got)
	}

	// A package file (sources), then hold and latest on it.
	deb := filepath.Join(dir, testbed.RepoDir, "hello_2.10-3_amd64.deb")
	srcArgs := map[string]any{"sources": []any{map[string]any{"hello": deb}}, "hold": true}
	dry = rootCall(t, env, dir, "pkg.installed", "hello-file", true, srcArgs)
	real = rootCall(t, env, dir, "pkg.installed", "hello-file", false, srcArgs)
	// Salt's installed() appends pkg.hold's change to the install's.
	wantHello := map[string]any{"hello": map[string]any{"old": "install", "new": "2.10-3\nhold"}}
	if real.Result != states.True || !reflect.DeepEqual(real.Changes, wantHello) || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Errorf("sources+hold: real %+v; dry %v", real, dry.Changes)
	}
	if got := dpkgStatus(t, dir, "hello"); got != "hold ok installed 2.10-3" {
		t.Errorf("hello after hold: %q", got)
	}
	real = rootCall(t, env, dir, "pkg.latest", "hello", false, map[string]any{"hold": false})
	if real.Result != states.True || real.Comment != "Package hello is already up-to-date\nPackage hello is no longer being held." {
		t.Errorf("latest = %+v", real)
	}
	if got := dpkgStatus(t, dir, "hello"); got != "install ok installed 2.10-3" {
		t.Errorf("hello after unhold: %q", got)
	}

	// The host's own database and log are untouched.
	if now, _ := os.ReadFile("/var/lib/dpkg/status"); !bytes.Equal(now, hostStatus) {
		t.Errorf("the host's dpkg status changed")
	}
	if now, _ := os.ReadFile("/var/log/dpkg.log"); !bytes.Equal(now, hostLog) {
		t.Errorf("the host's dpkg.log changed")
	}
}

func TestServiceRootEnableDisable(t *testing.T) {
	dir := imageRoot(t)
	env := &states.Env{Cache: &states.RunCache{}}
	if res := rootCall(t, env, dir, "pkg.installed", "at", false, nil); res.Result != states.True {
		t.Fatalf("install at: %+v", res)
	}
	wants := filepath.Join(dir, "etc/systemd/system/multi-user.target.wants/atd.service")
	isEnabled := func() string {
		out, _ := exec.Command("systemctl", "--root="+dir, "is-enabled", "atd.service").Output()
		return strings.TrimSpace(string(out))
	}
	// Debian's postinst enabled it.
	if isEnabled() != "enabled" {
		t.Fatalf("atd after install: %q", isEnabled())
	}
	dry := rootCall(t, env, dir, "service.disabled", "atd", true, nil)
	if dry.Result != states.None || isEnabled() != "enabled" {
		t.Fatalf("dry disable = %+v, now %q", dry, isEnabled())
	}
	res := rootCall(t, env, dir, "service.disabled", "atd", false, nil)
	if res.Result != states.True || !reflect.DeepEqual(res.Changes, dry.Changes) || isEnabled() != "disabled" {
		t.Errorf("disable = %+v, now %q", res, isEnabled())
	}
	if _, err := os.Lstat(wants); !os.IsNotExist(err) {
		t.Errorf("wants link still there: %v", err)
	}
	res = rootCall(t, env, dir, "service.running", "atd.service", false, map[string]any{"enable": true})
	if res.Result != states.True || !res.Changed() || isEnabled() != "enabled" ||
		!strings.Contains(res.Comment, "--root never starts or stops services") {
		t.Errorf("running+enable under --root = %+v, now %q", res, isEnabled())
	}
	if _, err := os.Lstat(wants); err != nil {
		t.Errorf("wants link missing: %v", err)
	}
	res = rootCall(t, env, dir, "service.running", "atd", false, map[string]any{"enable": true})
	if res.Result != states.True || res.Changed() {
		t.Errorf("second run = %+v", res)
	}
	watch, _ := states.Watcher("service")
	res = watch(context.Background(), &states.Request{ID: "atd", Name: "atd", Func: "service.running", Args: states.NewArgs(nil), Root: dir, Env: env})
	if res.Result != states.True || res.Changed() {
		t.Errorf("mod_watch under --root = %+v", res)
	}

	// An init script with no unit: rc links, as update-rc.d makes them.
	script := "#!/bin/sh\n### BEGIN INIT INFO\n# Provides: brinetest\n# Default-Start: 2 3 4 5\n# Default-Stop: 0 1 6\n### END INIT INFO\nexit 0\n"
	if err := testbed.WriteFiles(dir, map[string]string{"/etc/init.d/brinetest": script}); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Join(dir, "etc/init.d/brinetest"), 0o755)
	res = rootCall(t, env, dir, "service.enabled", "brinetest", false, nil)
	if res.Result != states.True || !res.Changed() {
		t.Errorf("enable init script = %+v", res)
	}
	for _, l := range []string{"rc2.d/S01brinetest", "rc5.d/S01brinetest", "rc0.d/K01brinetest"} {
		if target, err := os.Readlink(filepath.Join(dir, "etc", l)); err != nil || target != "../init.d/brinetest" {
			t.Errorf("%s → %q, %v", l, target, err)
		}
	}
	// systemd-sysv-install's own check agrees.
	if err := exec.Command("/lib/systemd/systemd-sysv-install", "--root="+dir, "is-enabled", "brinetest").Run(); err != nil {
		t.Errorf("systemd-sysv-install is-enabled brinetest: %v", err)
	}
	res = rootCall(t, env, dir, "service.disabled", "brinetest", false, nil)
	if res.Result != states.True || !res.Changed() {
		t.Errorf("disable init script = %+v", res)
	}
	if err := exec.Command("/lib/systemd/systemd-sysv-install", "--root="+dir, "is-enabled", "brinetest").Run(); err == nil {
		t.Errorf("brinetest still enabled after service.disabled")
	}
}

// brineApply runs `brine call --local state.apply SLS` in the container
// and parses its JSON.
func brineApply(t *testing.T, c *testbed.Container, sls string, test bool) []testbed.StateResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{testbed.BinPath, "call", "--local", "--file-root", "/srv/salt", "--out", "json", "state.apply", sls}
	if test {
		args = append(args, "test=True")
	}
	out, err := c.Exec(ctx, args...)
	res, perr := testbed.ParseStateJSON(out)
	if perr != nil {
		t.Fatalf("brine %s: %v\n%s", strings.Join(args[1:], " "), err, out)
	}
	for _, r := range res {
		t.Logf("%s: %v %q %v", r.Key, fmtResult(r.Result), r.Comment, r.Changes)
	}
	return res
}

func fmtResult(b *bool) string {
	if b == nil {
		return "None"
	}
	if *b {
		return "True"
	}
	return "False"
}

func find(t *testing.T, res []testbed.StateResult, prefix string) testbed.StateResult {
	t.Helper()
	for _, r := range res {
		if strings.HasPrefix(r.Key, prefix) {
			return r
		}
	}
	t.Fatalf("no result %s* in %d results", prefix, len(res))
	return testbed.StateResult{}
}

func ctlOut(t *testing.T, c *testbed.Container, args ...string) string {
	t.Helper()
	out, _ := c.Exec(context.Background(), append([]string{"systemctl"}, args...)...)
	return strings.TrimSpace(string(out))
}

const svcSLS = `tools:
  pkg.installed:
    - pkgs:
      - hello
      - sl

at:
  pkg.installed: []

/etc/brine-atd.conf:
  file.managed:
    - contents: {{CONTENTS}}

atd:
  service.running:
    - enable: True
    - require:
      - pkg: at
    - watch:
      - file: /etc/brine-atd.conf
`

const svcDeadSLS = `atd:
  service.dead:
    - enable: False
`

func TestPkgServiceInContainer(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	testbed.InstallBrine(t, dir)
	c := testbed.Boot(t, dir)
	write := func(contents string) {
		if err := c.WriteFiles(map[string]string{
			"/srv/salt/svc.sls":  strings.ReplaceAll(svcSLS, "{{CONTENTS}}", contents),
			"/srv/salt/dead.sls": svcDeadSLS,
		}); err != nil {
			t.Fatal(err)
		}
	}
	write("one")

	// Dry run: everything would change, nothing did.
	res := brineApply(t, c, "svc", true)
	tools := find(t, res, "pkg_|-tools_|-")
	if tools.Result != nil || !strings.Contains(tools.Comment, "would be installed/updated: hello, sl") || tools.Changes["hello"] == nil {
		t.Errorf("dry tools = %+v", tools)
	}
	if atd := find(t, res, "service_|-atd_|-atd_|-running"); atd.Result != nil {
		t.Errorf("dry atd (not installed yet) = %+v; want None", atd)
	}
	if out, _ := c.Exec(context.Background(), "dpkg-query", "-W", "-f=${Status}", "hello"); strings.Contains(string(out), "installed") && !strings.Contains(string(out), "not-installed") {
		t.Fatalf("dry run installed hello: %s", out)
	}

	res = brineApply(t, c, "svc", false)
	for _, r := range res {
		if r.Result == nil || !*r.Result {
			t.Errorf("%s failed: %q", r.Key, r.Comment)
		}
	}
	if !reflect.DeepEqual(find(t, res, "pkg_|-tools_|-").Changes, tools.Changes) {
		t.Errorf("tools: real changes %v; dry %v", find(t, res, "pkg_|-tools_|-").Changes, tools.Changes)
	}
	if got := ctlOut(t, c, "is-active", "atd"); got != "active" {
		t.Errorf("atd is %q", got)
	}
	if got := ctlOut(t, c, "is-enabled", "atd"); got != "enabled" {
		t.Errorf("atd is %q at boot", got)
	}
	pid := ctlOut(t, c, "show", "-p", "MainPID", "--value", "atd")

	// Nothing changed: nothing restarts.
	res = brineApply(t, c, "svc", false)
	for _, r := range res {
		if len(r.Changes) != 0 {
			t.Errorf("rerun %s changed: %v", r.Key, r.Changes)
		}
	}
	if now := ctlOut(t, c, "show", "-p", "MainPID", "--value", "atd"); now != pid {
		t.Errorf("atd restarted without a change: %s → %s", pid, now)
	}

	// A change to the watched file restarts it.
	write("two")
	res = brineApply(t, c, "svc", false)
	atd := find(t, res, "service_|-atd_|-atd_|-running")
	if atd.Result == nil || !*atd.Result || atd.Comment != "Service restarted" || atd.Changes["atd"] != true {
		t.Errorf("watch restart = %+v", atd)
	}
	if now := ctlOut(t, c, "show", "-p", "MainPID", "--value", "atd"); now == pid || now == "0" {
		t.Errorf("atd MainPID %s → %s; want a new process", pid, now)
	}

	res = brineApply(t, c, "dead", false)
	dead := find(t, res, "service_|-atd_|-atd_|-dead")
	if dead.Result == nil || !*dead.Result || dead.Changes["atd"] != true {
		t.Errorf("dead = %+v", dead)
	}
	if got := ctlOut(t, c, "is-active", "atd"); got != "inactive" {
		t.Errorf("atd is %q after service.dead", got)
	}
	if got := ctlOut(t, c, "is-enabled", "atd"); got != "disabled" {
		t.Errorf("atd is %q at boot after enable: False", got)
	}
}

// TestServiceSysVContainer: on a host whose PID 1 is sysvinit, service
// states run /etc/init.d scripts and set rc links.
func TestServiceSysVContainer(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.SysV))
	testbed.InstallBrine(t, dir)
	c := testbed.Boot(t, dir)
	ctx := context.Background()
	if err := c.WriteFiles(map[string]string{
		"/srv/salt/sysv.sls":     "at:\n  pkg.installed: []\n\natd:\n  service.running:\n    - enable: True\n    - require:\n      - pkg: at\n",
		"/srv/salt/sysvdead.sls": "atd:\n  service.dead:\n    - enable: False\n",
	}); err != nil {
		t.Fatal(err)
	}
	res := brineApply(t, c, "sysv", false)
	atd := find(t, res, "service_|-atd_|-atd_|-running")
	if atd.Result == nil || !*atd.Result {
		t.Fatalf("running = %+v", atd)
	}
	if _, err := c.Exec(ctx, "/etc/init.d/atd", "status"); err != nil {
		t.Errorf("atd not running: %v", err)
	}
	if _, err := c.Exec(ctx, "sh", "-c", "ls /etc/rc2.d/S??atd"); err != nil {
		t.Errorf("no start link for atd: %v", err)
	}
	res = brineApply(t, c, "sysvdead", false)
	dead := find(t, res, "service_|-atd_|-atd_|-dead")
	if dead.Result == nil || !*dead.Result || dead.Changes["atd"] != true {
		t.Errorf("dead = %+v", dead)
	}
	if _, err := c.Exec(ctx, "/etc/init.d/atd", "status"); err == nil {
		t.Errorf("atd still running after service.dead")
	}
	if out, err := c.Exec(ctx, "sh", "-c", "ls /etc/rc2.d/ | grep atd"); err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), "K") {
		t.Errorf("rc2.d after disable: %q, %v", out, err)
	}
}
