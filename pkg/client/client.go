// Package client is the operator's side of brine: it asks the master to
// publish jobs, follows their acks, heartbeats, state events and returns,
// and manages keys and the job cache. The command line (`brine TARGET
// FUNCTION`, `brine key`, `brine jobs`) is a thin layer over it.
package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/proto"
)

// Config says how to reach the master.
type Config struct {
	URL string
	// Creds is the operator's nkey seed file (operator.nk or readonly.nk
	// in the master's state dir).
	Creds string
	// CAFile pins the master's CA for tls:// URLs.
	CAFile string
	// ReadOnly marks the read-only credential: its inbox differs.
	ReadOnly bool
	// Name is the connection name, for the server's logs.
	Name string
	// Options are added to the connection's (the master's HTTP API
	// connects in process).
	Options []nats.Option
}

// Client is a connection to the master.
type Client struct {
	nc       *nats.Conn
	readOnly bool
	mu       sync.Mutex
	slow     map[*nats.Subscription]bool // followed jobs' subscriptions: dropped anything?
	req      *natsreq.Requester
	parts    proto.Assembler // returns arriving in parts
	jids     proto.JIDClock  // ids of the jobs it starts, never one twice
}

// Connect connects with the operator's credential.
func Connect(cfg Config) (*Client, error) {
	kp, err := readSeed(cfg.Creds)
	if err != nil {
		return nil, err
	}
	pub, _ := kp.PublicKey()
	name := cfg.Name
	if name == "" {
		name = "brine-cli"
	}
	c := &Client{}
	opts := []nats.Option{nats.Name(name), nats.Nkey(pub, kp.Sign), nats.MaxReconnects(-1),
		nats.ReconnectWait(200 * time.Millisecond), nats.ReconnectBufSize(8 << 20), nats.ErrorHandler(c.onAsyncError)}
	// Each credential receives only under its own inbox prefix, and the
	// master answers it only there.
	readOnly := cfg.ReadOnly || filepath.Base(cfg.Creds) == "readonly.nk"
	if readOnly {
		opts = append(opts, nats.CustomInboxPrefix(proto.ReadOnlyInbox))
	} else {
		opts = append(opts, nats.CustomInboxPrefix(proto.OperatorInbox))
	}
	if strings.HasPrefix(cfg.URL, "tls://") && cfg.CAFile != "" {
		opts = append(opts, nats.RootCAs(cfg.CAFile))
	}
	opts = append(opts, cfg.Options...)
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to master at %s: %w (is `brine master` running there? -c DIR names the directory of its master.yaml, --nats-url its address)", cfg.URL, err)
	}
	req, err := natsreq.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	c.nc, c.req, c.readOnly = nc, req, readOnly
	return c, nil
}

func readSeed(path string) (nkeys.KeyPair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("operator credential: %w (the master writes it at its first start, readable by root only: run brine as root on the master's host, or give --creds FILE or -c DIR)", err)
	}
	kp, err := nkeys.FromSeed([]byte(strings.TrimSpace(string(b))))
	if err != nil {
		return nil, fmt.Errorf("operator credential %s: %w", path, err)
	}
	return kp, nil
}

// Conn is the underlying connection.
func (c *Client) Conn() *nats.Conn { return c.nc }

// Close closes the connection.
func (c *Client) Close() { c.nc.Close() }

// ask sends a request to the master and decodes its reply.
func (c *Client) ask(ctx context.Context, subj string, req, reply proto.Message) error {
	if c.readOnly {
		// The read-only operator asks on subjects of its own.
		subj = proto.ReadOnlySubject(subj)
	}
	b, err := proto.Marshal(req)
	if err != nil {
		return err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
	}
	pause := 20 * time.Millisecond
	for {
		data, err := c.req.Request(ctx, &nats.Msg{Subject: subj, Data: b})
		if err != nil {
			if errors.Is(err, nats.ErrNoResponders) {
				return fmt.Errorf("no master answers on %s (is brine master running?): %w", c.nc.ConnectedUrlRedacted(), err)
			}
			return fmt.Errorf("ask master (%s): %w", subj, err)
		}
		if err := proto.Unmarshal(data, reply); err != nil {
			return err
		}
		var r proto.Reply
		if err := proto.Unmarshal(data, &r); err != nil {
			return err
		}
		if !r.Busy {
			return r.Err()
		}
		// The master's queue is full: ask again shortly.
		select {
		case <-ctx.Done():
			return fmt.Errorf("ask master (%s): %w", subj, r.Err())
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// Keys lists the key registry.
func (c *Client) Keys(ctx context.Context) ([]proto.KeyInfo, error) {
	var r proto.KeyListReply
	err := c.ask(ctx, proto.SubjKeyList, &proto.KeyListRequest{}, &r)
	return r.Keys, err
}

// KeyAction accepts, rejects or deletes keys; all takes every key the
// action applies to, include lets accept take rejected keys (and reject
// accepted ones).
//
// Named keys go in batches of KeyBatch, a request each, KeysInFlight
// of them at a time: the master changes the keys of one request one
// after the other (a registry write, and a disconnect so that the
// minion comes back with its new rights), and each request must end
// within its own timeout whatever the size of the fleet. After an
// error no further batch is sent (those in flight end); every key
// changed is returned with the first error, in order.
func (c *Client) KeyAction(ctx context.Context, action string, ids []string, all, include bool) ([]string, error) {
	if all {
		return c.keyAction(ctx, action, ids, all, include)
	}
	var batches [][]string
	for len(ids) > 0 {
		batch := ids[:min(KeyBatch, len(ids))]
		ids = ids[len(batch):]
		batches = append(batches, batch)
	}
	done := make([][]string, len(batches))
	errs := make([]error, len(batches))
	var failed atomic.Bool
	var wg sync.WaitGroup
	slots := make(chan struct{}, KeysInFlight)
	for i, batch := range batches {
		slots <- struct{}{}
		if failed.Load() {
			<-slots
			break
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			done[i], errs[i] = c.keyAction(ctx, action, batch, false, include)
			if errs[i] != nil {
				failed.Store(true)
			}
		}()
	}
	wg.Wait()
	var changed []string
	var first error
	for i := range batches {
		changed = append(changed, done[i]...)
		if first == nil {
			first = errs[i]
		}
	}
	return changed, first
}

// AcceptKey accepts one id with the public key given, whether or not it
// asked yet (brine ssh --bootstrap, which made the key).
func (c *Client) AcceptKey(ctx context.Context, id, nkey string) error {
	var r proto.KeyActionReply
	return c.ask(ctx, proto.SubjKeyAction, &proto.KeyActionRequest{Action: proto.KeyAccept, IDs: []string{id}, Nkey: nkey}, &r)
}

// KeyBatch is how many named keys one key action request carries, and
// KeysInFlight how many such requests go at once. A request ends once
// its keys are written, one registry write after the other, each slower
// the busier the master: accepting 10,000 keys over TLS, while the
// minions accepted before log in again, a write took 12 ms on average
// and over 120 ms at worst, and a request of 250 keys outlived its 30 s.
// 50 keys keep a request within a few seconds.
const (
	KeyBatch     = 50
	KeysInFlight = 4
)

func (c *Client) keyAction(ctx context.Context, action string, ids []string, all, include bool) ([]string, error) {
	var r proto.KeyActionReply
	err := c.ask(ctx, proto.SubjKeyAction, &proto.KeyActionRequest{Action: action, IDs: ids, All: all, Include: include}, &r)
	return r.Changed, err
}

// Jobs lists the job cache.
func (c *Client) Jobs(ctx context.Context) ([]proto.JobSummary, error) {
	var r proto.JobsListReply
	err := c.ask(ctx, proto.SubjJobsList, &proto.JobsRequest{}, &r)
	return r.Jobs, err
}

// Active lists the jobs minions are running.
func (c *Client) Active(ctx context.Context) ([]proto.JobSummary, error) {
	var r proto.JobsListReply
	err := c.ask(ctx, proto.SubjJobsActive, &proto.JobsRequest{}, &r)
	return r.Jobs, err
}

// Lookup returns one job and its returns, late ones included.
func (c *Client) Lookup(ctx context.Context, jid string) (*proto.JobLookupReply, error) {
	var r proto.JobLookupReply
	if err := c.ask(ctx, proto.SubjJobsLookup, &proto.JobsRequest{JID: jid}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// Kill stops a job on the minions running it.
func (c *Client) Kill(ctx context.Context, jid string) ([]string, error) {
	var r proto.JobsKillReply
	err := c.ask(ctx, proto.SubjJobsKill, &proto.JobsRequest{JID: jid}, &r)
	return r.Minions, err
}

// Drift asks which minions drifted from their states, by their latest
// dry run (tgtType "" is glob).
func (c *Client) Drift(ctx context.Context, tgt, tgtType string) ([]proto.DriftMinion, error) {
	var r proto.DriftReply
	err := c.ask(ctx, proto.SubjDrift, &proto.DriftRequest{Target: tgt, TargetType: tgtType}, &r)
	return r.Minions, err
}

// Minions lists the accepted minions and whether they are connected.
func (c *Client) Minions(ctx context.Context) ([]proto.MinionInfo, error) {
	var r proto.MinionsReply
	err := c.ask(ctx, proto.SubjMinions, &proto.MinionsRequest{}, &r)
	return r.Minions, err
}

// MinionGrains lists the accepted minions with their grains: every one,
// or the one id names (none when it is not an accepted minion).
func (c *Client) MinionGrains(ctx context.Context, id string) ([]proto.MinionInfo, error) {
	var r proto.MinionsReply
	err := c.ask(ctx, proto.SubjMinions, &proto.MinionsRequest{ID: id, Grains: true}, &r)
	return r.Minions, err
}

// ReadOnly reports whether the client holds the read-only credential.
func (c *Client) ReadOnly() bool { return c.readOnly }

// Job is what to run, and where.
type Job struct {
	Target     string
	TargetType string
	Fun        string
	Args       []any
	Kwargs     map[string]any
	// Timeout is how long to wait for news from a minion: for its ack,
	// then between its heartbeats (see Run).
	Timeout time.Duration
	// MaxWait, when set, bounds the whole wait.
	MaxWait time.Duration
	// Minions narrows the matched minions (a --batch slice).
	Minions []string
	// User is who asked, for the job cache (Salt's job User): the HTTP
	// API names itself.
	User string
}

// Status of one minion at the end of a wait.
type Status string

const (
	Returned     Status = "returned"
	Running      Status = "still running"
	NotConnected Status = "not connected"
	NoResponse   Status = "no response"
	// Lost is a minion that acknowledged the job and then went silent:
	// no heartbeat for LostAfter.
	Lost Status = "lost"
)

// MissedHeartbeats is how many heartbeats in a row a minion may miss
// before it is reported lost (and never less than the job's Timeout).
const MissedHeartbeats = 3

// LostAfter is how long a minion that acknowledged a job may stay
// silent before it is reported lost: MissedHeartbeats of its heartbeat
// interval (it says which in its ack), and at least timeout.
func LostAfter(timeout, heartbeat time.Duration) time.Duration {
	return max(timeout, MissedHeartbeats*heartbeat)
}

// Event is something that happened while waiting.
type Event struct {
	Minion string
	// Exactly one of these is set. Published comes first, once, with
	// the job id and the expected minions.
	Published    *proto.PublishReply
	NotConnected bool
	Ack          *proto.Ack
	States       *proto.StateEvents // a batch of finished states, in order
	Return       *proto.Return
	// Lost is set when the minion went silent (LastHeard says when it
	// was last heard from).
	Lost bool
	// Drained is set, alone and without a minion, once the events of
	// every message received so far have been given: a caller that
	// buffers what it prints writes it out then.
	Drained bool
}

// Result is the end of a wait: a status and, for those that returned,
// the return, per expected minion.
type Result struct {
	JID      string
	Minions  []string // expected (connected when published)
	Status   map[string]Status
	Returns  map[string]*proto.Return
	StatesOK int
	// LastHeard is when each minion that acknowledged was last heard
	// from.
	LastHeard map[string]time.Time
	// Capped is set when MaxWait ended the wait.
	Capped bool
}

// Failed reports whether any minion failed or did not return.
func (r *Result) Failed() bool {
	for id, s := range r.Status {
		if s != Returned {
			return true
		}
		if ret := r.Returns[id]; ret == nil || ret.Retcode != 0 {
			return true
		}
	}
	return false
}

// Resolve asks which minions a target matches, publishing nothing.
func (c *Client) Resolve(ctx context.Context, j Job) (*proto.PublishReply, error) {
	var r proto.PublishReply
	err := c.ask(ctx, proto.SubjPublish, &proto.PublishRequest{JID: c.jids.Next(time.Now()), Target: j.Target,
		TargetType: j.TargetType, Fun: j.Fun, Resolve: true}, &r)
	return &r, err
}

// Publish asks the master to publish a job and returns at once.
func (c *Client) Publish(ctx context.Context, j Job) (*proto.PublishReply, error) {
	return c.publish(ctx, c.jids.Next(time.Now()), j)
}

func (c *Client) publish(ctx context.Context, jid string, j Job) (*proto.PublishReply, error) {
	var r proto.PublishReply
	err := c.ask(ctx, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: j.Target, TargetType: j.TargetType,
		Fun: j.Fun, Args: j.Args, Kwargs: j.Kwargs, Timeout: proto.Duration(j.Timeout), Minions: j.Minions, User: j.User}, &r)
	return &r, err
}

// ErrDropped is returned when NATS dropped messages of the job on their
// way to this command (a slow consumer): the wait cannot vouch for what
// it missed, and says so rather than guess.
var ErrDropped = errors.New("messages of the job were dropped on their way to this command")

// Run publishes a job and follows it until every expected minion has
// returned, gone silent, or never answered; on is called for each event
// as it comes (not connected minions first, at once).
//
// Timeout is how long to wait without news, as Salt's timeout with its
// gather_job_timeout: a minion that has not acknowledged the job after
// Timeout gives "no response"; one that has is waited for as long as its
// heartbeats come, and is reported lost after LostAfter without one. MaxWait
// bounds the whole wait; minions still working then are "still running".
// Before naming any minion as missing, Run reads the job cache for its
// return. The job itself goes on after the wait; late returns land in the
// job cache.
func (c *Client) Run(ctx context.Context, j Job, on func(Event)) (*Result, error) {
	jid := c.jids.Next(time.Now())
	q := newQueue()
	// One subscription for the job's acks, heartbeats, events and
	// returns keeps each minion's messages in the order it sent them;
	// no pending limit, so NATS never drops one here.
	sub, err := c.nc.Subscribe(proto.JobWildcard(jid), q.push)
	if err == nil {
		err = sub.SetPendingLimits(-1, -1)
	}
	if err != nil {
		return nil, fmt.Errorf("follow job: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	c.watch(sub)
	defer c.unwatch(sub)
	// Listen first, publish after: no ack can come before we listen.
	if err := c.nc.Flush(); err != nil {
		return nil, fmt.Errorf("follow job: %w", err)
	}
	rep, err := c.publish(ctx, jid, j)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	res := &Result{JID: jid, Minions: rep.Minions, Status: map[string]Status{}, Returns: map[string]*proto.Return{},
		LastHeard: map[string]time.Time{}}
	emit := func(ev Event) {
		if on != nil {
			on(ev)
		}
	}
	emit(Event{Published: rep})
	for _, id := range rep.NotConnected {
		res.Status[id] = NotConnected
		emit(Event{Minion: id, NotConnected: true})
	}
	w := &waiter{res: res, timeout: j.Timeout, started: started, hb: map[string]time.Duration{}, waiting: map[string]bool{}}
	for _, id := range rep.Minions {
		w.waiting[id] = true
		res.Status[id] = NoResponse
	}
	tick := time.NewTicker(min(max(j.Timeout/10, 50*time.Millisecond), time.Second))
	defer tick.Stop()
	var capC <-chan time.Time
	if j.MaxWait > 0 {
		t := time.NewTimer(j.MaxWait)
		defer t.Stop()
		capC = t.C
	}
	for len(w.waiting) > 0 {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-capC:
			res.Capped = true
			c.settle(ctx, w, emit)
			return res, nil
		case <-q.ready:
			for _, msg := range q.take() {
				if ev := c.handle(w, msg); ev != nil {
					emit(*ev)
				}
			}
			emit(Event{Drained: true})
		case now := <-tick.C:
			if c.dropped(sub) {
				return res, fmt.Errorf("job %s: %w (see `brine jobs lookup %s`)", jid, ErrDropped, jid)
			}
			if len(w.overdue(now)) > 0 {
				c.settle(ctx, w, emit)
			}
		}
	}
	return res, nil
}

// waiter is what Run knows of each expected minion.
type waiter struct {
	res     *Result
	timeout time.Duration
	started time.Time
	hb      map[string]time.Duration // heartbeat interval, from the ack
	waiting map[string]bool
}

// overdue lists the minions waited for with no news for too long: no
// ack after timeout, or no heartbeat after LostAfter.
func (w *waiter) overdue(now time.Time) []string {
	var out []string
	for id := range w.waiting {
		last, heard := w.res.LastHeard[id]
		switch {
		case !heard && now.Sub(w.started) >= w.timeout:
			out = append(out, id)
		case heard && now.Sub(last) >= LostAfter(w.timeout, w.hb[id]):
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

// settle ends the wait for the overdue minions (every waiting one when
// the wait is capped): it first reads the job cache, where a return the
// command missed would be, then names the rest.
func (c *Client) settle(ctx context.Context, w *waiter, emit func(Event)) {
	ids := w.overdue(time.Now())
	if w.res.Capped {
		ids = ids[:0]
		for id := range w.waiting {
			ids = append(ids, id)
		}
		sort.Strings(ids)
	}
	if len(ids) == 0 {
		return
	}
	if lr, err := c.Lookup(ctx, w.res.JID); err == nil {
		for _, id := range ids {
			if ret, ok := lr.Returns[id]; ok {
				r := ret
				w.res.Returns[id] = &r
				w.res.Status[id] = Returned
				delete(w.waiting, id)
				emit(Event{Minion: id, Return: &r})
			}
		}
	}
	for _, id := range ids {
		if !w.waiting[id] {
			continue
		}
		delete(w.waiting, id)
		_, heard := w.res.LastHeard[id]
		switch {
		case w.res.Capped && heard:
			w.res.Status[id] = Running
		case heard:
			w.res.Status[id] = Lost
			emit(Event{Minion: id, Lost: true})
		default:
			w.res.Status[id] = NoResponse
		}
	}
}

func (c *Client) handle(w *waiter, msg *nats.Msg) *Event {
	res := w.res
	id := proto.MinionOf(msg.Subject)
	if _, expected := res.Status[id]; !expected || !w.waiting[id] {
		return nil
	}
	kind := proto.Kind(msg.Subject)
	switch kind {
	case "ack", "hb", "evt":
		res.LastHeard[id] = time.Now()
		if res.Status[id] == NoResponse {
			res.Status[id] = Running
		}
	}
	switch kind {
	case "ack":
		var a proto.Ack
		if proto.Unmarshal(msg.Data, &a) == nil {
			w.hb[id] = time.Duration(a.Heartbeat)
			return &Event{Minion: id, Ack: &a}
		}
	case "evt":
		var b proto.StateEvents
		if proto.Unmarshal(msg.Data, &b) == nil && b.ID == id && b.JID == res.JID && len(b.States) > 0 {
			res.StatesOK += len(b.States)
			return &Event{Minion: id, States: &b}
		}
	case "ret":
		i, n, err := proto.ParsePart(msg.Header.Get(proto.PartHeader))
		data := msg.Data
		if err == nil {
			var done bool
			data, done, err = c.parts.Add(msg.Subject, i, n, msg.Data)
			if err == nil && !done {
				res.LastHeard[id] = time.Now()
				return nil
			}
		}
		var r proto.Return
		if err == nil {
			err = proto.Unmarshal(data, &r)
		}
		if err == nil && (r.ID != id || r.JID != res.JID) {
			// Not this minion's return of this job: the master keeps
			// no such return either (it refuses it), so neither does
			// the command; the minion's own may follow.
			return nil
		}
		if err != nil {
			r = proto.Return{JID: res.JID, ID: id, Return: err.Error(), Retcode: 1}
		}
		res.Returns[id] = &r
		res.Status[id] = Returned
		delete(w.waiting, id)
		return &Event{Minion: id, Return: &r}
	}
	return nil
}

// queue hands a subscription's messages to Run without a bound: NATS
// delivers into it, Run takes what has come.
type queue struct {
	mu    sync.Mutex
	msgs  []*nats.Msg
	ready chan struct{}
}

func newQueue() *queue { return &queue{ready: make(chan struct{}, 1)} }

func (q *queue) push(m *nats.Msg) {
	q.mu.Lock()
	q.msgs = append(q.msgs, m)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

func (q *queue) take() []*nats.Msg {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.msgs
	q.msgs = nil
	return out
}

// watch and unwatch keep track of the subscriptions whose dropped
// messages the connection's error handler reports.
func (c *Client) watch(sub *nats.Subscription) {
	c.mu.Lock()
	if c.slow == nil {
		c.slow = map[*nats.Subscription]bool{}
	}
	c.slow[sub] = false
	c.mu.Unlock()
}

func (c *Client) unwatch(sub *nats.Subscription) {
	c.mu.Lock()
	delete(c.slow, sub)
	c.mu.Unlock()
}

func (c *Client) dropped(sub *nats.Subscription) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, err := sub.Dropped(); err == nil && n > 0 {
		return true
	}
	return c.slow[sub]
}

// onAsyncError notes a slow consumer on a watched subscription.
func (c *Client) onAsyncError(_ *nats.Conn, sub *nats.Subscription, err error) {
	if sub == nil || !errors.Is(err, nats.ErrSlowConsumer) {
		return
	}
	c.mu.Lock()
	if _, ok := c.slow[sub]; ok {
		c.slow[sub] = true
	}
	c.mu.Unlock()
}

// Sorted returns the ids of a status map in order.
func Sorted(m map[string]Status) []string {
	out := make([]string, 0, len(m))
	for id := range m {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// Trust reads the trust chain of the masters' job keys.
func (c *Client) Trust(ctx context.Context) (*proto.TrustReply, error) {
	var r proto.TrustReply
	err := c.ask(ctx, proto.SubjTrust, &proto.TrustRequest{}, &r)
	return &r, err
}

// TrustAppend adds a signed step to the trust chain.
func (c *Client) TrustAppend(ctx context.Context, step []byte) (*proto.TrustReply, error) {
	var r proto.TrustReply
	err := c.ask(ctx, proto.SubjTrust, &proto.TrustRequest{Step: step}, &r)
	return &r, err
}
