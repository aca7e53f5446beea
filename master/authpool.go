package master

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"runtime"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
)

// authBacklog bounds the callouts waiting for a worker; past it a
// callout is dropped, the server gives up on it at its auth timeout,
// and the client connects again.
const authBacklog = 4096

// authHandler returns the handler of the auth callout subscription: it
// hands each request to one of a few workers that the master owns, one
// per CPU, so that callouts (two signatures and two verifications each)
// are answered in parallel rather than one after the other behind a
// fleet that connects at once.
func (m *Master) authHandler() nats.MsgHandler {
	ch := make(chan *nats.Msg, authBacklog)
	for range max(2, runtime.GOMAXPROCS(0)) {
		m.goOwned(func(ctx context.Context) {
			for {
				select {
				case <-ctx.Done():
					return
				case msg := <-ch:
					m.authorize(msg)
				}
			}
		})
	}
	return func(msg *nats.Msg) {
		select {
		case ch <- msg:
		default:
			m.refused.note("auth", "callout", "too many connections waiting for authorisation; the client will try again")
		}
	}
}

// calloutExpired reads a callout request's expiry, without verifying
// the request (authorize does that next): the server waits for an
// answer only until then (its auth timeout), so a request that waited
// longer for a worker is dropped, rather than answered with two
// signatures nobody reads while the requests behind it expire in turn.
func calloutExpired(token string, now time.Time) bool {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var c struct {
		Expires int64 `json:"exp"`
	}
	if json.Unmarshal(b, &c) != nil || c.Expires == 0 {
		return false
	}
	// Expires is in whole seconds.
	return now.Unix() > c.Expires
}
