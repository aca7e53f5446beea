package e2e

import (
	"github.com/brine-cm/brine/test/harness"

	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSystemdNotify runs the master as systemd would with Type=notify
// and WatchdogSec: it must say READY=1, then feed the watchdog.
func TestSystemdNotify(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "notify.sock")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	port := harness.FreePort(t)
	harness.WriteFile(t, filepath.Join(dir, "etc", "master.yaml"), fmt.Sprintf("port: %d\nstate_dir: %s/state\n", port, dir))
	cmd := exec.Command(harness.Bin, "master", "-c", filepath.Join(dir, "etc"))
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock, "WATCHDOG_USEC=400000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var got []string
	buf := make([]byte, 256)
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		_ = conn.SetReadDeadline(deadline)
		n, err := conn.Read(buf)
		if err != nil {
			break
		}
		got = append(got, string(buf[:n]))
		if len(got) >= 3 {
			break
		}
	}
	want := []string{"READY=1", "WATCHDOG=1", "WATCHDOG=1"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("notifications %q; want %q", got, want)
	}
}
