package proc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A cancelled command's grandchildren go with it.
func TestGroupKillsTheTree(t *testing.T) {
	mark := fmt.Sprintf("%d.%d", os.Getpid(), time.Now().UnixNano()%100000)
	ctx, cancel := context.WithCancel(context.Background())
	c := Group(exec.CommandContext(ctx, "/bin/sh", "-c", "sleep "+mark+" & sleep "+mark+"; wait"))
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100 && count(mark) < 2; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(mark); n != 2 {
		t.Fatalf("%d sleeps running; want 2", n)
	}
	cancel()
	_ = c.Wait()
	for i := 0; i < 100 && count(mark) > 0; i++ {
		time.Sleep(20 * time.Millisecond)
	}
	if n := count(mark); n != 0 {
		t.Errorf("%d sleeps left after the cancel", n)
	}
}

// count is how many live processes run `sleep mark`.
func count(mark string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		st, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
		if strings.Contains(string(st), ") Z ") {
			continue // a zombie is dead
		}
		if string(b) == "sleep\x00"+mark+"\x00" {
			n++
		}
	}
	return n
}
