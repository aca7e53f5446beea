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
}

// Client is a connection to the master.
type Client struct {
	nc       *nats.Conn
	readOnly bool
	req      *natsreq.Requester
	parts    proto.Assembler // returns arriving in parts
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
	opts := []nats.Option{nats.Name(name), nats.Nkey(pub, kp.Sign), nats.MaxReconnects(-1),
		nats.ReconnectWait(200 * time.Millisecond), nats.ReconnectBufSize(8 << 20)}
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
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to master at %s: %w (is `brine master` running there? -c DIR names the directory of its master.yaml, --nats-url its address)", cfg.URL, err)
	}
	req, err := natsreq.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return &Client{nc: nc, req: req, readOnly: readOnly}, nil
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
	return r.Err()
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
func (c *Client) KeyAction(ctx context.Context, action string, ids []string, all, include bool) ([]string, error) {
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

// Minions lists the accepted minions and whether they are connected.
func (c *Client) Minions(ctx context.Context) ([]proto.MinionInfo, error) {
	var r proto.MinionsReply
	err := c.ask(ctx, proto.SubjMinions, &proto.MinionsRequest{}, &r)
	return r.Minions, err
}

// Job is what to run, and where.
type Job struct {
	Target     string
	TargetType string
	Fun        string
	Args       []any
	Kwargs     map[string]any
	Timeout    time.Duration
	// Minions narrows the matched minions (a --batch slice).
	Minions []string
}

// Status of one minion at the end of a wait.
type Status string

const (
	Returned     Status = "returned"
	Running      Status = "still running"
	NotConnected Status = "not connected"
	NoResponse   Status = "no response"
)

// Event is something that happened while waiting.
type Event struct {
	Minion string
	// Exactly one of these is set. Published comes first, once, with
	// the job id and the expected minions.
	Published    *proto.PublishReply
	NotConnected bool
	Ack          *proto.Ack
	State        *proto.StateEvent
	Return       *proto.Return
}

// Result is the end of a wait: a status and, for those that returned,
// the return, per expected minion.
type Result struct {
	JID      string
	Minions  []string // expected (connected when published)
	Status   map[string]Status
	Returns  map[string]*proto.Return
	StatesOK int
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
	err := c.ask(ctx, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: j.Target,
		TargetType: j.TargetType, Fun: j.Fun, Resolve: true}, &r)
	return &r, err
}

// Publish asks the master to publish a job and returns at once.
func (c *Client) Publish(ctx context.Context, j Job) (*proto.PublishReply, error) {
	return c.publish(ctx, proto.NewJID(time.Now()), j)
}

func (c *Client) publish(ctx context.Context, jid string, j Job) (*proto.PublishReply, error) {
	var r proto.PublishReply
	err := c.ask(ctx, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: j.Target, TargetType: j.TargetType,
		Fun: j.Fun, Args: j.Args, Kwargs: j.Kwargs, Timeout: proto.Duration(j.Timeout), Minions: j.Minions}, &r)
	return &r, err
}

// Run publishes a job and follows it until every expected minion has
// returned or the timeout runs out; on is called for each event as it
// comes (not connected minions first, at once). The job itself goes on
// after the timeout; late returns land in the job cache.
func (c *Client) Run(ctx context.Context, j Job, on func(Event)) (*Result, error) {
	jid := proto.NewJID(time.Now())
	msgs := make(chan *nats.Msg, 4096)
	var subs []*nats.Subscription
	defer func() {
		for _, s := range subs {
			_ = s.Unsubscribe()
		}
	}()
	// Listen first, publish after: no ack can come before we listen.
	for _, subj := range proto.JobSubjects(jid) {
		s, err := c.nc.ChanSubscribe(subj, msgs)
		if err != nil {
			return nil, fmt.Errorf("follow job: %w", err)
		}
		_ = s.SetPendingLimits(-1, -1)
		subs = append(subs, s)
	}
	if err := c.nc.Flush(); err != nil {
		return nil, fmt.Errorf("follow job: %w", err)
	}
	rep, err := c.publish(ctx, jid, j)
	if err != nil {
		return nil, err
	}
	res := &Result{JID: jid, Minions: rep.Minions, Status: map[string]Status{}, Returns: map[string]*proto.Return{}}
	if on != nil {
		on(Event{Published: rep})
	}
	for _, id := range rep.NotConnected {
		res.Status[id] = NotConnected
		if on != nil {
			on(Event{Minion: id, NotConnected: true})
		}
	}
	waiting := map[string]bool{}
	for _, id := range rep.Minions {
		waiting[id] = true
		res.Status[id] = NoResponse
	}
	timer := time.NewTimer(j.Timeout)
	defer timer.Stop()
	var mu sync.Mutex
	for len(waiting) > 0 {
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-timer.C:
			return res, nil
		case msg := <-msgs:
			id := proto.MinionOf(msg.Subject)
			mu.Lock()
			ev := c.handle(res, waiting, id, msg)
			mu.Unlock()
			if ev != nil && on != nil {
				on(*ev)
			}
		}
	}
	return res, nil
}

func (c *Client) handle(res *Result, waiting map[string]bool, id string, msg *nats.Msg) *Event {
	if _, expected := res.Status[id]; !expected {
		return nil
	}
	switch proto.Kind(msg.Subject) {
	case "ack", "hb":
		if res.Status[id] == NoResponse {
			res.Status[id] = Running
		}
		if proto.Kind(msg.Subject) == "ack" {
			var a proto.Ack
			if proto.Unmarshal(msg.Data, &a) == nil {
				return &Event{Minion: id, Ack: &a}
			}
		}
	case "evt":
		var e proto.StateEvent
		if proto.Unmarshal(msg.Data, &e) == nil {
			res.StatesOK++
			return &Event{Minion: id, State: &e}
		}
	case "ret":
		i, n, err := proto.ParsePart(msg.Header.Get(proto.PartHeader))
		data := msg.Data
		if err == nil {
			var done bool
			data, done, err = c.parts.Add(msg.Subject, i, n, msg.Data)
			if err == nil && !done {
				return nil
			}
		}
		var r proto.Return
		if err == nil {
			err = proto.Unmarshal(data, &r)
		}
		if err != nil {
			r = proto.Return{JID: res.JID, ID: id, Return: err.Error(), Retcode: 1}
		}
		if _, dup := res.Returns[id]; dup {
			return nil
		}
		res.Returns[id] = &r
		res.Status[id] = Returned
		delete(waiting, id)
		return &Event{Minion: id, Return: &r}
	}
	return nil
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
