package examples

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// cluster is a master and its minions, each a brine process on loopback;
// every minion manages its own folder (root:), so the host is left alone.
type cluster struct {
	dir  string // holds etc/master.yaml and one folder per minion
	etc  string
	logs map[string]string // process name -> log file
}

// freePort asks the kernel for a free loopback port.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startMaster starts `brine master` serving an example's states and pillar.
func startMaster(t *testing.T, exampleName string) *cluster {
	t.Helper()
	dir := t.TempDir()
	c := &cluster{dir: dir, etc: filepath.Join(dir, "etc"), logs: map[string]string{}}
	ex := filepath.Join(moduleRoot, "examples", exampleName)
	port := freePort(t)
	writeFiles(t, dir, map[string]string{"/etc/master.yaml": fmt.Sprintf(
		"port: %d\nstate_dir: %s/master\nfile_roots: {base: [%s/states]}\npillar_roots: {base: [%s/pillar]}\n",
		port, dir, ex, ex)})
	c.start(t, "master", "master", "-c", c.etc)
	c.waitLog(t, "master", "master ready")
	return c
}

// start runs a brine daemon with its output in a log file; it is stopped
// (SIGTERM, then SIGKILL) in t.Cleanup.
func (c *cluster) start(t *testing.T, name string, args ...string) {
	t.Helper()
	logPath := filepath.Join(c.dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(brineBin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatal(err)
	}
	f.Close()
	c.logs[name] = logPath
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 3000))
		}
	})
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// waitLog waits until a process's log holds a line containing pattern.
func (c *cluster) waitLog(t *testing.T, name, pattern string) {
	t.Helper()
	waitFor(t, 20*time.Second, func() error {
		f, err := os.Open(c.logs[name])
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if strings.Contains(sc.Text(), pattern) {
				return nil
			}
		}
		return fmt.Errorf("%s: no %q in its log yet", name, pattern)
	})
}

// addMinion starts a minion with static grains, managing its own folder.
func (c *cluster) addMinion(t *testing.T, id, grains string) string {
	t.Helper()
	dir := filepath.Join(c.dir, id)
	root := filepath.Join(dir, "root")
	writeFiles(t, dir, map[string]string{
		"/root/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
		"/root/etc/group":  "root:x:0:\n",
		"/minion.yaml": fmt.Sprintf("id: %s\nmaster: nats://127.0.0.1:%d\nstate_dir: %s/state\ncache_dir: %s/cache\nroot: %s\ngrains: {%s}\n",
			id, c.port(t), dir, dir, root, grains),
	})
	c.start(t, id, "minion", "-c", dir)
	return root
}

func (c *cluster) port(t *testing.T) int {
	t.Helper()
	var port int
	b, err := os.ReadFile(filepath.Join(c.etc, "master.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Sscanf(string(b), "port: %d", &port)
	return port
}

// acceptAll waits for the minions' keys to be pending, accepts them, and
// waits for each minion to say it is ready.
func (c *cluster) acceptAll(t *testing.T, ids ...string) {
	t.Helper()
	waitFor(t, 20*time.Second, func() error {
		r := brine(t, "", "key", "list", "-c", c.etc)
		for _, id := range ids {
			if !strings.Contains("\n"+string(r.stdout), "\n"+id+"\n") {
				return fmt.Errorf("key of %s not listed yet:\n%s", id, r.stdout)
			}
		}
		return nil
	})
	if r := brine(t, "", "key", "accept", "-A", "-y", "-c", c.etc); r.code != 0 {
		t.Fatalf("%v", r)
	}
	for _, id := range ids {
		c.waitLog(t, id, "minion ready")
	}
}

// run runs `brine ARGS… -c ETC --out json` and returns {minion: value}.
func (c *cluster) run(t *testing.T, args ...string) map[string]json.RawMessage {
	t.Helper()
	r := brine(t, "", append(args, "-c", c.etc, "-t", "30", "--out", "json")...)
	if r.code != 0 {
		t.Fatalf("%v", r)
	}
	out := map[string]json.RawMessage{}
	// One JSON document, or one per minion as they return.
	dec := json.NewDecoder(strings.NewReader(string(r.stdout)))
	for dec.More() {
		var m map[string]json.RawMessage
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%v\n%v", err, r)
		}
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestFirstTasteMaster runs first-taste as the seed did: a master and
// three minions with different grains. Each must get its own set of SLS
// from top.sls (pfmon only on the BSD one) and its own package names
// from map.jinja; the file states are then applied through the master,
// into each minion's folder.
func TestFirstTasteMaster(t *testing.T) {
	c := startMaster(t, "first-taste")
	minions := []struct {
		id, grains string
		sls, pkgs  []string
	}{
		{"web1", "os: Debian, os_family: Debian", []string{"resolver", "scanner"}, []string{"nmap", "tcpdump"}},
		{"db1", "os: CentOS, os_family: RedHat", []string{"resolver", "scanner"}, []string{"nmap", "tcpdump", "xprobe2"}},
		{"fw-bsd1", "os: FreeBSD, os_family: FreeBSD", []string{"pfmon", "resolver", "scanner"}, []string{"nmap", "xprobe"}},
	}
	roots := map[string]string{}
	var ids []string
	for _, m := range minions {
		roots[m.id] = c.addMinion(t, m.id, m.grains)
		ids = append(ids, m.id)
	}
	c.acceptAll(t, ids...)

	ping := c.run(t, "*", "test.ping")
	if len(ping) != 3 {
		t.Fatalf("test.ping answered by %d minions: %v", len(ping), ping)
	}
	tops := c.run(t, "*", "state.show_top")
	lows := c.run(t, "*", "state.show_lowstate")
	for _, m := range minions {
		if got := topSLS(t, wrap(m.id, tops[m.id])); !reflect.DeepEqual(got, m.sls) {
			t.Errorf("%s: show_top = %v, want %v", m.id, got, m.sls)
		}
		if got := lowPkgs(t, wrap(m.id, lows[m.id])); !reflect.DeepEqual(got, m.pkgs) {
			t.Errorf("%s: packages = %v, want %v", m.id, got, m.pkgs)
		}
	}

	// The files, for real, through the master: resolver everywhere, pfmon
	// where top.sls puts it (a glob on the id, as in top.sls).
	for _, step := range []struct {
		argv    []string
		answers int
	}{{[]string{"*", "state.sls", "resolver"}, 3}, {[]string{"*bsd*", "state.sls", "pfmon"}, 1}} {
		dry := c.run(t, append(step.argv, "test=True")...)
		real := c.run(t, step.argv...)
		again := c.run(t, step.argv...)
		if len(real) != step.answers || len(dry) != len(real) || len(again) != len(real) {
			t.Fatalf("%v: %d dry, %d real, %d rerun answers; want %d each", step.argv, len(dry), len(real), len(again), step.answers)
		}
		for id := range real {
			checkMinionRuns(t, id, dry[id], real[id], again[id])
		}
	}
	for _, m := range minions {
		got := readFile(t, roots[m.id], "/etc/resolv.conf")
		if !strings.HasPrefix(got, "# /etc/resolv.conf for "+m.id+":") || !strings.Contains(got, "nameserver 4.2.2.2\n") {
			t.Errorf("%s: resolv.conf:\n%s", m.id, got)
		}
		_, err := os.Stat(filepath.Join(roots[m.id], "usr/local/sbin/pfmon"))
		if has := err == nil; has != (m.id == "fw-bsd1") {
			t.Errorf("%s: pfmon present = %v", m.id, has)
		}
	}
}

// wrap turns a minion's value back into {id: value}, the shape the
// single-host helpers read.
func wrap(id string, v json.RawMessage) []byte {
	b, _ := json.Marshal(map[string]json.RawMessage{id: v})
	return b
}

// checkMinionRuns applies checked's rules to one minion's three answers.
func checkMinionRuns(t *testing.T, id string, dry, real, again json.RawMessage) {
	t.Helper()
	runs := [][]byte{wrap(id, dry), wrap(id, real), wrap(id, again)}
	i := 0
	checked(t, func(t *testing.T, test bool) []testbed.StateResult {
		t.Helper()
		res, err := testbed.ParseStateJSON(runs[i])
		if err != nil || len(res) == 0 {
			t.Fatalf("%s: %v: %s", id, err, runs[i])
		}
		i++
		return res
	})
}
