package events

import (
	"context"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
)

func ev(tag string) proto.Event { return proto.Event{Tag: tag, Data: []byte(`{}`)} }

func TestHubFilterAndOrder(t *testing.T) {
	h := NewHub()
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
	h := NewHub()
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
	h := NewHub()
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
