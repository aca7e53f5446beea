package master

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/brine-cm/brine/pkg/proto"
)

// presenceKV is a presence bucket whose Get answers err (nil: an entry).
type presenceKV struct {
	jetstream.KeyValue
	err error
}

func (kv presenceKV) Get(context.Context, string) (jetstream.KeyValueEntry, error) {
	if kv.err != nil {
		return nil, kv.err
	}
	return nil, nil
}

// A minion whose presence the master has not heard is looked up in the
// bucket: an entry says connected, none (expired, deleted) not
// connected, and a bucket that cannot answer (a cluster electing its
// stream's leader) leaves the minion counted as connected, so that its
// job is sent rather than the minion reported "Not connected" on a guess
// (test/cluster's partition, run on a master just started).
func TestConnectedByPresenceBucket(t *testing.T) {
	cfg := &Config{PresenceTTL: Duration(90 * time.Second)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"an entry", nil, true},
		{"no entry", jetstream.ErrKeyNotFound, false},
		{"no entry, wrapped", errors.Join(errors.New("get"), jetstream.ErrKeyNotFound), false},
		{"no leader", jetstream.ErrNoStreamResponse, true},
		{"timeout", context.DeadlineExceeded, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Master{cfg: cfg, log: slog.New(slog.DiscardHandler), seen: map[string]time.Time{},
				every: map[string]time.Duration{}, presence: presenceKV{err: tt.err}}
			k := proto.KeyInfo{ID: "web1", Nkey: "UKEY", State: proto.KeyAccepted}
			if got := m.connected(context.Background(), k); got != tt.want {
				t.Errorf("connected = %v; want %v", got, tt.want)
			}
		})
	}
}
