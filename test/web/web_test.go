// Package web tests the master's HTTP API and its job dashboard against
// a real master and real minions (test/harness): the API over HTTPS
// with a client of its own, the dashboard in headless Chromium
// (browser_test.go).
package web

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master/api"
	"github.com/brine-cm/brine/test/harness"
)

func TestMain(m *testing.M) { harness.Main(m, filepath.Join("..", "..")) }

const stateTree = `
-- top.sls --
base:
  '*':
    - site
-- site.sls --
gate_one:
  cmd.run:
    - name: until [ -e GATE1 ]; do sleep 0.05; done
motd:
  file.managed:
    - name: /etc/motd
    - contents: |
        welcome to {{ grains["id"] }}
        managed by brine
    - require:
      - cmd: gate_one
gate_two:
  cmd.run:
    - name: until [ -e GATE2 ]; do sleep 0.05; done
    - require:
      - file: motd
app_conf:
  file.managed:
    - name: /etc/app.conf
    - contents: "port = 8080"
    - makedirs: True
    - require:
      - cmd: gate_two
`

// webEnv is a master serving the API, with minions.
type webEnv struct {
	*harness.Env
	base   string // the API's URL
	client *http.Client
	// gates are the files the highstate's gate states wait for (there
	// from the start).
	gates [2]string
}

// newWebEnv starts a master whose API listens on loopback (over TLS when
// tls), and minions m1 and m2 whose /etc/motd holds an old text, so
// that a highstate has a diff to show.
func newWebEnv(t *testing.T, useTLS bool) *webEnv {
	t.Helper()
	port := harness.FreePort(t)
	extra := fmt.Sprintf("api:\n  listen: 127.0.0.1:%d\n", port)
	w := &webEnv{client: &http.Client{Timeout: 2 * time.Minute}}
	scheme := "http"
	if useTLS {
		dir := t.TempDir()
		pool := makeCert(t, dir)
		extra += fmt.Sprintf("  tls_cert: %s/cert.pem\n  tls_key: %s/key.pem\n", dir, dir)
		w.client.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		scheme = "https"
	}
	w.base = fmt.Sprintf("%s://127.0.0.1:%d", scheme, port)
	gdir := t.TempDir()
	tree := stateTree
	for i := range w.gates {
		w.gates[i] = filepath.Join(gdir, fmt.Sprintf("gate%d", i+1))
		harness.WriteFile(t, w.gates[i], "open\n")
		tree = strings.ReplaceAll(tree, fmt.Sprintf("GATE%d", i+1), w.gates[i])
	}
	w.Env = harness.NewEnv(t, tree, "", extra)
	w.Master.WaitLog("api ready", 1, 20*time.Second)
	for i, id := range []string{"m1", "m2"} {
		harness.WriteFile(t, filepath.Join(w.Dir, id, "root", "etc", "motd"), "old motd\n")
		w.AddMinion(id, fmt.Sprintf("role: %s", []string{"web", "db"}[i]), "")
	}
	w.AcceptAll("m1", "m2")
	return w
}

// seed is the content of a credential of the master's state dir.
func (w *webEnv) seed(file string) string {
	w.T.Helper()
	b, err := os.ReadFile(filepath.Join(w.Dir, "master", file))
	if err != nil {
		w.T.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// do sends a request with the token (none when empty) and decodes the
// answer into out (when not nil); it returns the status.
func (w *webEnv) do(method, path, token, contentType, body string, out any) int {
	w.T.Helper()
	req, err := http.NewRequest(method, w.base+path, strings.NewReader(body))
	if err != nil {
		w.T.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.T.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			w.T.Fatalf("%s %s: %v\n%s", method, path, err, b)
		}
	}
	if resp.StatusCode != http.StatusOK {
		w.T.Logf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return resp.StatusCode
}

// login logs in with a credential file's seed and returns the token.
func (w *webEnv) login(file string) string {
	w.T.Helper()
	body, _ := json.Marshal(api.LoginRequest{Password: w.seed(file)})
	var lr api.LoginResponse
	if st := w.do("POST", "/login", "", "application/json", string(body), &lr); st != http.StatusOK || len(lr.Return) != 1 {
		w.T.Fatalf("login with %s: %d %+v", file, st, lr)
	}
	return lr.Return[0].Token
}

// run posts lowstate and returns the answer's return list.
func (w *webEnv) run(token string, low any) []any {
	w.T.Helper()
	body, _ := json.Marshal(low)
	var rr api.RunResponse
	if st := w.do("POST", "/run", token, "application/json", string(body), &rr); st != http.StatusOK {
		w.T.Fatalf("POST /run %s: %d", body, st)
	}
	return rr.Return
}

// waitReturns waits until the job cache holds a return of jid from
// every id.
func (w *webEnv) waitReturns(token, jid string, ids ...string) api.JobResponse {
	w.T.Helper()
	var jr api.JobResponse
	harness.CheckFor(w.T, 60*time.Second, 100*time.Millisecond, func() error {
		jr = api.JobResponse{}
		if st := w.do("GET", "/jobs/"+jid, token, "", "", &jr); st != http.StatusOK {
			return fmt.Errorf("GET /jobs/%s: %d", jid, st)
		}
		for _, id := range ids {
			if _, ok := jr.Info[0].Result[id]; !ok {
				return fmt.Errorf("no return of %s yet", id)
			}
		}
		return nil
	})
	return jr
}

func TestAPI(t *testing.T) {
	w := newWebEnv(t, true)
	op := w.login("operator.nk")
	ro := w.login("readonly.nk")

	// Logins that must fail.
	for _, body := range []string{
		`{"password":"SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU"}`, // a seed, not the master's
		`{"password":"hunter2"}`,
		fmt.Sprintf(`{"username":"operator","password":%q}`, w.seed("readonly.nk")),
		fmt.Sprintf(`{"password":%q,"eauth":"pam"}`, w.seed("operator.nk")),
	} {
		if st := w.do("POST", "/login", "", "application/json", body, nil); st != http.StatusUnauthorized {
			t.Errorf("POST /login %s: %d; want 401", body, st)
		}
	}
	// A form login, as salt-api's curl examples.
	form := url.Values{"username": {"readonly"}, "password": {w.seed("readonly.nk")}, "eauth": {"nkey"}}.Encode()
	var lr api.LoginResponse
	if st := w.do("POST", "/login", "", "application/x-www-form-urlencoded", form, &lr); st != http.StatusOK || lr.Return[0].User != "readonly" {
		t.Fatalf("form login: %d %+v", st, lr)
	}

	if st := w.do("GET", "/minions", "", "", "", nil); st != http.StatusUnauthorized {
		t.Errorf("GET /minions without a token: %d; want 401", st)
	}
	var mr api.MinionsResponse
	if st := w.do("GET", "/minions", ro, "", "", &mr); st != http.StatusOK {
		t.Fatalf("GET /minions: %d", st)
	}
	for _, id := range []string{"m1", "m2"} {
		m, ok := mr.Return[0][id]
		if !ok || !m.Connected || m.Grains["id"] != id {
			t.Errorf("GET /minions: %s = %+v; want connected with its grains", id, m)
		}
	}
	mr = api.MinionsResponse{}
	if st := w.do("GET", "/minions/m1", ro, "", "", &mr); st != http.StatusOK || mr.Return[0]["m1"].Grains["role"] != "web" {
		t.Errorf("GET /minions/m1: %d %+v; want role web", st, mr)
	}
	if st := w.do("GET", "/minions/nope", ro, "", "", nil); st != http.StatusNotFound {
		t.Errorf("GET /minions/nope: %d; want 404", st)
	}
	var kr api.KeysResponse
	if st := w.do("GET", "/keys", ro, "", "", &kr); st != http.StatusOK || strings.Join(kr.Return.Minions, ",") != "m1,m2" {
		t.Errorf("GET /keys: %d %+v; want m1,m2 accepted", st, kr)
	}

	// client local waits, as the command does.
	ret := w.run(op, map[string]any{"client": "local", "tgt": "*", "fun": "test.ping"})
	if got := fmt.Sprint(ret); got != "[map[m1:true m2:true]]" {
		t.Errorf("local test.ping = %s; want both true", got)
	}
	// Two lowstates, a form-like KEY=VALUE argument, full_return.
	ret = w.run(op, []map[string]any{
		{"client": "local", "tgt": "m1", "fun": "test.echo", "arg": []any{"hello"}},
		{"client": "local", "tgt": "role:db", "tgt_type": "grain", "fun": "test.ping", "full_return": true},
	})
	if len(ret) != 2 || fmt.Sprint(ret[0]) != "map[m1:hello]" {
		t.Errorf("two lowstates = %v; want m1: hello first", ret)
	} else if full, _ := ret[1].(map[string]any)["m2"].(map[string]any); full["ret"] != true || full["retcode"] != 0.0 || full["jid"] == "" {
		t.Errorf("full_return = %v; want ret true, retcode 0 and the jid", ret[1])
	}
	// Batch mode.
	ret = w.run(op, map[string]any{"client": "local_batch", "batch": "1", "tgt": "*", "fun": "test.ping"})
	if got := fmt.Sprint(ret); got != "[map[m1:true m2:true]]" {
		t.Errorf("local_batch test.ping = %s; want both true", got)
	}
	// A form body, as salt-api's curl examples.
	var rr api.RunResponse
	form = url.Values{"client": {"local"}, "tgt": {"m2"}, "fun": {"test.echo"}, "arg": {"form"}}.Encode()
	if st := w.do("POST", "/run", op, "application/x-www-form-urlencoded", form, &rr); st != http.StatusOK || fmt.Sprint(rr.Return) != "[map[m2:form]]" {
		t.Errorf("form run: %d %v", st, rr.Return)
	}

	// The read-only role cannot run anything: neither the API lets it,
	// nor its connection (readonly.nk's NATS permissions,
	// test/e2e TestPermissionsEnforcedByServer).
	if st := w.do("POST", "/run", ro, "application/json", `{"client":"local","tgt":"*","fun":"test.ping"}`, nil); st != http.StatusForbidden {
		t.Errorf("POST /run as readonly: %d; want 403", st)
	}
	if st := w.do("POST", "/run", "", "application/json", `{"client":"local","tgt":"*","fun":"test.ping"}`, nil); st != http.StatusUnauthorized {
		t.Errorf("POST /run without a token: %d; want 401", st)
	}
	if st := w.do("POST", "/run", op, "application/json", `{"client":"runner","fun":"jobs.list_jobs"}`, nil); st != http.StatusBadRequest {
		t.Errorf("POST /run client runner: %d; want 400", st)
	}

	// local_async answers at once; the job lands in the cache.
	ret = w.run(op, map[string]any{"client": "local_async", "tgt": "*", "fun": "test.echo", "arg": []any{"secret-ish"}})
	async, _ := ret[0].(map[string]any)
	jid, _ := async["jid"].(string)
	if jid == "" || fmt.Sprint(async["minions"]) != "[m1 m2]" {
		t.Fatalf("local_async = %v; want a jid and m1, m2", ret)
	}
	jr := w.waitReturns(op, jid, "m1", "m2")
	if info := jr.Info[0]; info.Function != "test.echo" || info.User != api.JobUser || info.Result["m1"].Return != "secret-ish" || jr.Return[0]["m2"] != "secret-ish" {
		t.Errorf("GET /jobs/%s = %+v", jid, jr)
	}
	var jl api.JobsResponse
	if st := w.do("GET", "/jobs", ro, "", "", &jl); st != http.StatusOK || len(jl.Return) == 0 {
		t.Fatalf("GET /jobs: %d %+v", st, jl)
	} else if _, ok := jl.Return[0][jid]; !ok {
		t.Errorf("GET /jobs: newest is %v; want %s", jl.Return[0], jid)
	}
	// The read-only role sees how it ended, not what it returned.
	jr = api.JobResponse{}
	if st := w.do("GET", "/jobs/"+jid, ro, "", "", &jr); st != http.StatusOK || !jr.Info[0].Redacted ||
		jr.Info[0].Result["m1"].Return != nil || !jr.Info[0].Result["m1"].Success {
		t.Errorf("GET /jobs/%s as readonly: %d %+v; want redacted returns", jid, st, jr)
	}
	if st := w.do("GET", "/jobs/20000101000000000000", ro, "", "", nil); st != http.StatusNotFound {
		t.Errorf("GET /jobs of an unknown jid: %d; want 404", st)
	}
	if st := w.do("GET", "/jobs/x", ro, "", "", nil); st != http.StatusBadRequest {
		t.Errorf("GET /jobs/x: %d; want 400", st)
	}

	// The OpenAPI document, without a token.
	req, _ := http.NewRequest("GET", w.base+"/openapi.json", nil)
	resp, err := w.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want, _ := api.OpenAPI()
	if resp.StatusCode != http.StatusOK || !bytes.Equal(b, want) {
		t.Errorf("GET /openapi.json: %d, %d bytes; want the generated document", resp.StatusCode, len(b))
	}

	// Logout ends the token.
	if st := w.do("POST", "/logout", ro, "", "", nil); st != http.StatusOK {
		t.Errorf("POST /logout: %d", st)
	}
	if st := w.do("GET", "/keys", ro, "", "", nil); st != http.StatusUnauthorized {
		t.Errorf("GET /keys after logout: %d; want 401", st)
	}
}

// TestAPIRefusesPlainBeyondLoopback: an API on every address without a
// certificate would carry the operator's credential in the clear; the
// master refuses to start, and says why.
func TestAPIRefusesPlainBeyondLoopback(t *testing.T) {
	dir := t.TempDir()
	etc := filepath.Join(dir, "etc")
	harness.WriteFile(t, filepath.Join(etc, "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/master\napi:\n  listen: 0.0.0.0:%d\n",
		harness.FreePort(t), dir, harness.FreePort(t)))
	p := harness.StartProc(t, "master", filepath.Join(dir, "master.log"), "master", "-c", etc)
	if code := p.Exit(30 * time.Second); code == 0 {
		t.Fatalf("master started with a plain API beyond loopback:\n%s", p.LogText())
	}
	if !strings.Contains(p.LogText(), "TLS is required beyond loopback") {
		t.Errorf("the master's refusal does not say why:\n%s", p.LogText())
	}
}

// makeCert writes a self-signed certificate for 127.0.0.1 in dir
// (cert.pem, key.pem) and returns a pool that trusts it.
func makeCert(t *testing.T, dir string) *x509.CertPool {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "brine api test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	harness.WriteFile(t, filepath.Join(dir, "cert.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	harness.WriteFile(t, filepath.Join(dir, "key.pem"), string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})))
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return pool
}
