package client

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestBatchSize(t *testing.T) {
	tests := []struct {
		total int
		spec  string
		want  int
		err   bool
	}{
		{10, "3", 3, false},
		{5, "10", 10, false},
		{200, "25%", 50, false},
		{10, "25%", 2, false},
		{3, "10%", 1, false},
		{10, "100%", 10, false},
		{10, "0", 0, true},
		{10, "101%", 0, true},
		{10, "x", 0, true},
	}
	for _, tt := range tests {
		got, err := BatchSize(tt.total, tt.spec)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("BatchSize(%d, %q) = %d, %v; want %d (error %v)", tt.total, tt.spec, got, err, tt.want, tt.err)
		}
	}
}

// The window rolls: while one slow run holds its slot, the other runs
// pass one after another through the second; never more than size at a
// time. Batches in waves would wait for the slow run and never finish.
func TestBatchRolls(t *testing.T) {
	othersDone := make(chan struct{})
	var mu sync.Mutex
	running, most, done := 0, 0, 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Batch(ctx, []string{"slow", "a", "b", "c", "d"}, 2, func(ctx context.Context, id string) error {
		mu.Lock()
		running++
		most = max(most, running)
		mu.Unlock()
		defer func() {
			mu.Lock()
			running--
			mu.Unlock()
		}()
		if id == "slow" {
			select {
			case <-othersDone:
			case <-ctx.Done():
				return errors.New("the others never ran past the slow one")
			}
			return nil
		}
		mu.Lock()
		if done++; done == 4 {
			close(othersDone)
		}
		mu.Unlock()
		if id == "b" {
			return errors.New("boom")
		}
		return nil
	})
	if most > 2 {
		t.Errorf("%d at once; want at most 2", most)
	}
	if err == nil || err.Error() != "b: boom" {
		t.Errorf("err = %v; want b: boom", err)
	}
}
