// Package natsreq makes NATS requests whose answers may come in parts
// (proto.PartHeader): the master answers anything larger than one
// message that way, and nats.go's own Request keeps only the first
// message of an answer. One Requester serves a connection, over one
// wildcard subscription in the connection's inbox, as nats.go's own
// request mux does.
package natsreq

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// Requester makes requests on one connection.
type Requester struct {
	nc   *nats.Conn
	base string
	sub  *nats.Subscription
	// MaxBytes bounds one answer, whole.
	MaxBytes int64

	mu      sync.Mutex
	next    uint64
	waiting map[string]chan *nats.Msg
}

// New subscribes under the connection's inbox (its custom inbox prefix,
// when it has one: the only place a minion or an operator may receive).
func New(nc *nats.Conn) (*Requester, error) {
	r := &Requester{nc: nc, base: nc.NewInbox(), waiting: map[string]chan *nats.Msg{}, MaxBytes: 256 << 20}
	sub, err := nc.Subscribe(r.base+".*", r.deliver)
	if err != nil {
		return nil, fmt.Errorf("request inbox: %w", err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return nil, fmt.Errorf("request inbox: %w", err)
	}
	r.sub = sub
	return r, nil
}

// Close stops the subscription.
func (r *Requester) Close() { _ = r.sub.Unsubscribe() }

func (r *Requester) deliver(msg *nats.Msg) {
	tok := msg.Subject[len(r.base)+1:]
	r.mu.Lock()
	ch := r.waiting[tok]
	r.mu.Unlock()
	if ch == nil {
		return
	}
	select {
	case ch <- msg:
	default:
		// The asker has more parts queued than any answer has; it
		// will time out rather than take a garbled answer.
	}
}

// Request publishes msg with a reply subject of its own and returns the
// whole answer, put together from its parts.
func (r *Requester) Request(ctx context.Context, msg *nats.Msg) ([]byte, error) {
	r.mu.Lock()
	r.next++
	tok := strconv.FormatUint(r.next, 36)
	ch := make(chan *nats.Msg, 64)
	r.waiting[tok] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.waiting, tok)
		r.mu.Unlock()
	}()
	msg.Reply = r.base + "." + tok
	if err := r.nc.PublishMsg(msg); err != nil {
		return nil, err
	}
	parts := &proto.Assembler{MaxBytes: r.MaxBytes}
	for {
		select {
		case <-ctx.Done():
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("%w (%s)", nats.ErrTimeout, msg.Subject)
			}
			return nil, ctx.Err()
		case in := <-ch:
			if len(in.Data) == 0 && in.Header.Get("Status") == "503" {
				return nil, nats.ErrNoResponders
			}
			i, n, err := proto.ParsePart(in.Header.Get(proto.PartHeader))
			if err != nil {
				return nil, err
			}
			whole, done, err := parts.Add(tok, i, n, in.Data)
			if err != nil {
				return nil, err
			}
			if done {
				return whole, nil
			}
		}
	}
}
