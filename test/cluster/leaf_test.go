package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/test/harness"
)

const leafTree = `
-- top.sls --
base:
  '*':
    - site
-- site.sls --
hello:
  file.managed:
    - name: /site/hello
    - contents: from the centre
    - makedirs: True
`

// TestRemoteSiteLeaf: a master that takes leaf nodes, a brine leaf
// joined to it, and a minion that connects to the leaf alone, TLS on
// every link (the leaf's certificate from brine leaf cert). Its key
// is accepted at the centre; test.ping and a state.apply from the
// centre reach it through the leaf and return. Rejected at the centre,
// it is out once its authorisation expires (auth_ttl).
func TestRemoteSiteLeaf(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a master, a leaf node and a minion")
	}
	hub := harness.FreePort(t)
	e := harness.NewEnv(t, leafTree, "", fmt.Sprintf("tls: true\nauth_ttl: 3s\nleafnodes: {listen: 127.0.0.1:%d}\n", hub))
	finger := regexp.MustCompile(`master ready.*ca_finger=(\S+)`).FindStringSubmatch(e.Master.LogText())
	if finger == nil {
		t.Fatalf("no ca_finger in the master's log")
	}

	// The leaf's certificate, issued at the centre from the master's CA;
	// the master's secret and CA copied to the leaf.
	site := harness.FreePort(t)
	dir := filepath.Join(e.Dir, "leaf")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := e.Brine("leaf", "cert", "-c", e.Etc, "-o", dir, "127.0.0.1"); code != 0 {
		t.Fatalf("brine leaf cert: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{master.LeafSecretFile, master.CAFile} {
		b, err := os.ReadFile(filepath.Join(e.Dir, "master", f))
		if err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(dir, f), string(b))
	}
	harness.WriteFile(t, filepath.Join(dir, "leaf.yaml"), fmt.Sprintf(`name: site-a
listen: 127.0.0.1:%d
hub: tls://127.0.0.1:%d
tls_cert: leaf.pem
tls_key: leaf-key.pem
log_level: debug
`, site, hub))
	leaf := harness.StartProc(t, "leaf", filepath.Join(dir, "leaf.log"), "leaf", "-c", dir)
	t.Cleanup(func() {
		leaf.Stop()
		if strings.Contains(leaf.LogText(), "WARNING: DATA RACE") {
			t.Errorf("leaf: data race (BRINE_E2E_RACE)")
		}
		if t.Failed() {
			t.Logf("--- leaf log (end):\n%s", harness.Tail(leaf.LogText(), 3000))
		}
	})
	leaf.WaitLog("leaf ready", 1, 20*time.Second)
	leaf.WaitLog(`Leafnode connection created`, 1, 20*time.Second)

	// The minion knows the leaf alone.
	mdir := filepath.Join(e.Dir, "m1")
	if err := os.MkdirAll(filepath.Join(mdir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(mdir, "minion.yaml"),
		harness.MinionYAML("m1", fmt.Sprintf("tls://127.0.0.1:%d", site), mdir, "", ""))
	e.Minions["m1"] = harness.StartProc(t, "m1", filepath.Join(mdir, "minion.log"), "minion", "-c", mdir)
	e.AcceptAll("m1")
	// The minion pinned the master's CA, through the leaf.
	e.Minions["m1"].WaitLog(`msg="pinned the master".*ca_finger=`+regexp.QuoteMeta(finger[1]), 1, 10*time.Second)

	out, errOut, code := e.Brine("*", "test.ping", "--out", "json")
	if code != 0 || !strings.Contains(out, `"m1": true`) {
		t.Fatalf("test.ping through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	out, errOut, code = e.Brine("m1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(mdir, "root", "site", "hello"))
	if err != nil || string(b) != "from the centre\n" {
		t.Fatalf("the state's file on the site's minion: %q, %v", b, err)
	}

	// Revoked at the centre: the master cannot disconnect a client of
	// the leaf; the authorisation expires (auth_ttl) and the next one
	// gives the key pending rights alone.
	if out, errOut, code := e.Brine("key", "reject", "m1", "--include-accepted", "-y"); code != 0 {
		t.Fatalf("key reject: exit %d\n%s\n%s", code, out, errOut)
	}
	e.Minions["m1"].WaitLog(`msg="key pending \(or rejected\) on the master"`, 2, 30*time.Second)
	if out, _, code := e.Brine("m1", "test.ping", "-t", "2"); code == 0 || strings.Contains(out, "True") {
		t.Errorf("a rejected minion on the leaf answered: exit %d\n%s", code, out)
	}
}
