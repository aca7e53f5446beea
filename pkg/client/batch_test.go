package client

import (
	"context"
	"errors"
	"sync"
	"testing"
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

// The window rolls: when one run ends the next starts at once, while a
// slow one goes on; never more than size at a time.
func TestBatchRolls(t *testing.T) {
	slow := make(chan struct{})
	var mu sync.Mutex
	running, most := 0, 0
	var order []string
	err := Batch(context.Background(), []string{"slow", "a", "b", "c", "d"}, 2, func(_ context.Context, id string) error {
		mu.Lock()
		running++
		most = max(most, running)
		order = append(order, id)
		mu.Unlock()
		if id == "slow" {
			<-slow
		}
		mu.Lock()
		running--
		if id == "d" {
			close(slow) // the others all passed the slow one
		}
		mu.Unlock()
		if id == "b" {
			return errors.New("boom")
		}
		return nil
	})
	if most != 2 {
		t.Errorf("at most %d at once; want 2", most)
	}
	if len(order) != 5 || order[0] != "slow" {
		t.Errorf("order %v", order)
	}
	if err == nil || err.Error() != "b: boom" {
		t.Errorf("err = %v; want b: boom", err)
	}
}
