package minion

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/big"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

func TestParseMasterURL(t *testing.T) {
	tests := []struct {
		in       string
		want     string
		loopback bool
		err      bool
	}{
		{"nats://127.0.0.1:4222", "nats://127.0.0.1:4222", true, false},
		{"tls://master.example", "tls://master.example:4222", false, false},
		{"master.example:5222", "nats://master.example:5222", false, false},
		{"nats://localhost:4222", "nats://localhost:4222", true, false},
		{"nats://[::1]:4222", "nats://[::1]:4222", true, false},
		{"nats://127.3.0.1", "nats://127.3.0.1:4222", true, false},
		{"nats://10.0.0.1:4222", "nats://10.0.0.1:4222", false, false},
		{"ws://m:80", "", false, true},
		// Several masters: one scheme, each address once.
		{"nats://127.0.0.1:1,nats://127.0.0.1:2", "nats://127.0.0.1:1,nats://127.0.0.1:2", true, false},
		{"tls://a:1, tls://b", "tls://a:1,tls://b:4222", false, false},
		{"nats://127.0.0.1:1,nats://10.0.0.1:2", "nats://127.0.0.1:1,nats://10.0.0.1:2", false, false},
		{"nats://a:1,tls://b:2", "", false, true},
		{"tls://a:1,tls://a:1", "", false, true},
		{"tls://a:1,", "", false, true},
		{"tls://a:1,ws://b:2", "", false, true},
		{"nats://u:p@m:4222", "", false, true},
		{"nats://m:99999", "", false, true},
		{"nats://:4222", "", false, true},
		{"", "", false, true},
	}
	for _, tt := range tests {
		u, err := ParseMasterURL(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParseMasterURL(%q) error = %v; want error %v", tt.in, err, tt.err)
			continue
		}
		if err == nil && (u.String() != tt.want || u.Loopback() != tt.loopback) {
			t.Errorf("ParseMasterURL(%q) = %s (loopback %v); want %s (loopback %v)", tt.in, u, u.Loopback(), tt.want, tt.loopback)
		}
	}
}

func TestConfigRefusesPlaintextBeyondLoopback(t *testing.T) {
	tests := []struct {
		yaml string
		ok   bool
	}{
		{"master: nats://10.0.0.1:4222\n", false},
		{"master: 10.0.0.1:4222\n", false},
		{"master: nats://master.example:4222\nmaster_finger: 'aa:bb'\n", false},
		{"master: nats://10.0.0.1:4222\nallow_plaintext: true\n", true},
		{"master: tls://10.0.0.1:4222\n", true},
		{"master: nats://127.0.0.1:4222\n", true},
		{"master: nats://localhost:4222\n", true},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "minion.yaml"), []byte("id: m1\n"+tt.yaml), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(dir)
		if tt.ok {
			if err != nil {
				t.Errorf("LoadConfig(%q) = %v; want ok", tt.yaml, err)
			}
			continue
		}
		if !errors.Is(err, ErrPlaintextMaster) {
			t.Errorf("LoadConfig(%q) = %v; want ErrPlaintextMaster", tt.yaml, err)
			continue
		}
		// The message names the key at fault and the way out.
		for _, w := range []string{"master ", "tls://", "allow_plaintext: true"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("LoadConfig(%q) = %q; want it to name %q", tt.yaml, err, w)
			}
		}
	}
}

// chain makes a CA and a leaf for names (DNS names or IPs) under it.
func chain(t *testing.T, names ...string) (tls.Certificate, string) {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caT, caT, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	leafKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafT := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "master"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			leafT.IPAddresses = append(leafT.IPAddresses, ip)
		} else {
			leafT.DNSNames = append(leafT.DNSNames, n)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafT, ca, &leafKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, proto.Finger(caDER)
}

// fakeNATS listens on loopback and greets each connection with greeting;
// with cert set it then does the server side of TLS, as nats-server
// does, and answers what comes after with its own INFO line.
func fakeNATS(t *testing.T, greeting string, cert *tls.Certificate) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(c, greeting); err != nil {
					return
				}
				if cert != nil {
					tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{*cert}})
					if tc.Handshake() != nil {
						return
					}
					_, _ = io.Copy(io.Discard, tc)
					return
				}
				_, _ = io.Copy(io.Discard, c)
			}()
		}
	}()
	return l.Addr().String()
}

const (
	infoPlain = "INFO {\"server_id\":\"x\",\"version\":\"2.15.2\"}\r\n"
	infoTLS   = "INFO {\"server_id\":\"x\",\"version\":\"2.15.2\",\"tls_required\":true}\r\n"
)

// dialFake dials addr the minion's way, with the URL's scheme and a pin;
// a URL of localhost when the scheme says so ("tls+localhost").
func dialFake(t *testing.T, scheme, addr, pinned string) (net.Conn, *caPin, error) {
	t.Helper()
	host, port, _ := net.SplitHostPort(addr)
	if s, ok := strings.CutSuffix(scheme, "+localhost"); ok {
		scheme, host = s, "localhost"
	}
	u, err := ParseMasterURL(scheme + "://" + net.JoinHostPort(host, port))
	if err != nil {
		t.Fatal(err)
	}
	ca := &caPin{pinned: pinned}
	d := &masterDialer{url: u, ca: ca}
	c, err := d.dial(context.Background(), "tcp", addr)
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, ca, err
}

func TestDialerTLSAndPins(t *testing.T) {
	cert, caFinger := chain(t, "127.0.0.1")
	otherName, _ := chain(t, "master.example")
	tlsAddr := fakeNATS(t, infoTLS, &cert)
	plainAddr := fakeNATS(t, infoPlain, nil)
	wrongNameAddr := fakeNATS(t, infoTLS, &otherName)
	sshAddr := fakeNATS(t, "SSH-2.0-OpenSSH_9.2\r\n", nil)
	const otherPin = "00:11:22:33"

	tests := []struct {
		name           string
		scheme, addr   string
		pinned         string
		want           Kind
		wantInErr      []string
		wantSeen       string
		wantGreetingOK bool
	}{
		{"tls first use", "tls", tlsAddr, "", KindNone, nil, caFinger, true},
		{"tls pinned", "tls", tlsAddr, caFinger, KindNone, nil, caFinger, true},
		// A pin means TLS whatever the URL says.
		{"pinned over nats://", "nats", tlsAddr, caFinger, KindNone, nil, caFinger, true},
		{"pin mismatch", "tls", tlsAddr, otherPin, KindPinMismatch, []string{caFinger, otherPin}, caFinger, false},
		// TLS stripped on the way: the master offers none.
		{"tls:// to plain text", "tls", plainAddr, "", KindPlaintext, []string{"offers no TLS", "tls://"}, "", false},
		{"pinned to plain text", "nats", plainAddr, caFinger, KindPlaintext, []string{"offers no TLS", caFinger}, "", false},
		{"nats:// to TLS only", "nats", tlsAddr, "", KindTLSRequired, []string{"requires TLS"}, "", false},
		{"certificate for another name", "tls+localhost", wrongNameAddr, "", KindCertificate, []string{"master.example"}, "", false},
		{"not NATS", "nats", sshAddr, "", KindNotNATS, []string{"SSH-2.0"}, "", false},
		{"plain text on loopback", "nats", plainAddr, "", KindNone, nil, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ca, err := dialFake(t, tt.scheme, tt.addr, tt.pinned)
			if got := Classify(err); got != tt.want {
				t.Fatalf("dial = %v (%s); want %s", err, got, tt.want)
			}
			for _, w := range tt.wantInErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("dial = %q; want it to name %q", err, w)
				}
			}
			if tt.wantSeen != "" && ca.seenFinger() != tt.wantSeen {
				t.Errorf("CA seen = %q; want %q", ca.seenFinger(), tt.wantSeen)
			}
			if !tt.wantGreetingOK {
				return
			}
			// nats.go reads the greeting the dialer read ahead.
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			line, err := bufio.NewReader(c).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "INFO {") {
				t.Errorf("read after dial = %q, %v; want the INFO line", line, err)
			}
		})
	}
}

func TestPinMismatchIsWrongMaster(t *testing.T) {
	cert, caFinger := chain(t, "127.0.0.1")
	_, _, err := dialFake(t, "tls", fakeNATS(t, infoTLS, &cert), "00:11")
	var pm *PinMismatchError
	if !errors.As(err, &pm) || pm.Got != caFinger || pm.Pinned != "00:11" || !errors.Is(err, ErrWrongMaster) {
		t.Fatalf("dial = %v; want a PinMismatchError{%s, 00:11} that is ErrWrongMaster", err, caFinger)
	}
	d := Diagnose(err, MasterURL{Scheme: "tls", Host: "127.0.0.1", Port: 4222}, "m1")
	attrs := fmt.Sprint(d.attrs()...)
	if !strings.Contains(attrs, caFinger) || !strings.Contains(attrs, "00:11") || d.level() != slog.LevelError {
		t.Errorf("diagnosis logs %s at %v; want both fingerprints, at ERROR", attrs, d.level())
	}
}

// refusedDial dials a port just closed, where nothing listens.
func refusedDial(t *testing.T) (string, error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, err = net.Dial("tcp", addr)
	return addr, err
}

// TestClassifyRealErrors classifies errors the standard library and
// nats.go really return, never made-up ones.
func TestClassifyRealErrors(t *testing.T) {
	closed, refused := refusedDial(t)

	// .invalid never resolves (RFC 2606).
	_, dnsErr := net.Dial("tcp", "nonexistent.invalid:4222")

	// A TLS server under another CA: httptest's own.
	ts := httptest.NewUnstartedServer(nil)
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	defer ts.Close()
	_, unknownCA := tls.Dial("tcp", ts.Listener.Addr().String(), &tls.Config{})

	// A read that times out.
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	_ = a.SetReadDeadline(time.Now().Add(-time.Second))
	_, timeout := a.Read(make([]byte, 1))

	tests := []struct {
		name string
		err  error
		want Kind
	}{
		{"closed port", refused, KindRefused},
		{"closed port, wrapped", fmt.Errorf("connect to the master at %s: %w", closed, refused), KindRefused},
		{"nonexistent.invalid", dnsErr, KindDNS},
		{"another CA", unknownCA, KindUnknownAuthority},
		{"another CA through nats.go", fmt.Errorf("%w: %w", nats.ErrTLS, unknownCA), KindUnknownAuthority},
		{"read timeout", timeout, KindTimeout},
		{"authorization", nats.ErrAuthorization, KindAuth},
		{"hello denied", helloFailure(nats.ErrTimeout, true), KindPending},
		{"hello unanswered", helloFailure(nats.ErrTimeout, false), KindNoAnswer},
		{"no responders", helloFailure(nats.ErrNoResponders, false), KindNoAnswer},
		{"job key", fmt.Errorf("minion: master job key A, pinned B: %w", ErrWrongMaster), KindWrongMaster},
		{"nil", nil, KindNone},
		{"other", errors.New("something else"), KindOther},
	}
	for _, tt := range tests {
		if tt.err == nil && tt.want != KindNone {
			t.Errorf("%s: no error to classify", tt.name)
			continue
		}
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%s: %v) = %s; want %s", tt.name, tt.err, got, tt.want)
		}
	}
	// The diagnosis of a pending key says what to run on the master.
	d := Diagnose(helloFailure(nats.ErrTimeout, true), MasterURL{Scheme: "nats", Host: "127.0.0.1", Port: 4222}, "web1")
	if !strings.Contains(d.String(), "key pending (or rejected)") || !strings.Contains(d.String(), "brine key accept web1") {
		t.Errorf("pending diagnosis = %q", d)
	}
}

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestConnLogOnceThenBackoff(t *testing.T) {
	var buf bytes.Buffer
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	cl := newConnLog(slog.New(slog.NewTextHandler(&buf, nil)), MasterURL{Scheme: "nats", Host: "127.0.0.1", Port: 4222}, "m1")
	cl.now = clock.now
	_, refused := refusedDial(t)
	// Four tries a second for five minutes.
	for i := 0; i < 4*300; i++ {
		cl.failed(layerDial, refused)
		clock.t = clock.t.Add(250 * time.Millisecond)
	}
	logs := strings.Count(buf.String(), "connection refused: nothing listens")
	// At 0 s, then 10 s, 30 s, 70 s, 150 s, 310 s later: 5 in 300 s.
	if logs != 5 {
		t.Errorf("1200 refused tries in 5 minutes logged %d times; want 5:\n%s", logs, buf.String())
	}
	// A new kind of failure is logged at once; a success at a lower
	// layer does not end a failure above it.
	buf.Reset()
	cl.failed(layerMaster, helloFailure(nats.ErrTimeout, true))
	cl.ok(layerDial)
	cl.failed(layerMaster, helloFailure(nats.ErrTimeout, true))
	if n := strings.Count(buf.String(), `msg="key pending`); n != 1 {
		t.Errorf("pending after refused: logged %d times; want once:\n%s", n, buf.String())
	}
	cl.ok(layerMaster)
	cl.ok(layerMaster)
	if n := strings.Count(buf.String(), "accepted this minion's key"); n != 1 {
		t.Errorf("acceptance logged %d times; want once:\n%s", n, buf.String())
	}
}

func TestStateDirLock(t *testing.T) {
	dir := t.TempDir()
	l1, err := lockStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockStateDir(dir)
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("second lock = %v; want LockedError with pid %d", err, os.Getpid())
	}
	if want := fmt.Sprintf("another minion (pid %d) uses state dir %s", os.Getpid(), dir); err.Error() != want {
		t.Errorf("second lock = %q; want %q", err, want)
	}
	l1.Release()
	l1.Release()
	l2, err := lockStateDir(dir)
	if err != nil {
		t.Fatalf("lock after release = %v", err)
	}
	l2.Release()
}
