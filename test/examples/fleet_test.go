package examples

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startMasterWith is startMaster with more master.yaml (an example's
// lines to add).
func startMasterWith(t *testing.T, exampleName, extra string) *cluster {
	t.Helper()
	dir := t.TempDir()
	c := &cluster{dir: dir, etc: filepath.Join(dir, "etc"), logs: map[string]string{}}
	ex := filepath.Join(moduleRoot, "examples", exampleName)
	writeFiles(t, dir, map[string]string{"/etc/master.yaml": fmt.Sprintf(
		"port: %d\nstate_dir: %s/master\nfile_roots: {base: [%s/states]}\npillar_roots: {base: [%s/pillar]}\n%s",
		freePort(t), dir, ex, ex, extra)})
	c.start(t, "master", "master", "-c", c.etc)
	c.waitLog(t, "master", "master ready")
	return c
}

// addMinionWith is addMinion with more minion.yaml.
func (c *cluster) addMinionWith(t *testing.T, id, grains, extra string) string {
	t.Helper()
	dir := filepath.Join(c.dir, id)
	root := filepath.Join(dir, "root")
	writeFiles(t, dir, map[string]string{
		"/minion.yaml": fmt.Sprintf("id: %s\nmaster: nats://127.0.0.1:%d\nstate_dir: %s/state\ncache_dir: %s/cache\nroot: %s\ngrains: {%s}\npresence_interval: 1s\n%s",
			id, c.port(t), dir, dir, root, grains, extra),
	})
	c.start(t, id, "minion", "-c", dir)
	return root
}

func exampleFile(t *testing.T, name, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(moduleRoot, "examples", name, file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestMineHostsfileExample runs examples/mine-hostsfile as docs/mine.md
// tells: its master.yaml and minion.yaml lines added, three minions.
func TestMineHostsfileExample(t *testing.T) {
	c := startMasterWith(t, "mine-hostsfile", exampleFile(t, "mine-hostsfile", "master.yaml"))
	roots := map[string]string{}
	for i, m := range []struct{ id, role string }{{"lb1", "lb"}, {"web1", "web"}, {"web2", "web"}} {
		roots[m.id] = c.addMinionWith(t, m.id, fmt.Sprintf("roles: %s, ip4_interfaces: {eth0: [10.0.0.%d], lo: [127.0.0.1]}", m.role, i+1),
			exampleFile(t, "mine-hostsfile", "minion.yaml"))
	}
	c.acceptAll(t, "lb1", "web1", "web2")
	// Each minion sends its mine once ready; the highstate reads it.
	waitFor(t, 30*time.Second, func() error {
		got := c.run(t, "lb1", "mine.get", "*", "network.ip_addrs")
		if s := string(got["lb1"]); strings.Count(s, "10.0.0.") != 3 {
			return fmt.Errorf("lb1's mine.get: %s", s)
		}
		return nil
	})
	c.run(t, "*", "state.highstate")
	hosts := "# from the mine (network.ip_addrs)\n10.0.0.1  lb1\n10.0.0.2  web1\n10.0.0.3  web2\n"
	for id, root := range roots {
		if b, err := os.ReadFile(filepath.Join(root, "etc/hosts.d/mine")); err != nil || string(b) != hosts {
			t.Errorf("%s's /etc/hosts.d/mine: %v\n%s\nwant\n%s", id, err, b, hosts)
		}
	}
	b, err := os.ReadFile(filepath.Join(roots["lb1"], "etc/haproxy/haproxy.cfg"))
	want := "backend web\n    balance roundrobin\n    server web1 10.0.0.2:80 check\n    server web2 10.0.0.3:80 check\n"
	if err != nil || !strings.HasSuffix(string(b), want) {
		t.Errorf("lb1's haproxy.cfg: %v\n%s\nwant it to end with\n%s", err, b, want)
	}
	if _, err := os.Stat(filepath.Join(roots["web1"], "etc/haproxy")); err == nil {
		t.Errorf("web1 got the haproxy state")
	}
	// Only network.ip_addrs is shared (master.yaml's mine_get).
	got := c.run(t, "lb1", "mine.get", "*", "grains.items")
	if s := string(got["lb1"]); s != "{}" {
		t.Errorf("mine.get of a function mine_get does not share: %s", s)
	}
}

// TestScheduleDriftExample runs examples/schedule-drift with its
// schedule.yaml: the drift-check job (run now with schedule.run_job, as
// its 15 minutes are long for a test) lands in the job cache, and brine
// drift reports a file changed behind brine's back.
func TestScheduleDriftExample(t *testing.T) {
	c := startMasterWith(t, "schedule-drift", "")
	sched := exampleFile(t, "schedule-drift", "schedule.yaml")
	roots := map[string]string{}
	for _, id := range []string{"web1", "web2"} {
		roots[id] = c.addMinionWith(t, id, "", sched)
	}
	c.acceptAll(t, "web1", "web2")
	// The run_on_start dry run may still go on: a state run then is
	// refused as busy (as Salt's), and asked again.
	waitFor(t, 30*time.Second, func() error {
		if r := brine(t, "", "*", "state.highstate", "-c", c.etc, "-t", "30"); r.code != 0 {
			return fmt.Errorf("highstate: %v", r)
		}
		return nil
	})
	motd := filepath.Join(roots["web2"], "etc/motd")
	if err := os.WriteFile(motd, []byte("edited by hand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// run_on_start made a dry run each at start, before the highstate:
	// run the job again now (as often as a run finds the other going).
	c.run(t, "*", "schedule.run_job", "drift-check")
	waitFor(t, 30*time.Second, func() error {
		r := brine(t, "", "drift", "-c", c.etc)
		if r.code != 2 || !strings.Contains(string(r.stdout), "web2    drifted") || !strings.Contains(string(r.stdout), "web1    clean") ||
			!strings.Contains(string(r.stdout), "-edited by hand") || !strings.Contains(string(r.stdout), "(drift-check)") {
			return fmt.Errorf("brine drift: %v", r)
		}
		return nil
	})
}
