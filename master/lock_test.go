package master

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// masterConfig is a master's config for a test: a free port, its state,
// file roots and pillar under dir.
func masterConfig(dir string) *Config {
	cfg := Defaults()
	cfg.Port = -1
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.FileRoots = map[string][]string{"base": {filepath.Join(dir, "srv")}}
	cfg.PillarRoots = map[string][]string{"base": {filepath.Join(dir, "pillar")}}
	return &cfg
}

func TestSecondMasterOnStateDirRefused(t *testing.T) {
	dir := t.TempDir()
	first := New(masterConfig(dir), Options{Log: testLog()})
	if err := first.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := New(masterConfig(dir), Options{Log: testLog()})
	err := second.Start(context.Background())
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		first.Shutdown()
		t.Fatalf("second master on one state dir: %v; want LockedError with pid %d", err, os.Getpid())
	}
	want := fmt.Sprintf("another master (pid %d) uses state dir %s", os.Getpid(), filepath.Join(dir, "state"))
	if !strings.Contains(err.Error(), want) {
		t.Errorf("second master: %q; want %q", err, want)
	}
	// Once the first is down, the dir is free.
	first.Shutdown()
	third := New(masterConfig(dir), Options{Log: testLog()})
	if err := third.Start(context.Background()); err != nil {
		t.Fatalf("master after the first shut down: %v", err)
	}
	third.Shutdown()
}

func TestListenProblemsFailAtOnce(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	busyPort := busy.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name  string
		iface string
		port  int
		is    error
		says  []string
	}{
		{"busy port", "127.0.0.1", busyPort, syscall.EADDRINUSE, []string{strconv.Itoa(busyPort), "address already in use", "another process"}},
		// 192.0.2.0/24 is TEST-NET-1: no host has it.
		{"not our address", "192.0.2.1", 4222, syscall.EADDRNOTAVAIL, []string{"192.0.2.1:4222", "not an address of this host"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := masterConfig(dir)
			cfg.Interface, cfg.Port = tt.iface, tt.port
			err := New(cfg, Options{Log: testLog()}).Start(context.Background())
			var le *ListenError
			if !errors.As(err, &le) || !errors.Is(err, tt.is) {
				t.Fatalf("Start = %v; want a ListenError that is %v", err, tt.is)
			}
			for _, w := range tt.says {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Start = %q; want it to say %q", err, w)
				}
			}
			// It made no keys, and let go of the state dir.
			if _, err := os.Stat(filepath.Join(cfg.StateDir, IssuerFile)); err == nil {
				t.Error("a master that cannot listen made keys")
			}
			l, err := lockStateDir(cfg.StateDir)
			if err != nil {
				t.Fatalf("state dir still locked after a failed start: %v", err)
			}
			l.Release()
		})
	}
}

func TestOnboardingViolationsAreDebug(t *testing.T) {
	n := &natsLog{}
	// The shapes nats-server logs (client.go), after a client's label
	// with the name authorize gave the connection.
	client := func(user string) string {
		return `127.0.0.1:50000 - cid:9 - "v1.55.0:go:m1" - "$G/user:` + user + `" - `
	}
	tests := []struct {
		msg  string
		want slog.Level
	}{
		{client("pending") + `Publish Violation - Subject "brine.m.m1.hello"`, slog.LevelDebug},
		{client("pending:m1") + `Publish Violation - Subject "brine.m.m1.hello"`, slog.LevelDebug},
		{client("pending:m1") + `Subscription Violation - Subject "brine.to.m1.in.Zx1.*", SID 1`, slog.LevelDebug},
		// A pending minion that tries more than its onboarding.
		{client("pending:m1") + `Subscription Violation - Subject "brine.to.m1.job", SID 2`, slog.LevelWarn},
		// An accepted minion out of its rights.
		{client("m1") + `Publish Violation - Subject "brine.m.m2.hello"`, slog.LevelWarn},
		{client("m1") + `Subscription Violation - Subject "brine.to.m2.in.>", SID 3`, slog.LevelWarn},
		{client("m1") + `Publish Violation - Subject "brine.auth.request"`, slog.LevelWarn},
		// A client the line does not name.
		{`127.0.0.1:50000 - cid:9 - Publish Violation - Subject "brine.m.m1.hello"`, slog.LevelWarn},
		{"Error listening on port: 0.0.0.0:4222", slog.LevelError},
	}
	for _, tt := range tests {
		if got := n.errorLevel(tt.msg); got != tt.want {
			t.Errorf("errorLevel(%q) = %v; want %v", tt.msg, got, tt.want)
		}
	}
}

// What the server only logs as fatal (here a JetStream store it cannot
// make) ends Start with that cause, not with a wait for readiness.
func TestServerFatalEndsStart(t *testing.T) {
	dir := t.TempDir()
	cfg := masterConfig(dir)
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.StateDir, "jetstream"), []byte("not a dir"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := New(cfg, Options{Log: testLog()}).Start(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "master: nats server: ") || !strings.Contains(err.Error(), "JetStream") {
		t.Fatalf("Start with a file for the store = %v; want the server's JetStream error", err)
	}
}
