package events

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

func ev(tag string) proto.Event { return proto.Event{Tag: tag, Data: []byte(`{}`)} }

func TestHubFilterAndOrder(t *testing.T) {
	h := NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := h.Subscribe(ctx, func(tag string) bool { return strings.HasPrefix(tag, "salt/job/") })
	all := h.Subscribe(ctx, nil)
	for _, tag := range []string{"salt/job/1/new", "salt/key", "salt/job/1/ret/a"} {
		h.Publish(ev(tag))
	}
	for _, want := range []string{"salt/job/1/new", "salt/job/1/ret/a"} {
		if got := (<-jobs).Tag; got != want {
			t.Fatalf("filtered subscriber got %q; want %q", got, want)
		}
	}
	for _, want := range []string{"salt/job/1/new", "salt/key", "salt/job/1/ret/a"} {
		if got := (<-all).Tag; got != want {
			t.Fatalf("subscriber got %q; want %q", got, want)
		}
	}
}

func TestHubSlowSubscriberLosesNotBlocks(t *testing.T) {
	h := NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	slow := h.Subscribe(ctx, nil)
	for i := 0; i < Buffer+10; i++ {
		h.Publish(ev("t")) // would block forever if Publish waited
	}
	if got := h.Dropped(); got != 10 {
		t.Fatalf("Dropped() = %d; want 10", got)
	}
	if got := len(slow); got != Buffer {
		t.Fatalf("buffered %d; want %d", got, Buffer)
	}
}

func TestHubCancelAndClose(t *testing.T) {
	h := NewHub(nil)
	ctx, cancel := context.WithCancel(context.Background())
	ch := h.Subscribe(ctx, nil)
	other := h.Subscribe(context.Background(), nil)
	cancel()
	for range ch {
	}
	if n := h.Subscribers(); n != 1 {
		t.Fatalf("Subscribers() = %d after a cancel; want 1", n)
	}
	h.Publish(ev("x"))
	h.Close()
	n := 0
	for range other {
		n++
	}
	if n != 1 {
		t.Fatalf("got %d events before the close; want 1", n)
	}
	if _, ok := <-h.Subscribe(context.Background(), nil); ok {
		t.Fatal("a subscription after Close is open")
	}
}

// TestHubWatch: watch hears the hub gain its first subscriber, before
// Subscribe returns, and lose its last, and nothing between.
func TestHubWatch(t *testing.T) {
	var h *Hub
	seen := make(chan int, 8)
	h = NewHub(func() { seen <- h.Subscribers() })
	next := func(want int) {
		t.Helper()
		select {
		case got := <-seen:
			if got != want {
				t.Fatalf("watch saw %d subscribers; want %d", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("watch not called; want it to see %d subscribers", want)
		}
	}
	ctx1, cancel1 := context.WithCancel(context.Background())
	h.Subscribe(ctx1, nil)
	if len(seen) != 1 {
		t.Fatal("Subscribe returned before watch heard of the first subscriber")
	}
	next(1)
	ctx2, cancel2 := context.WithCancel(context.Background())
	h.Subscribe(ctx2, nil)
	cancel1()
	cancel2()
	// The cancels' removals run apart: the first leaves one.
	next(0)
	h.Subscribe(context.Background(), nil)
	next(1)
	h.Close()
	next(0)
	if len(seen) != 0 {
		t.Fatalf("watch called %d more times", len(seen))
	}
}
