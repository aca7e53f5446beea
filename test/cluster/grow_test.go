package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/test/harness"
)

// TestGrowToExternalServerTLS: one master with its embedded server and
// TLS, a minion accepted that pinned its CA; the master stopped, a
// nats-server started on the master's address with the master's
// certificate and the nats-auth.conf it wrote, and the master started
// again with nats_url. The minion, whose config is left as it was,
// comes back by itself through the server, its pin holding and its key
// still accepted (the master brought its store along): nothing is keyed
// or accepted again.
func TestGrowToExternalServerTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: a master, a minion, a nats-server")
	}
	e := harness.NewEnv(t, leafTree, "", "tls: true\n")
	mdir := filepath.Join(e.Dir, "m1")
	if err := os.MkdirAll(filepath.Join(mdir, "root"), 0o755); err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("tls://127.0.0.1:%d", e.Port)
	harness.WriteFile(t, filepath.Join(mdir, "minion.yaml"), harness.MinionYAML("m1", url, mdir, "", ""))
	e.Minions["m1"] = harness.StartProc(t, "m1", filepath.Join(mdir, "minion.log"), "minion", "-c", mdir)
	e.AcceptAll("m1")
	e.Minions["m1"].WaitLog(`msg="pinned the master"`, 1, 10*time.Second)

	// The master's address goes to a nats-server.
	e.Master.Stop()
	state := filepath.Join(e.Dir, "master")
	nd := filepath.Join(e.Dir, "nats")
	b, err := os.ReadFile(filepath.Join(state, master.NATSAuthFile))
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(nd, master.NATSAuthFile), string(b))
	harness.WriteFile(t, filepath.Join(nd, "nats-server.conf"), fmt.Sprintf(`listen: 127.0.0.1:%d
tls {
  cert_file: %s
  key_file: %s
}
jetstream {
  store_dir: %s/js
}
include %s
`, e.Port, filepath.Join(state, master.CertFile), filepath.Join(state, master.KeyFile), nd, master.NATSAuthFile))
	ns := harness.StartNATSServer(t, "nats-server", filepath.Join(nd, "nats-server.conf"), filepath.Join(nd, "nats.log"))
	ns.WaitLog("Server is ready", 1, 30*time.Second)

	conf := filepath.Join(e.Etc, "master.yaml")
	old, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, conf, string(old)+"nats_url: "+url+"\n")
	e.Master = harness.StartProc(t, "master2", filepath.Join(e.Dir, "master2.log"), "master", "-c", e.Etc)
	e.Master.WaitLog("master ready", 1, 60*time.Second)
	e.Master.WaitLog(`imported the store kept alone`, 1, 10*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- nats-server log (end):\n%s", harness.Tail(ns.LogText(), 3000))
		}
	})

	harness.CheckFor(t, 60*time.Second, 200*time.Millisecond, func() error {
		out, errOut, code := e.Brine("m1", "test.ping", "--out", "json", "-t", "5")
		if code != 0 || !strings.Contains(out, `"m1": true`) {
			return fmt.Errorf("m1 through the nats-server: exit %d\n%s\n%s", code, out, errOut)
		}
		return nil
	})
	if n := strings.Count(e.Minions["m1"].LogText(), `msg="pinned the master"`); n != 1 {
		t.Errorf("the minion pinned a CA %d times; want once, before the move", n)
	}
	out, errOut, code := e.Brine("m1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply after the move: exit %d\n%s\n%s", code, out, errOut)
	}
}
