package master

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestIdleTrim gives memory back once after each quiet spell that
// follows work from the minions, and never while there was none.
func TestIdleTrim(t *testing.T) {
	cfg := masterConfig(t.TempDir())
	cfg.IdleTrim = Duration(50 * time.Millisecond)
	m := New(cfg, Options{Log: testLog()})
	var trims atomic.Int64
	m.trimMemory = func() { trims.Add(1) }
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	// quiet waits for ten of the spells with no trim beyond want.
	quiet := func(want int64) {
		t.Helper()
		for range 10 {
			time.Sleep(50 * time.Millisecond)
			if n := trims.Load(); n != want {
				t.Fatalf("%d trims; want %d", n, want)
			}
		}
	}
	quiet(0)
	for round := int64(1); round <= 2; round++ {
		if !m.work.try("m1", func() {}) {
			t.Fatal("the work pool refused")
		}
		checkFor(t, 10*time.Second, 10*time.Millisecond, func() error {
			if n := trims.Load(); n != 2*round {
				return fmt.Errorf("%d trims; want %d", n, 2*round)
			}
			return nil
		})
		quiet(2 * round)
	}
}

func TestIdleTrimOff(t *testing.T) {
	cfg := Defaults()
	cfg.IdleTrim = -1
	if err := cfg.Validate(); err == nil {
		t.Error("idle_trim -1 is valid; want an error")
	}
	cfg.IdleTrim = 0
	m := &Master{cfg: &cfg, work: newWorkPool(1), trimMemory: func() { t.Error("trimmed with idle_trim 0") }}
	m.work.try("m1", func() {})
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.idleTrim(context.Background()) // off: returns at once
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("idleTrim with idle_trim 0 runs on")
	}
}
