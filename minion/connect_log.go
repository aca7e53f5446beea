package minion

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// layer is where on the way to the master a failure happened; a success
// at one layer ends a failure at that layer or below, never one above
// (a pending key stays pending when the TCP connection works).
type layer int

const (
	layerDial   layer = iota + 1 // DNS, TCP, greeting, TLS
	layerLogin                   // the NATS CONNECT and its authorisation
	layerMaster                  // the master's answer to hello
)

// errLoginFailed is a connection that got through TLS and then closed
// without a word nats.go passes on.
var errLoginFailed = errors.New("the master's server closed the connection during login")

// Spells between two logs of the same failure: the first at once, the
// next after firstRepeat, then twice as long each time up to maxRepeat,
// whatever the retry rate (which can be 4 a second).
const (
	firstRepeat = 10 * time.Second
	maxRepeat   = 10 * time.Minute
)

// connLog logs the state of the way to the master: each distinct
// failure when it starts, the same again with backoff while it lasts,
// and its end once.
type connLog struct {
	log *slog.Logger
	url MasterURL
	id  string
	now func() time.Time // time.Now; tests set their own clock

	mu    sync.Mutex
	cur   Diagnosis // KindNone when all is well
	layer layer
	since time.Time
	tries int
	next  time.Time
	gap   time.Duration
}

func newConnLog(log *slog.Logger, u MasterURL, id string) *connLog {
	return &connLog{log: log, url: u, id: id, now: time.Now}
}

// failed notes a failed try at layer l.
func (c *connLog) failed(l layer, err error) {
	d := Diagnose(err, c.url, c.id)
	now := c.now()
	c.mu.Lock()
	if d.Kind != c.cur.Kind {
		c.layer, c.since, c.tries, c.gap, c.next = l, now, 0, firstRepeat, now
	}
	c.cur = d
	c.tries++
	if now.Before(c.next) {
		c.mu.Unlock()
		return
	}
	tries, since := c.tries, c.since
	c.next = now.Add(c.gap)
	c.gap = min(2*c.gap, maxRepeat)
	c.mu.Unlock()
	attrs := append(d.attrs(), "master", failedAt(err, c.url).String())
	if tries > 1 {
		attrs = append(attrs, "tries", tries, "for", now.Sub(since).Round(time.Second).String())
	}
	c.log.Log(context.Background(), d.level(), d.What, attrs...)
}

// again counts one more try of the current failure at layer l, when
// there is one there; with none, err stands for it.
func (c *connLog) again(l layer, err error) {
	c.mu.Lock()
	cur, at := c.cur, c.layer
	c.mu.Unlock()
	if cur.Kind != KindNone && at == l {
		err = cur.Err
	}
	c.failed(l, err)
}

// ok notes a success at layer l: a failure at l or below is over.
func (c *connLog) ok(l layer) {
	now := c.now()
	c.mu.Lock()
	cur, at, since, tries := c.cur, c.layer, c.since, c.tries
	if cur.Kind == KindNone || at > l {
		c.mu.Unlock()
		return
	}
	c.cur, c.layer = Diagnosis{}, 0
	c.mu.Unlock()
	msg := "the master is reachable again"
	if cur.Kind == KindPending {
		msg = "the master accepted this minion's key"
	}
	c.log.Info(msg, "after", cur.Kind.String(), "tries", tries, "for", now.Sub(since).Round(time.Second).String())
}
