package minion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// ErrEventRefused is the master refusing an event a minion sent (its
// tag, size or rate); the error wrapping it says why.
var ErrEventRefused = errors.New("the master refused the event")

// SendEvent sends an event to the master's bus as this minion (`brine
// event send`, Salt's `salt-call event.send`): it logs in with the
// minion's own key, as the minion does, and the master publishes the
// event under "minion/<id>/<tag>" once it has checked it. data is JSON
// (nil: {}). The minion's key must be accepted.
func SendEvent(ctx context.Context, cfg *Config, tag string, data json.RawMessage) error {
	if err := proto.ValidEventTag(tag); err != nil {
		return err
	}
	if len(data) > 0 && !json.Valid(data) {
		return fmt.Errorf("event data is not JSON")
	}
	b, err := proto.Marshal(&proto.MinionEvent{Tag: tag, Data: data})
	if err != nil {
		return err
	}
	if len(b) > proto.MaxMinionEventBytes {
		return fmt.Errorf("event of %d bytes: the master takes %d at most", len(b), proto.MaxMinionEventBytes)
	}
	nc, err := dialAsMinion(cfg)
	if err != nil {
		return err
	}
	defer nc.Close()
	return sendEventOn(ctx, nc, cfg.ID, b)
}

func sendEventOn(ctx context.Context, nc *nats.Conn, id string, b []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	msg, err := nc.RequestWithContext(ctx, proto.SubjMinionEvent(id), b)
	if err != nil {
		return fmt.Errorf("send event: %w", helloFailure(err, false))
	}
	var r proto.Reply
	if err := proto.Unmarshal(msg.Data, &r); err != nil {
		return fmt.Errorf("send event: %w", err)
	}
	if r.Error != "" {
		return fmt.Errorf("%w: %s", ErrEventRefused, r.Error)
	}
	return nil
}

// dialAsMinion connects to the master with the minion's key and pins,
// once, for a command run next to the minion (its daemon keeps its own
// connection).
func dialAsMinion(cfg *Config) (*nats.Conn, error) {
	u, err := ParseMasterURL(cfg.Master)
	if err != nil {
		return nil, fmt.Errorf("minion config: master %q: %w", cfg.Master, err)
	}
	kp, err := readKey(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	pins, err := loadPins(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	ca := &caPin{pinned: pins.CAFinger}
	if cfg.MasterFinger != "" {
		ca.pinned = cfg.MasterFinger
	}
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(u.String(),
		nats.Name(cfg.ID),
		nats.Nkey(pub, kp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix(cfg.ID)),
		nats.SetCustomDialer(&masterDialer{url: u, ca: ca}),
		nats.SkipHostLookup(),
		nats.IgnoreDiscoveredServers(),
		nats.NoReconnect(),
	)
	if err != nil {
		return nil, fmt.Errorf("connect to the master: %w", err)
	}
	return nc, nil
}
