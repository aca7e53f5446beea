package minion

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
)

// syncBuffer is a log that tests read while the minion writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until f holds; the bound only guards against a hang.
func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runLogged runs minion id against url with its log in a buffer.
func runLogged(t *testing.T, dir, id, url string, set func(*Config)) (*Minion, *syncBuffer, chan struct{}) {
	t.Helper()
	cfg := Defaults()
	cfg.ID = id
	cfg.Master = url
	cfg.StateDir = filepath.Join(dir, id, "state")
	cfg.CacheDir = filepath.Join(dir, id, "cache")
	cfg.RetryMax = Duration(time.Second)
	if set != nil {
		set(&cfg)
	}
	logs := &syncBuffer{}
	var w io.Writer = logs
	mn := New(&cfg, slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ready := make(chan struct{})
	mn.Ready = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = mn.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return mn, logs, ready
}

func startPlainMaster(t *testing.T, dir string, accept ...string) *master.Master {
	t.Helper()
	cfg := master.Defaults()
	cfg.Port = -1
	cfg.StateDir = filepath.Join(dir, "master")
	cfg.FileRoots = map[string][]string{"base": {filepath.Join(dir, "srv")}}
	cfg.AutoAcceptIDs = accept
	m := master.New(&cfg, master.Options{Log: quietLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	return m
}

func TestMinionLogsPinMismatchWithBothFingers(t *testing.T) {
	dir := t.TempDir()
	m := startTLSMaster(t, dir)
	const wrong = "00:11:22:33:44:55"
	_, logs, _ := runLogged(t, dir, "m1", m.ClientURL(), func(c *Config) { c.MasterFinger = wrong })
	waitFor(t, "the pin mismatch in the log", func() bool { return strings.Contains(logs.String(), "does not match the pinned one") })
	line := lineWith(logs.String(), "does not match the pinned one")
	for _, w := range []string{"level=ERROR", "ca_finger=" + m.CAFinger(), "pinned=" + wrong} {
		if !strings.Contains(line, w) {
			t.Errorf("pin mismatch logged as %q; want %q in it", line, w)
		}
	}
	if strings.Contains(logs.String(), "minion ready") {
		t.Error("a minion trusted a master whose CA does not match master_finger")
	}
}

// A CA pinned means TLS, whatever the URL: a master (or a proxy) that
// offers plain text is refused, and said so.
func TestPinnedMinionRefusesPlaintext(t *testing.T) {
	dir := t.TempDir()
	m := startPlainMaster(t, dir, "m*")
	_, logs, _ := runLogged(t, dir, "m1", m.ClientURL(), func(c *Config) { c.MasterFinger = "aa:bb" })
	waitFor(t, "the refusal in the log", func() bool { return strings.Contains(logs.String(), "offers no TLS") })
	line := lineWith(logs.String(), "offers no TLS")
	if !strings.Contains(line, "level=ERROR") || !strings.Contains(line, "pinned=aa:bb") {
		t.Errorf("plain text refusal logged as %q; want an ERROR naming the pin", line)
	}
	if strings.Contains(logs.String(), "minion ready") {
		t.Error("a minion with a pinned CA spoke plain text")
	}
}

func TestMinionLogsPendingKeyAndRefused(t *testing.T) {
	dir := t.TempDir()
	// Nothing listens yet.
	addr, _ := refusedDial(t)
	_, logs, _ := runLogged(t, dir, "x1", "nats://"+addr, nil)
	waitFor(t, "connection refused in the log", func() bool { return strings.Contains(logs.String(), "connection refused: nothing listens on "+addr) })
	if n := strings.Count(logs.String(), "connection refused: nothing listens"); n != 1 {
		t.Errorf("refused logged %d times at first; want once:\n%s", n, logs)
	}
	if strings.Contains(logs.String(), "waiting for the master to accept") {
		t.Errorf("a minion with nothing to talk to says it waits for acceptance:\n%s", logs)
	}

	// A master that does not accept x1.
	m := startPlainMaster(t, filepath.Join(dir, "m"), "m*")
	_, logs2, _ := runLogged(t, filepath.Join(dir, "2"), "x1", m.ClientURL(), nil)
	waitFor(t, "key pending in the log", func() bool { return strings.Contains(logs2.String(), "key pending (or rejected) on the master") })
	if line := lineWith(logs2.String(), "key pending"); !strings.Contains(line, "brine key accept x1") {
		t.Errorf("pending logged as %q; want the command to run", line)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	cfgFor := func(id, url string) *Config {
		c := Defaults()
		c.ID, c.Master = id, url
		c.StateDir = filepath.Join(dir, id, "state")
		c.CacheDir = filepath.Join(dir, id, "cache")
		return &c
	}
	last := func(steps []Step) Step { return steps[len(steps)-1] }

	// Nothing listens.
	addr, _ := refusedDial(t)
	steps := Check(context.Background(), cfgFor("m1", "nats://"+addr))
	if s := last(steps); s.Name != "connect" || s.OK || s.Diag == nil || s.Diag.Kind != KindRefused {
		t.Errorf("check against nothing ended with %+v; want connect refused", s)
	}

	// A bad config is the first step, and the last.
	steps = Check(context.Background(), cfgFor("m1", "nats://10.0.0.1:4222"))
	if len(steps) != 1 || steps[0].OK || !strings.Contains(steps[0].Detail, "allow_plaintext") {
		t.Errorf("check of a plain-text master beyond loopback = %+v", steps)
	}

	// A TLS master: x1 has no key yet, then is pending; m1 is accepted.
	m := startTLSMaster(t, filepath.Join(dir, "master"))
	steps = Check(context.Background(), cfgFor("x1", m.ClientURL()))
	if s := last(steps); !s.Skip || s.Name != "login" {
		t.Errorf("check without a key ended with %+v; want login skipped", s)
	}
	if s := steps[len(steps)-2]; s.Name != "tls" || !s.OK || !strings.Contains(s.Detail, m.CAFinger()) {
		t.Errorf("tls step = %+v; want the CA fingerprint", s)
	}
	_, logs, _ := runLogged(t, dir, "x1", m.ClientURL(), nil)
	waitFor(t, "x1 pending", func() bool { return strings.Contains(logs.String(), "key pending") })
	steps = Check(context.Background(), cfgFor("x1", m.ClientURL()))
	if s := last(steps); s.Name != "accepted" || s.OK || s.Diag == nil || s.Diag.Kind != KindPending {
		t.Errorf("check of a pending minion ended with %+v; want accepted: key pending", s)
	}

	_, _, ready := runLogged(t, dir, "m1", m.ClientURL(), nil)
	select {
	case <-ready:
	case <-time.After(30 * time.Second): // hang guard
		t.Fatal("m1 not ready")
	}
	steps = Check(context.Background(), cfgFor("m1", m.ClientURL()))
	for _, s := range steps {
		if !s.OK {
			t.Errorf("check of an accepted minion: %s failed: %s", s.Name, s.Detail)
		}
	}
	if s := last(steps); s.Name != "accepted" || !strings.Contains(s.Detail, "matches the pin") {
		t.Errorf("check of an accepted minion ended with %+v", s)
	}

	// A master_finger unlike the pin is refused before any network.
	c := cfgFor("m1", m.ClientURL())
	c.MasterFinger = "00:11"
	steps = Check(context.Background(), c)
	if s := last(steps); s.Name != "key" || s.OK {
		t.Errorf("check with master_finger unlike the pin ended with %+v; want key refused", s)
	}
	// With nothing pinned yet, a wrong master_finger fails TLS, and the
	// step names both fingerprints.
	c = cfgFor("x1", m.ClientURL())
	c.MasterFinger = "00:11"
	steps = Check(context.Background(), c)
	if s := last(steps); s.Name != "tls" || s.OK || !strings.Contains(s.Detail, m.CAFinger()) || !strings.Contains(s.Detail, "00:11") {
		t.Errorf("check with a wrong master_finger ended with %+v; want tls failed with both fingerprints", s)
	}
}

func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
