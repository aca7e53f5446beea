package minion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/memtrim"
	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/statelock"
)

// ErrWrongMaster is returned when the master's keys do not match the pins.
var ErrWrongMaster = errors.New("master does not match the pinned keys")

// Minion is a running minion.
type Minion struct {
	cfg *Config
	log *slog.Logger
	id  string
	kp  nkeys.KeyPair
	pub string
	ca  caPin

	mu    sync.Mutex
	pins  Pins
	nc    *nats.Conn
	jobs  map[string]*running // jid -> job
	trim  *memtrim.User       // gives memory back after a quiet spell
	req   *natsreq.Requester  // requests to the master, made once accepted
	state string              // jid of the state run going on, if any
	// stateDone is closed when that state run ends, for the runs that
	// wait their turn (queue=True).
	stateDone chan struct{}
	seen      *proto.ReplayCache
	// book keeps the nonces and the journal on disk (book.go);
	// interrupted are the jobs it held at this start (journal.go).
	book        *book
	interrupted []journalEntry
	// lost is closed when the connection is lost, for the requests
	// waiting on it (files.go requestOnce).
	lost chan struct{}
	// manifests keeps the state tree's manifest (manifest.go);
	// verified the cache files seen whole (fetch.go).
	manifests manifests
	verified  verifiedSet
	// swept is when the cache was last swept of stale temp files
	// (fetch.go), in Unix nanoseconds; 0: not yet.
	swept atomic.Int64
	// lastRefresh is when a job signed by an unknown key last made the
	// minion ask for the trust chain (trust.go).
	lastRefresh time.Time
	// jids gives the ids of the jobs the minion starts itself (startup
	// and scheduled runs), never one twice.
	jids proto.JIDClock

	grainsMu   sync.Mutex
	grains     map[string]any
	grainsSent string
	// Grains, when set, collects the host grains (pkg/grains);
	// static grains from minion.yaml are merged over them.
	Grains func() map[string]any

	accepted atomic.Bool
	// conn logs what goes wrong on the way to the master, each failure
	// as what it is.
	conn *connLog
	// url is cfg.Master, parsed (Validate checked it).
	url MasterURL
	// denials counts permission violations the server reported: a hello
	// that times out with one is a key the master has not accepted.
	denials atomic.Int64
	// connects counts connections made; dialOK is its value at the last
	// dial that got through TLS, to tell a login that failed after it.
	connects atomic.Int64
	dialOK   atomic.Int64
	lock     *statelock.Lock
	reconn   chan struct{} // a (re)connect happened
	// Every goroutine the minion starts has one of these owners, which
	// Run waits on: jobsG the jobs (and returns, and startup states),
	// which a stop drains; bg the rest (hellos and announcements on
	// reconnect), which a stop ends. Both refuse new goroutines once
	// the stop has begun.
	jobsG *owner
	bg    *owner
	// subs are the job and kill subscriptions, ended first on a stop.
	subs []*nats.Subscription
	// abandoned is set when a stop leaves jobs running: they keep their
	// journal entries, for the next start to report them interrupted.
	abandoned atomic.Bool
	// Ready is called once the minion is accepted and listening for jobs.
	Ready func()
	// metrics are the minion's Prometheus metrics; metricsSrv serves
	// them when minion.yaml asks (under mu).
	metrics    *minionMetrics
	metricsSrv *metrics.Server
	// sched is the minion's schedule (schedule.go).
	sched *scheduler
	// minePillar is set once a pillar held mine_functions; mineKick
	// asks the mine loop for an update (mine.go).
	minePillar atomic.Bool
	mineKick   chan struct{}
}

type running struct {
	fun    string
	args   []any
	start  time.Time
	cancel context.CancelFunc
	// queued is a state run with queue=True waiting for the one going on.
	queued bool
}

// New prepares a minion from its config; Run runs it.
func New(cfg *Config, log *slog.Logger) *Minion {
	if log == nil {
		log = slog.Default()
	}
	m := &Minion{cfg: cfg, log: log.With("minion", cfg.ID), id: cfg.ID, jobs: map[string]*running{}, seen: proto.NewReplayCache(),
		trim:   memtrim.NewTrimmer(idleTrimAfter).User(),
		reconn: make(chan struct{}, 1), jobsG: newOwner(), bg: newOwner(), mineKick: make(chan struct{}, 1)}
	m.metrics = newMinionMetrics(m)
	return m
}

// idleTrimAfter is how long a minion waits with nothing to do before it
// gives memory back; jobs that come one after another keep their pages.
const idleTrimAfter = 10 * time.Second

// ShareTrimmer makes the minion one user of t, the memory trimmer of a
// process that runs several minions (memtrim.Idle acts on the whole
// process: one trimmer each would trim it once per minion). Call it
// before Run.
func (m *Minion) ShareTrimmer(t *memtrim.Trimmer) { m.trim = t.User() }

// ID is the minion id.
func (m *Minion) ID() string { return m.id }

// PublicKey is the minion's nkey, as `brine key finger` lists it.
func (m *Minion) PublicKey() string { return m.pub }

func (m *Minion) init() (err error) {
	if m.url, err = ParseMasterURL(m.cfg.Master); err != nil {
		return fmt.Errorf("minion config: master %q: %w", m.cfg.Master, err)
	}
	m.conn = newConnLog(m.log, m.url, m.id)
	for _, d := range []string{m.cfg.StateDir, m.cfg.CacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("minion: %w", err)
		}
	}
	// Before the key is read or made: a second minion on this state dir
	// must not share it.
	if m.lock, err = lockStateDir(m.cfg.StateDir); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			m.book.close()
			m.lock.Release()
		}
	}()
	kp, err := loadKey(m.cfg.StateDir)
	if err != nil {
		return err
	}
	m.kp = kp
	m.pub, _ = kp.PublicKey()
	if m.pins, err = loadPins(m.cfg.StateDir); err != nil {
		return err
	}
	m.ca.pinned = m.pins.CAFinger
	if m.cfg.MasterFinger != "" {
		if m.pins.CAFinger != "" && m.pins.CAFinger != m.cfg.MasterFinger {
			return fmt.Errorf("minion: master_finger %s differs from the pinned %s: %w", m.cfg.MasterFinger, m.pins.CAFinger, ErrWrongMaster)
		}
		m.ca.pinned = m.cfg.MasterFinger
	}
	bk, st, err := openBook(m.cfg.StateDir, time.Now(), m.liveNonces, m.log.Warn)
	if err != nil {
		return fmt.Errorf("minion: %w", err)
	}
	m.book = bk
	m.seen.Load(st.nonces)
	for _, e := range st.running {
		m.interrupted = append(m.interrupted, e)
	}
	slices.SortFunc(m.interrupted, func(a, b journalEntry) int { return strings.Compare(a.JID, b.JID) })
	m.grains = m.collectGrains()
	if m.sched, err = newScheduler(m); err != nil {
		return err
	}
	return nil
}

func (m *Minion) connect() (*nats.Conn, error) {
	d := &masterDialer{url: m.url, ca: &m.ca, result: m.dialed}
	opts := []nats.Option{
		nats.Name(m.id),
		nats.Nkey(m.pub, m.kp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix(m.id)),
		// The dialer resolves, connects and does TLS itself, so that
		// each failure is seen and TLS is never left to the server.
		nats.SetCustomDialer(d),
		nats.SkipHostLookup(),
		nats.IgnoreDiscoveredServers(),
		// A pending minion is refused until accepted; keep trying.
		nats.IgnoreAuthErrorAbort(),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.CustomReconnectDelay(m.backoff()),
		nats.ReconnectBufSize(64 << 20),
		nats.PingInterval(20 * time.Second),
		nats.ConnectHandler(func(*nats.Conn) {
			m.connects.Add(1)
			m.conn.ok(layerLogin)
			m.signalReconnect()
		}),
		nats.ReconnectHandler(func(*nats.Conn) {
			m.connects.Add(1)
			m.conn.ok(layerLogin)
			m.signalReconnect()
			m.log.Info("reconnected to master")
			// The presence and grains that tell the master jobs can be
			// sent here follow the hello the loop sends on a reconnect,
			// once it answers: a key revoked meanwhile is pending on
			// this connection, whose messages the server caps at 4 KB
			// and closes for good when one is larger (grains are).
		}),
		// The server ends a connection for good on an error nats.go
		// does not retry (a message over the connection's payload
		// limit): say so, where it would otherwise go silent.
		nats.ClosedHandler(func(nc *nats.Conn) {
			if err := nc.LastError(); err != nil {
				m.log.Error("the connection to the master is closed for good; restart the minion", "err", err)
			}
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			m.connLost()
			if err != nil {
				m.log.Info("disconnected from master", "err", err)
			}
		}),
		// nats.go passes on a failed login here only for the first
		// try; the dialer has told the failures before the login.
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) {
			var df *dialFailure
			if err == nil || errors.As(err, &df) || errors.Is(err, nats.ErrNoServers) {
				return
			}
			m.conn.failed(layerLogin, err)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			switch {
			case errors.Is(err, nats.ErrPermissionViolation):
				m.denials.Add(1)
				if !m.accepted.Load() {
					// Expected while the key is pending: hello is
					// denied until it is accepted.
					m.log.Debug("nats", "err", err)
					return
				}
				m.log.Warn("nats", "err", err)
			case errors.Is(err, nats.ErrAuthExpired):
				// The master's authorisations expire (auth_ttl);
				// the reconnect that follows is authorised again.
				m.log.Debug("authorisation expired; reconnecting", "err", err)
			case Classify(err) == KindAuth:
				m.conn.failed(layerLogin, err)
			case !m.accepted.Load():
				m.log.Debug("nats", "err", err)
			default:
				m.log.Warn("nats", "err", err)
			}
		}),
	}
	return nats.Connect(m.url.String(), opts...)
}

// dialed hears how each try to reach the master ended, up to TLS.
func (m *Minion) dialed(err error) {
	if err != nil {
		m.conn.failed(layerDial, err)
		return
	}
	m.conn.ok(layerDial)
	// nats.go reports a login that fails after a good dial only now and
	// then: a second good dial with no connection made since the first
	// means the first one's login failed.
	n := m.connects.Load() + 1
	if m.dialOK.Swap(n) == n {
		m.conn.again(layerLogin, errLoginFailed)
	}
}

func (m *Minion) signalReconnect() {
	select {
	case m.reconn <- struct{}{}:
	default:
	}
}

// backoff doubles the wait between tries, up to retry_max, each wait
// spread over half to one and a half of it (jittered): minions that lose
// their master together (it restarted, or refused logins it had no time
// for) come back spread out, not in waves that each overload it again.
// Over TLS a login costs the master about a millisecond of CPU.
func (m *Minion) backoff() nats.ReconnectDelayHandler {
	return func(attempts int) time.Duration {
		d := 250 * time.Millisecond
		for i := 1; i < attempts && d < m.cfg.RetryMax.D(); i++ {
			d *= 2
		}
		return jittered(min(d, m.cfg.RetryMax.D()))
	}
}

// Run connects, waits for acceptance, serves jobs and runs the startup
// states, until ctx is done; then it drains the running jobs (see
// stop.go) and returns. Run may be called once.
//
// Three lifetimes: ctx, the run's own, ends the background work
// (presence, grains, hellos, startup-state retries) and starts the stop;
// life lasts through the drain, for the jobs' heartbeats and returns;
// each job's own context ends only with a kill (brine jobs kill), never
// with the stop, because cancelling it kills the job's commands.
func (m *Minion) Run(ctx context.Context) error {
	if err := m.init(); err != nil {
		return err
	}
	defer m.lock.Release()
	defer m.book.close()
	if err := m.startMetrics(); err != nil {
		return err
	}
	defer m.stopMetrics()
	// Before the first try, which nats.go makes at once.
	m.log.Info("minion starting", "master", m.cfg.Master, "nkey", m.pub)
	nc, err := m.connect()
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.nc = nc
	m.mu.Unlock()
	defer nc.Close()
	life, abandon := context.WithCancel(context.WithoutCancel(ctx))
	defer abandon()
	m.sched.setRun(func(name string, it ScheduleItem) { m.runScheduled(life, name, it) })
	// On every way out: nothing the minion started outlives Run but the
	// jobs a stop leaves running on purpose.
	defer func() {
		m.jobsG.Close()
		<-m.bg.Close()
	}()

	if err := m.waitAccepted(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := m.subscribe(life); err != nil {
		return err
	}
	m.accepted.Store(true)
	m.announce()
	m.reportInterrupted(life)
	m.log.Info("minion ready")
	if m.Ready != nil {
		m.Ready()
	}
	if m.cfg.StartupStates == "" {
		m.trim.Quiet()
	}
	if m.cfg.StartupStates != "" {
		m.jobsG.Go(func() { m.startupStates(ctx, life) })
	}
	// The schedule and the mine end with ctx; the runs the schedule
	// starts are jobs, which the stop drains.
	m.bg.Go(func() { m.sched.loop(ctx) })
	m.bg.Go(func() { m.mineLoop(ctx) })
	m.loop(ctx)
	m.shutdown(abandon)
	_ = nc.FlushTimeout(2 * time.Second)
	m.log.Info("minion stopped")
	return nil
}

func (m *Minion) loop(ctx context.Context) {
	pres := time.NewTicker(m.cfg.PresenceInterval.D())
	defer pres.Stop()
	gr := time.NewTicker(m.cfg.GrainsRefresh.D())
	defer gr.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-pres.C:
			m.publishPresence(proto.Online)
		case <-m.reconn:
			// A key deleted on the master comes back as unknown: ask to
			// be accepted again. Subscriptions come back by themselves
			// once it is (nats.go sends them again on reconnect).
			m.bg.Go(func() {
				_, err := m.hello()
				if err == nil {
					m.conn.ok(layerMaster)
					m.accepted.Store(true)
					m.announce()
					return
				}
				if errors.Is(err, ErrKeyNotAccepted) {
					// Revoked: nothing but hellos and key requests
					// until the master accepts the key again.
					m.accepted.Store(false)
				}
				if m.nc.IsConnected() {
					m.conn.failed(layerMaster, err)
					m.requestKey()
				}
			})
		case <-gr.C:
			m.refreshGrains()
		}
	}
}

// waitAccepted asks the master for its job key until it answers, which it
// can only do once our key is accepted; meanwhile it asks to be accepted
// and waits for the master to disconnect it (which it does on accept),
// reconnecting by itself now and then for masters that cannot. Each
// failure is logged as what it is (the dialer logs those on the way).
func (m *Minion) waitAccepted(ctx context.Context) error {
	wait := time.Second
	for {
		if m.nc.IsConnected() {
			conn := m.nc.Stats().Reconnects
			reply, err := m.hello()
			if err == nil {
				m.conn.ok(layerMaster)
				return m.pin(reply)
			}
			if errors.Is(err, ErrWrongMaster) {
				m.conn.failed(layerMaster, err)
				return err
			}
			if m.nc.Status() == nats.CONNECTED && m.nc.Stats().Reconnects != conn {
				// The connection changed under the hello: the
				// master kicked it on accepting the key, most
				// likely. Ask again on the new one; a key request
				// there would be denied to an accepted minion.
				continue
			}
			// A hello lost to a disconnect is the dialer's to tell.
			if m.nc.IsConnected() {
				m.conn.failed(layerMaster, err)
				m.requestKey()
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.reconn:
		case <-time.After(jittered(wait)):
			if m.nc.IsConnected() {
				// A master that can disconnect us does so when it
				// accepts the key, and one that cannot gives a
				// pending key an authorisation of a minute at most:
				// this is for a master of an older brine.
				_ = m.nc.ForceReconnect()
			}
			wait = min(wait*2, pendingReconnectMax)
		}
	}
}

// pendingReconnectMax is the longest a pending minion waits before it
// reconnects by itself to learn whether its key was accepted. It is
// seldom the way it learns it: the master disconnects a pending minion
// when it accepts its key, or, on a server it cannot disconnect from,
// grants a pending key a minute at most. Each reconnect costs the
// master an authorisation: 10,000 minions pending reconnect about 35
// times a second at this pace, where a cap of 30 s made it 330.
const pendingReconnectMax = 5 * time.Minute

// jittered spreads a wait over [d/2, 3d/2), so that minions started
// together do not reconnect together.
func jittered(d time.Duration) time.Duration {
	return d/2 + rand.N(d)
}

// hello asks the master for its job key. A hello that times out is a
// key not accepted when the server denied it (a pending minion may
// only ask to be accepted), else a master that is not there.
func (m *Minion) hello() (*proto.HelloReply, error) { return m.helloAsk(false) }

// helloAsk is hello; refresh marks one that is no start of the minion.
func (m *Minion) helloAsk(refresh bool) (*proto.HelloReply, error) {
	before := m.denials.Load()
	r, err := helloOn(m.nc, m.id, refresh)
	if err != nil {
		return nil, helloFailure(err, m.denials.Load() > before)
	}
	return r, nil
}

func helloOn(nc *nats.Conn, id string, refresh bool) (*proto.HelloReply, error) {
	b, _ := proto.Marshal(&proto.Hello{ID: id, Refresh: refresh})
	msg, err := nc.Request(proto.SubjHello(id), b, time.Second)
	if err != nil {
		return nil, err
	}
	var r proto.HelloReply
	if err := proto.Unmarshal(msg.Data, &r); err != nil {
		return nil, err
	}
	return &r, r.Err()
}

func helloFailure(err error, denied bool) error {
	switch {
	case errors.Is(err, nats.ErrTimeout) && denied:
		return fmt.Errorf("hello denied by the server: %w", ErrKeyNotAccepted)
	case errors.Is(err, nats.ErrTimeout), errors.Is(err, nats.ErrNoResponders):
		return fmt.Errorf("hello: %w: %w", ErrNoMasterAnswer, err)
	}
	return err
}

// pin stores the masters' job keys and CA at first acceptance, and after
// takes the set of job keys that follows from the pins (trust.go).
func (m *Minion) pin(r *proto.HelloReply) error {
	m.ca.mu.Lock()
	seenCA := m.ca.seen
	m.ca.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	changed := false
	if len(r.Chain) > 0 {
		keys, serial := m.pins.trusted()
		c, err := m.applyChainLocked(func() (*proto.KeySet, error) { return proto.WalkChain(r.Chain, keys, serial) })
		if err != nil {
			return err
		}
		changed = c
	} else {
		// A master of a brine before trust chains: one key.
		if m.pins.JobKey != "" && m.pins.JobKey != r.JobKey {
			return fmt.Errorf("minion: master job key %s, pinned %s: %w", r.JobKey, m.pins.JobKey, ErrWrongMaster)
		}
		if m.pins.JobKey == "" {
			m.pins.JobKey = r.JobKey
			changed = true
		}
	}
	if m.pins.CAFinger == "" && seenCA != "" {
		m.pins.CAFinger = seenCA
		m.ca.mu.Lock()
		m.ca.pinned = seenCA
		m.ca.mu.Unlock()
		changed = true
	}
	if keys, _ := m.pins.trusted(); !slices.Contains(keys, r.JobKey) {
		m.log.Info("this master's job key is not trusted (not added yet, or retired): its jobs are refused", "job_key", r.JobKey)
	}
	if changed {
		m.log.Info("pinned the master", "job_key", m.pins.JobKey, "job_keys", m.pins.JobKeys, "ca_finger", m.pins.CAFinger)
		return savePins(m.cfg.StateDir, m.pins)
	}
	return nil
}

func (m *Minion) requestKey() {
	now := time.Now().UTC()
	sig, err := m.kp.Sign(proto.KeyRequestPayload(m.id, m.pub, now))
	if err != nil {
		return
	}
	b, _ := proto.Marshal(&proto.KeyRequest{ID: m.id, Nkey: m.pub, Time: now, Sig: sig})
	_ = m.nc.Publish(proto.SubjKeyRequest(m.pub), b)
}

// subscribe listens for jobs and kills; life is the context the jobs'
// heartbeats and returns live in (see Run).
func (m *Minion) subscribe(life context.Context) error {
	onJob := func(msg *nats.Msg) { m.onJob(life, msg) }
	for _, s := range []struct {
		subj string
		fn   nats.MsgHandler
	}{
		{proto.SubjJob(m.id), onJob},
		{proto.SubjJobAll, onJob},
		{proto.SubjKill(m.id), m.onKill},
		{proto.SubjTrustPush, m.onTrustPush},
	} {
		sub, err := m.nc.Subscribe(s.subj, s.fn)
		if err != nil {
			return fmt.Errorf("minion: subscribe %s: %w", s.subj, err)
		}
		m.mu.Lock()
		m.subs = append(m.subs, sub)
		m.mu.Unlock()
	}
	if err := m.nc.Flush(); err != nil {
		return fmt.Errorf("minion: subscribe: %w", err)
	}
	return nil
}

// announce tells the master we are here, and what we are.
func (m *Minion) announce() {
	m.publishPresence(proto.Online)
	m.sendGrains(true)
}

func (m *Minion) publishPresence(status string) {
	b, _ := proto.Marshal(&proto.Presence{ID: m.id, Status: status, Time: time.Now().UTC(), Interval: proto.Duration(m.cfg.PresenceInterval.D())})
	_ = m.nc.Publish(proto.SubjPresence(m.id), b)
}

func (m *Minion) sendGrains(always bool) {
	if !m.accepted.Load() {
		// A pending key's messages are capped below what grains
		// weigh; they go with the announce that follows acceptance.
		return
	}
	m.grainsMu.Lock()
	g := m.grains
	sum := string(mustJSON(g))
	if !always && sum == m.grainsSent {
		m.grainsMu.Unlock()
		return
	}
	m.grainsSent = sum
	m.grainsMu.Unlock()
	b, _ := proto.Marshal(&proto.Grains{ID: m.id, Grains: g})
	_ = m.nc.Publish(proto.SubjGrains(m.id), b)
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// liveNonces are the nonces of the replay cache not expired yet: what
// the book keeps when it compacts.
func (m *Minion) liveNonces() map[string]time.Time {
	now := time.Now()
	live := m.seen.Snapshot()
	for n, e := range live {
		if !e.After(now) {
			delete(live, n)
		}
	}
	return live
}
