package cluster

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/test/harness"
)

// writeCA makes a CA, as an operator's own would be, in dir: ca.pem and
// ca-key.pem, as the master reads them.
func writeCA(t *testing.T, dir string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: "the cluster's CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	harness.WriteFile(t, filepath.Join(dir, master.CAFile), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	harness.WriteFile(t, filepath.Join(dir, master.CAKeyFile), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder})))
}

// TestRemoteSiteLeafOnExternalClusterTLS: TestRemoteSiteLeafOnExternalCluster
// over TLS, as beyond loopback: three nats-server processes whose clients
// and leafnodes listeners speak TLS with certificates of the cluster's
// CA, a master on them (nats_url, tls://), a remote site's leaf that
// checks the hubs against that CA and shows its own minions a
// certificate of it. A minion at the centre and one at the site pin the
// CA; a state.apply reaches the site; the node the leaf is on is killed
// during a job, the leaf joins another over TLS, and every return comes.
func TestRemoteSiteLeafOnExternalClusterTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("real processes: three nats-servers, a master, a leaf node, minions")
	}
	const nodes = 3
	dir := t.TempDir()
	harness.WriteTree(t, filepath.Join(dir, "srv"), leafTree)
	harness.WriteTree(t, filepath.Join(dir, "pillar"), "")
	nn := newNATSNodes(t, nodes, "tls")
	etc, state := filepath.Join(dir, "m0", "etc"), filepath.Join(dir, "m0", "state")
	harness.WriteFile(t, filepath.Join(etc, "master.yaml"), fmt.Sprintf(`nats_url: %s
state_dir: %s
file_roots: {base: [%s/srv]}
pillar_roots: {base: [%s/pillar]}
presence_ttl: 3s
log_level: debug
`, strings.Join(nn.urls, ","), state, dir, dir))
	// The cluster's CA in the master's state dir: the master, the
	// operator and `brine leaf cert` use it.
	writeCA(t, state)
	first := harness.StartProc(t, "master-first", filepath.Join(dir, "master-first.log"), "master", "-c", etc)
	if code := first.Exit(60 * time.Second); code == 0 {
		t.Fatalf("a master whose servers are not up exited 0:\n%s", first.LogText())
	}
	servers := nn.start(t, dir, state)
	m := harness.StartProc(t, "master", filepath.Join(dir, "master.log"), "master", "-c", etc)
	e := &harness.Env{T: t, Dir: dir, Etc: etc, Master: m, Minions: map[string]*harness.Proc{}}
	t.Cleanup(func() {
		if t.Failed() {
			for _, p := range append(append([]*harness.Proc{}, servers...), m, e.Minions["c1"], e.Minions["s1"]) {
				if p != nil {
					t.Logf("--- %s log (end):\n%s", p.Name, harness.Tail(p.LogText(), 3000))
				}
			}
		}
	})
	m.WaitLog("master ready", 1, 90*time.Second)

	// The leaf: its hubs over TLS, checked against the cluster's CA;
	// its own listener with a certificate of that CA.
	ldir := filepath.Join(dir, "leaf")
	if err := os.MkdirAll(ldir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code := harness.RunBrine(t, "leaf", "cert", "-c", etc, "-o", ldir, "127.0.0.1"); code != 0 {
		t.Fatalf("brine leaf cert: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, f := range []string{master.LeafSecretFile, master.CAFile} {
		b, err := os.ReadFile(filepath.Join(state, f))
		if err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(ldir, f), string(b))
	}
	var hubs []string
	for _, p := range nn.leafPorts {
		hubs = append(hubs, fmt.Sprintf("tls://127.0.0.1:%d", p))
	}
	site := harness.FreePort(t)
	harness.WriteFile(t, filepath.Join(ldir, "leaf.yaml"), fmt.Sprintf(`name: site-t
listen: 127.0.0.1:%d
hub: [%s]
tls_cert: leaf.pem
tls_key: leaf-key.pem
`, site, strings.Join(hubs, ", ")))
	leaf := harness.StartProc(t, "leaf", filepath.Join(ldir, "leaf.log"), "leaf", "-c", ldir)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("--- leaf log (end):\n%s", harness.Tail(leaf.LogText(), 3000))
		}
	})
	leaf.WaitLog("leaf ready", 1, 30*time.Second)
	leaf.WaitLog("Leafnode connection created", 1, 30*time.Second)

	start := func(id, url, grains string) {
		mdir := filepath.Join(dir, id)
		if err := os.MkdirAll(filepath.Join(mdir, "root"), 0o755); err != nil {
			t.Fatal(err)
		}
		harness.WriteFile(t, filepath.Join(mdir, "minion.yaml"), harness.MinionYAML(id, url, mdir, grains, ""))
		e.Minions[id] = harness.StartProc(t, id, filepath.Join(mdir, "minion.log"), "minion", "-c", mdir)
	}
	start("s1", fmt.Sprintf("tls://127.0.0.1:%d", site), "site: t")
	start("c1", "["+strings.Join(nn.urls, ", ")+"]", "site: centre")
	all := []string{"c1", "s1"}
	e.AcceptAll(all...)
	for _, id := range all {
		e.Minions[id].WaitLog(`msg="pinned the master"`, 1, 30*time.Second)
	}

	out, errOut, code := e.Brine("s1", "state.apply", "-t", "30")
	if code != 0 {
		t.Fatalf("state.apply through the leaf: exit %d\n%s\n%s", code, out, errOut)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "s1", "root", "site", "hello")); err != nil || string(b) != "from the centre\n" {
		t.Fatalf("the state's file on the site's minion: %q, %v", b, err)
	}

	// The node the leaf is on killed during a job on both minions.
	killLeafsNode(t, leaf, nn, servers, etc, all, []string{"s1"}, e.Minions)
}
