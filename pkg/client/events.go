package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// Events follows the master's event bus (every master's, in a cluster)
// from now on, and calls on for each event whose tag filter accepts (nil:
// all), in order, until ctx is done or on returns false. The read-only
// credential reads the redacted bus. A reader too slow for the bus loses
// events (the server drops them) rather than holding anyone up.
func (c *Client) Events(ctx context.Context, filter func(tag string) bool, on func(proto.Event) bool) error {
	return c.events(ctx, "", filter, on, nil)
}

// EventsQueue is Events for one of a group of readers (the reactors of
// the masters of one cluster): each event goes to one reader of the
// group only. ready, when set, is called once the server has the
// subscription: an event published after it is one this reader group
// sees.
func (c *Client) EventsQueue(ctx context.Context, group string, filter func(tag string) bool, on func(proto.Event) bool, ready func()) error {
	return c.events(ctx, group, filter, on, ready)
}

func (c *Client) events(ctx context.Context, group string, filter func(tag string) bool, on func(proto.Event) bool, ready func()) error {
	subj := proto.SubjBus
	if c.readOnly {
		subj = proto.SubjBusRO
	}
	ch := make(chan *nats.Msg, 4096)
	var sub *nats.Subscription
	var err error
	if group != "" {
		sub, err = c.nc.ChanQueueSubscribe(subj, group, ch)
	} else {
		sub, err = c.nc.ChanSubscribe(subj, ch)
	}
	if err != nil {
		return fmt.Errorf("event bus: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := c.nc.Flush(); err != nil {
		return fmt.Errorf("event bus: %w", err)
	}
	if err := c.nc.LastError(); err != nil {
		return fmt.Errorf("event bus: %w", err)
	}
	if ready != nil {
		ready()
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case msg := <-ch:
			var e proto.Event
			if json.Unmarshal(msg.Data, &e) != nil || e.Tag == "" {
				continue
			}
			if filter != nil && !filter(e.Tag) {
				continue
			}
			if !on(e) {
				return nil
			}
		}
	}
}
