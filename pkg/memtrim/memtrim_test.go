//go:build linux

package memtrim

import (
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReadOnlyMapping(t *testing.T) {
	exe := "/usr/bin/brine"
	tests := []struct {
		line   string
		lo, hi uint64
		ok     bool
	}{
		{"00400000-004af000 r-xp 00000000 fd:00 123 /usr/bin/brine", 0x400000, 0x4af000, true},
		{"004af000-00595000 r--p 000af000 fd:00 123 /usr/bin/brine", 0x4af000, 0x595000, true},
		{"00595000-005a0000 rw-p 00195000 fd:00 123 /usr/bin/brine", 0, 0, false},
		{"7f00-8f00 r-xp 00000000 fd:00 9 /usr/lib/libc.so.6", 0, 0, false},
		{"7f00-8f00 rw-p 00000000 00:00 0", 0, 0, false},
		{"garbage", 0, 0, false},
	}
	for _, tt := range tests {
		lo, hi, ok := readOnlyMapping(tt.line, exe)
		if lo != tt.lo || hi != tt.hi || ok != tt.ok {
			t.Errorf("readOnlyMapping(%q) = %x, %x, %v; want %x, %x, %v", tt.line, lo, hi, ok, tt.lo, tt.hi, tt.ok)
		}
	}
}

func rssFileKB(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "RssFile:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	t.Fatal("no RssFile in /proc/self/status")
	return 0
}

// The test binary's own code pages are what Idle gives back.
func TestIdleShrinksFileBackedResidentSet(t *testing.T) {
	before := rssFileKB(t)
	Idle()
	after := rssFileKB(t)
	if after >= before {
		t.Fatalf("RssFile %d kB before Idle, %d kB after; want it smaller", before, after)
	}
}

func TestTrimmer(t *testing.T) {
	var n atomic.Int32
	tr := &Trimmer{after: 20 * time.Millisecond, trim: func() { n.Add(1) }}
	tr.Quiet()
	tr.Busy() // work started before the quiet spell ended: no trim
	time.Sleep(60 * time.Millisecond)
	if got := n.Load(); got != 0 {
		t.Fatalf("trimmed %d times after Busy; want 0", got)
	}
	tr.Quiet()
	tr.Quiet() // restarts the wait, still one trim
	deadline := time.Now().Add(2 * time.Second)
	for n.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond)
	if got := n.Load(); got != 1 {
		t.Fatalf("trimmed %d times after a quiet spell; want 1", got)
	}
}

// Users of one trimmer: it trims once every user is quiet, once.
func TestTrimmerUsers(t *testing.T) {
	var n atomic.Int32
	tr := &Trimmer{after: 20 * time.Millisecond, trim: func() { n.Add(1) }}
	a, b := tr.User(), tr.User()
	a.Busy()
	b.Busy()
	b.Busy() // counts once
	a.Quiet()
	a.Quiet() // a was not busy: no count below zero
	time.Sleep(60 * time.Millisecond)
	if got := n.Load(); got != 0 {
		t.Fatalf("trimmed %d times while a user is busy; want 0", got)
	}
	b.Quiet()
	deadline := time.Now().Add(2 * time.Second)
	for n.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(60 * time.Millisecond)
	if got := n.Load(); got != 1 {
		t.Fatalf("trimmed %d times once every user was quiet; want 1", got)
	}
	// A user that goes quiet without having been busy (a daemon that
	// just started) starts the wait too.
	tr.User().Quiet()
	deadline = time.Now().Add(2 * time.Second)
	for n.Load() == 1 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := n.Load(); got != 2 {
		t.Fatalf("trimmed %d times; want 2 after a new user went quiet", got)
	}
}
