package minion

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/memtrim"
	"github.com/brine-cm/brine/pkg/natsreq"
	"github.com/brine-cm/brine/pkg/proto"
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
	trim  *memtrim.Trimmer    // gives memory back after a quiet spell
	req   *natsreq.Requester  // requests to the master, made once accepted
	state string              // jid of the state run going on, if any
	seen  *proto.ReplayCache

	grainsMu   sync.Mutex
	grains     map[string]any
	grainsSent string
	// Grains, when set, collects the host grains (pkg/grains);
	// static grains from minion.yaml are merged over them.
	Grains func() map[string]any

	accepted atomic.Bool
	reconn   chan struct{} // a (re)connect happened
	quit     chan struct{} // closed when Run is ending
	wg       sync.WaitGroup
	// Ready is called once the minion is accepted and listening for jobs.
	Ready func()
}

type running struct {
	fun    string
	cancel context.CancelFunc
}

// New prepares a minion from its config; Run runs it.
func New(cfg *Config, log *slog.Logger) *Minion {
	if log == nil {
		log = slog.Default()
	}
	return &Minion{cfg: cfg, log: log.With("minion", cfg.ID), id: cfg.ID, jobs: map[string]*running{}, seen: proto.NewReplayCache(),
		trim:   memtrim.NewTrimmer(idleTrimAfter),
		reconn: make(chan struct{}, 1), quit: make(chan struct{})}
}

// idleTrimAfter is how long a minion waits with nothing to do before it
// gives memory back; jobs that come one after another keep their pages.
const idleTrimAfter = 10 * time.Second

// ID is the minion id.
func (m *Minion) ID() string { return m.id }

// PublicKey is the minion's nkey, as `brine key finger` lists it.
func (m *Minion) PublicKey() string { return m.pub }

func (m *Minion) init() error {
	for _, d := range []string{m.cfg.StateDir, m.cfg.CacheDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("minion: %w", err)
		}
	}
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
	if b, err := os.ReadFile(filepath.Join(m.cfg.StateDir, NoncesFile)); err == nil {
		var saved map[string]time.Time
		if json.Unmarshal(b, &saved) == nil {
			m.seen.Load(saved)
		}
	}
	m.grains = m.collectGrains()
	return nil
}

func (m *Minion) connect() (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(m.id),
		nats.Nkey(m.pub, m.kp.Sign),
		nats.CustomInboxPrefix(proto.InboxPrefix(m.id)),
		// A pending minion is refused until accepted; keep trying.
		nats.IgnoreAuthErrorAbort(),
		nats.RetryOnFailedConnect(true),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.CustomReconnectDelay(m.backoff()),
		nats.ReconnectBufSize(64 << 20),
		nats.PingInterval(20 * time.Second),
		nats.ConnectHandler(func(*nats.Conn) { m.signalReconnect() }),
		nats.ReconnectHandler(func(*nats.Conn) {
			m.signalReconnect()
			m.log.Info("reconnected to master")
			// Only once subscribed: presence tells the master jobs can
			// be sent here.
			if m.accepted.Load() {
				go m.announce()
			}
		}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				m.log.Info("disconnected from master", "err", err)
			}
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			if !m.accepted.Load() {
				// Expected while the key is pending.
				m.log.Debug("nats", "err", err)
				return
			}
			m.log.Warn("nats", "err", err)
		}),
	}
	u, err := url.Parse(m.cfg.Master)
	if err != nil {
		return nil, fmt.Errorf("minion: master URL: %w", err)
	}
	if u.Scheme == "tls" || m.ca.pinned != "" {
		opts = append(opts, nats.Secure(m.ca.tlsConfig()))
	}
	return nats.Connect(m.cfg.Master, opts...)
}

func (m *Minion) signalReconnect() {
	select {
	case m.reconn <- struct{}{}:
	default:
	}
}

// backoff doubles the wait between tries, up to retry_max.
func (m *Minion) backoff() nats.ReconnectDelayHandler {
	return func(attempts int) time.Duration {
		d := 250 * time.Millisecond
		for i := 1; i < attempts && d < m.cfg.RetryMax.D(); i++ {
			d *= 2
		}
		return min(d, m.cfg.RetryMax.D())
	}
}

// Run connects, waits for acceptance, serves jobs and runs the startup
// states, until ctx is done.
func (m *Minion) Run(ctx context.Context) error {
	if err := m.init(); err != nil {
		return err
	}
	nc, err := m.connect()
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.nc = nc
	m.mu.Unlock()
	defer nc.Close()
	m.log.Info("minion starting", "master", m.cfg.Master, "nkey", m.pub)

	if err := m.waitAccepted(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if err := m.subscribe(); err != nil {
		return err
	}
	m.accepted.Store(true)
	m.announce()
	m.log.Info("minion ready")
	if m.Ready != nil {
		m.Ready()
	}
	if m.cfg.StartupStates == "" {
		m.trim.Quiet()
	}
	if m.cfg.StartupStates != "" {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.startupStates(ctx)
		}()
	}
	m.loop(ctx)

	// Going down: say so, so that the master reports us not connected at
	// once, and give running jobs' returns a chance to leave.
	close(m.quit)
	m.cancelAll()
	m.wg.Wait()
	m.publishPresence(proto.Offline)
	_ = nc.FlushTimeout(2 * time.Second)
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
			go func() {
				if _, err := m.hello(); err != nil && m.nc.IsConnected() {
					m.log.Warn("the master does not answer as to an accepted minion; asking to be accepted", "err", err)
					m.requestKey()
				}
			}()
		case <-gr.C:
			g := m.collectGrains()
			m.grainsMu.Lock()
			m.grains = g
			m.grainsMu.Unlock()
			m.sendGrains(false)
		}
	}
}

// waitAccepted asks the master for its job key until it answers, which it
// can only do once our key is accepted; meanwhile it asks to be accepted
// and waits for the master to disconnect it (which it does on accept),
// reconnecting by itself now and then for masters that cannot.
func (m *Minion) waitAccepted(ctx context.Context) error {
	wait := time.Second
	for tries := 1; ; tries++ {
		reply, err := m.hello()
		if err == nil {
			return m.pin(reply)
		}
		if errors.Is(err, ErrWrongMaster) {
			return err
		}
		m.requestKey()
		if tries == 2 || tries%20 == 0 {
			m.log.Info("waiting for the master to accept this minion's key", "id", m.id, "nkey", m.pub)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-m.reconn:
		case <-time.After(wait):
			if m.nc.IsConnected() {
				// On an external server nobody kicks us after
				// acceptance: reconnect to get the new rights.
				_ = m.nc.ForceReconnect()
			}
			wait = min(wait*2, 30*time.Second)
		}
	}
}

func (m *Minion) hello() (*proto.HelloReply, error) {
	b, _ := proto.Marshal(&proto.Hello{ID: m.id})
	msg, err := m.nc.Request(proto.SubjHello(m.id), b, time.Second)
	if err != nil {
		return nil, err
	}
	var r proto.HelloReply
	if err := proto.Unmarshal(msg.Data, &r); err != nil {
		return nil, err
	}
	return &r, r.Err()
}

// pin stores the master's job key and CA at first acceptance, and checks
// them against the pins after.
func (m *Minion) pin(r *proto.HelloReply) error {
	m.ca.mu.Lock()
	seenCA := m.ca.seen
	m.ca.mu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.pins.JobKey != "" && m.pins.JobKey != r.JobKey {
		return fmt.Errorf("minion: master job key %s, pinned %s: %w", r.JobKey, m.pins.JobKey, ErrWrongMaster)
	}
	changed := false
	if m.pins.JobKey == "" {
		m.pins.JobKey = r.JobKey
		changed = true
	}
	if m.pins.CAFinger == "" && seenCA != "" {
		m.pins.CAFinger = seenCA
		m.ca.mu.Lock()
		m.ca.pinned = seenCA
		m.ca.mu.Unlock()
		changed = true
	}
	if changed {
		m.log.Info("pinned the master", "job_key", m.pins.JobKey, "ca_finger", m.pins.CAFinger)
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

func (m *Minion) subscribe() error {
	for _, s := range []struct {
		subj string
		fn   nats.MsgHandler
	}{
		{proto.SubjJob(m.id), m.onJob},
		{proto.SubjJobAll, m.onJob},
		{proto.SubjKill(m.id), m.onKill},
	} {
		if _, err := m.nc.Subscribe(s.subj, s.fn); err != nil {
			return fmt.Errorf("minion: subscribe %s: %w", s.subj, err)
		}
	}
	return m.nc.Flush()
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

func (m *Minion) cancelAll() {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.jobs {
		r.cancel()
	}
}

func (m *Minion) saveNonces() {
	b, _ := json.Marshal(m.seen.Snapshot())
	if err := writeFile0600(filepath.Join(m.cfg.StateDir, NoncesFile), b); err != nil {
		m.log.Warn("nonce cache", "err", err)
	}
}
