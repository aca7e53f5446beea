package master

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// stuckWatcher delivers its entries but, the first time, never the nil
// marker that says the bucket was read whole: as a watcher made while a
// cluster's stream has no leader yet.
type stuckWatcher struct {
	ch      chan jetstream.KeyValueEntry
	stopped chan struct{}
}

func (w *stuckWatcher) Updates() <-chan jetstream.KeyValueEntry { return w.ch }
func (w *stuckWatcher) Stop() error                             { close(w.stopped); return nil }

type entry struct {
	jetstream.KeyValueEntry
	key string
}

func (e entry) Key() string { return e.key }

// TestFollowWatchesAgain: a watcher that never delivers its marker is
// stopped and made again, and follow returns once a watcher has read the
// bucket whole; without the retry it waits until its context ends.
func TestFollowWatchesAgain(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	m := &Master{log: slog.New(slog.NewTextHandler(io.Discard, nil)), runCtx: ctx, watchPatience: 20 * time.Millisecond}
	var made []*stuckWatcher
	watch := func(context.Context) (jetstream.KeyWatcher, error) {
		w := &stuckWatcher{ch: make(chan jetstream.KeyValueEntry, 2), stopped: make(chan struct{})}
		w.ch <- entry{key: "k"}
		if len(made) > 0 {
			w.ch <- nil // the second watcher reads the bucket whole
		}
		made = append(made, w)
		return w, nil
	}
	seen := 0
	fctx, fcancel := context.WithTimeout(ctx, time.Minute) // stops a hung test only
	defer fcancel()
	if err := m.follow(fctx, "test", watch, func(jetstream.KeyValueEntry) { seen++ }); err != nil {
		t.Fatalf("follow: %v", err)
	}
	if len(made) != 2 {
		t.Fatalf("follow made %d watchers; want 2", len(made))
	}
	select {
	case <-made[0].stopped:
	default:
		t.Error("the first watcher was not stopped before the second was made")
	}
	if seen != 2 {
		t.Errorf("apply saw %d entries; want each watcher's one", seen)
	}
	cancel()
	m.wg.Wait()
}
