//go:build systest

package systest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// root returns the cached root of a variant, building it on first use.
func root(t *testing.T, v testbed.Variant) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	start := time.Now()
	dir, err := testbed.EnsureRoot(ctx, v)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Logf("built %s root in %v", v, d.Round(time.Second))
	}
	return dir
}

func TestTestbedOverlayKeepsCacheClean(t *testing.T) {
	lower := root(t, testbed.Systemd)
	dir := testbed.NewOverlay(t, lower)
	if err := os.WriteFile(filepath.Join(dir, "etc/brine-overlay-probe"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(lower, "etc/brine-overlay-probe")); !os.IsNotExist(err) {
		t.Fatalf("a write in the overlay reached the cached root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "srv/repo/Packages")); err != nil {
		t.Fatalf("no local repository in the root: %v", err)
	}
}

func TestTestbedBootSystemd(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	start := time.Now()
	c := testbed.Boot(t, dir)
	t.Logf("booted in %v", time.Since(start).Round(time.Millisecond))
	ctx := context.Background()
	out, err := c.Exec(ctx, "cat", "/proc/1/comm")
	if err != nil || strings.TrimSpace(string(out)) != "systemd" {
		t.Fatalf("PID 1 in the container = %q, %v; want systemd", out, err)
	}
	// Offline install from the local repository.
	if out, err := c.Exec(ctx, "apt-get", "install", "-y", "-q", "hello"); err != nil {
		t.Fatalf("apt-get install hello: %v\n%s", err, out)
	}
	if out, err := c.Exec(ctx, "hello"); err != nil || !strings.Contains(string(out), "Hello") {
		t.Fatalf("hello = %q, %v", out, err)
	}
	if err := c.CopyIn("/etc/os-release", "/tmp/copied"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "test", "-s", "/tmp/copied"); err != nil {
		t.Fatal(err)
	}
}

func TestTestbedBootSysV(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.SysV))
	c := testbed.Boot(t, dir)
	out, err := c.Exec(context.Background(), "cat", "/proc/1/comm")
	if err != nil || strings.TrimSpace(string(out)) != "init" {
		t.Fatalf("PID 1 in the container = %q, %v; want init", out, err)
	}
}
