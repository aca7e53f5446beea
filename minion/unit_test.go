package minion

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The shipped unit must let a stopping minion drain: systemd signals the
// minion alone (a job's dpkg is not its to kill), and waits longer than
// drain_timeout before it kills the minion.
func TestUnitLetsTheMinionDrain(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "examples", "systemd", "brine-minion.service"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	keys := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), "="); ok && !strings.HasPrefix(k, "#") {
			keys[k] = v
		}
	}
	if got := keys["KillMode"]; got != "process" {
		t.Errorf("KillMode=%s; want process, so that a stop kills no job's processes", got)
	}
	stop, err := time.ParseDuration(keys["TimeoutStopSec"])
	if err != nil {
		t.Fatalf("TimeoutStopSec=%q: %v", keys["TimeoutStopSec"], err)
	}
	// The returns leave within the drain; the offline presence and the
	// last flush take a few seconds at most after it.
	if min := DefaultDrainTimeout + 10*time.Second; stop < min {
		t.Errorf("TimeoutStopSec=%v; want at least %v (drain_timeout's default, and time to say goodbye)", stop, min)
	}
}
