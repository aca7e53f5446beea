package master

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"
	"golang.org/x/time/rate"

	"github.com/brine-cm/brine/master/api"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/events"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/statelock"
)

// Master is a running master.
type Master struct {
	cfg *Config
	log *slog.Logger

	srv *server.Server // nil on an external NATS server
	nc  *nats.Conn     // the work: requests, returns, jobs, the store
	// authNC answers the auth callout alone, so that no flood of work
	// can hold up or cut off authorisation.
	authNC *nats.Conn
	js     jetstream.JetStream
	// retWrites are the returns being written to the job cache
	// (retwrite.go).
	retWrites retWrites
	// batches are the returns gathered for one write (retbatch.go).
	batches retBatches

	// runCtx is the run's context: every goroutine the master starts
	// gets it, and Shutdown cancels it and waits for them (wg, work).
	runCtx context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup
	work   *workPool
	// watchPatience is how long a bucket watcher may take to deliver
	// every entry before follow makes it again.
	watchPatience time.Duration
	// trimMemory is one collection that gives the freed heap back
	// (debug.FreeOSMemory; idleTrim): tests count the calls.
	trimMemory func()

	rates   *rates
	refused *refusals
	// metrics are the master's Prometheus metrics; metricsSrv serves
	// them when master.yaml asks.
	metrics    *masterMetrics
	metricsSrv *metrics.Server
	keyReqs    *rate.Limiter // key requests from every unaccepted key
	jobs       *jobTable
	parts      *proto.Assembler // returns arriving in parts

	issuer  nkeys.KeyPair
	service nkeys.KeyPair
	jobKey  nkeys.KeyPair
	opPub   string
	roPub   string
	caFing  string
	url     string

	keys     jetstream.KeyValue
	grainsKV jetstream.KeyValue
	presence jetstream.KeyValue
	mine     jetstream.KeyValue // the mine (mine.go)
	drift    jetstream.KeyValue // each minion's latest dry run (drift.go)
	cache    jetstream.Stream
	// trustKV holds the trust chain of job keys; trust mirrors it.
	trustKV jetstream.KeyValue
	trust   trustState
	// signing holds the subscriptions that take jobs to sign (publish,
	// kill), made only while this master's job key is trusted.
	signing struct {
		mu     sync.Mutex
		subs   []*nats.Subscription
		ready  bool // serve has come to them
		closed bool // Shutdown has ended them
	}

	files  *fileServer
	pillar PillarRenderer
	match  Matcher

	mu      sync.Mutex
	cids    map[string]map[uint64]bool      // nkey -> client ids authorised (true: with the key accepted), for kicking
	grains  map[string]map[string]any       // id -> grains, mirror of grainsKV
	running map[string]map[string]time.Time // minion -> jid -> last news
	seen    map[string]time.Time            // id -> last presence
	every   map[string]time.Duration        // id -> the presence interval it states
	// startPending are minions that said hello to this master and whose
	// presence will fire their start event (events.go).
	startPending map[string]time.Time
	presWritten  map[string]time.Time // id -> last presence bucket write
	// keyIndex mirrors the key bucket (id -> key), kept by a watcher;
	// byNkey indexes it by public key.
	keyIndex map[string]proto.KeyInfo
	byNkey   map[string]string
	denied   []proto.KeyInfo

	subs []*nats.Subscription
	// hub fans the event bus out in-process (events.go); busSub feeds
	// it while it has readers (watchBus).
	hub    *events.Hub
	busMu  sync.Mutex
	busSub *nats.Subscription

	// lock is held on the state dir from Start to Shutdown.
	lock *statelock.Lock
	// importFrom is a store this master kept alone, to be copied into
	// the cluster's it now starts in (cluster_grow.go).
	importFrom string

	// api is the HTTP API when configured, and its connections.
	api      *api.Server
	apiConns []*client.Client
}

// Options lets a caller (tests, the CLI) replace parts of the master.
type Options struct {
	Log *slog.Logger
	// Pillar renders pillar; the default is pkg/pillar on pillar_roots.
	Pillar PillarRenderer
	// Match decides whether a minion matches a target; the default is
	// pkg/top's matcher.
	Match Matcher
}

// New prepares a master from its config; Start runs it.
func New(cfg *Config, o Options) *Master {
	m := &Master{cfg: cfg, log: o.Log, pillar: o.Pillar, match: o.Match,
		cids: map[string]map[uint64]bool{}, grains: map[string]map[string]any{},
		running: map[string]map[string]time.Time{}, seen: map[string]time.Time{}, every: map[string]time.Duration{}, startPending: map[string]time.Time{},
		presWritten: map[string]time.Time{},
		keyIndex:    map[string]proto.KeyInfo{}, byNkey: map[string]string{},
		rates: newRates(cfg.Limits), work: newWorkPool(cfg.Limits.Queue),
		keyReqs: rate.NewLimiter(rate.Limit(cfg.Limits.KeyRequests), max(1, int(cfg.Limits.KeyRequests*cfg.Limits.Burst))),
		jobs:    newJobTable(),
		parts:   &proto.Assembler{MaxBytes: cfg.Limits.ReturnBytes, MaxOpen: 256}, watchPatience: 10 * time.Second, trimMemory: debug.FreeOSMemory}
	if m.log == nil {
		m.log = slog.Default()
	}
	m.hub = events.NewHub(m.watchBus)
	m.metrics = newMasterMetrics(m)
	m.refused = newRefusals(m.log)
	m.refused.count = m.metrics.refused
	if m.match == nil {
		m.match = topMatcher(cfg.Nodegroups)
	}
	if m.pillar == nil {
		tp := newTreePillar(fileroot.Roots(cfg.PillarRoots), cfg.Nodegroups, pillarOpts(cfg))
		tp.log = m.log
		tp.c.GPG.Log = m.log
		m.pillar = tp
	}
	m.files = newFileServer(fileroot.Roots(cfg.FileRoots), m.log)
	m.files.metrics = m.metrics
	return m
}

// ClientURL is the URL minions and the operator connect to.
func (m *Master) ClientURL() string { return m.url }

// CAFinger is the fingerprint of the master's CA, empty without TLS.
func (m *Master) CAFinger() string { return m.caFing }

// JobKey is the public key that signs jobs.
func (m *Master) JobKey() string { pub, _ := m.jobKey.PublicKey(); return pub }

// Start makes the keys and certificates on first start, starts the
// embedded NATS server (or connects to the configured one), and serves.
func (m *Master) Start(ctx context.Context) (err error) {
	dir := m.cfg.StateDir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("master: state dir: %w", err)
	}
	// Before any key is read or made, and before the store is opened:
	// a second master on this state dir must touch nothing.
	if m.lock, err = lockStateDir(dir); err != nil {
		return fmt.Errorf("master: %w", err)
	}
	defer func() {
		if err != nil {
			m.lock.Release()
		}
	}()
	if m.cfg.NATSURL == "" {
		if err := checkListen(m.cfg.Interface, m.cfg.Port); err != nil {
			return err
		}
	}
	key := func(name string, mk func() (nkeys.KeyPair, error)) nkeys.KeyPair {
		if err != nil {
			return nil
		}
		var kp nkeys.KeyPair
		kp, err = LoadOrCreateKey(filepath.Join(dir, name), mk)
		return kp
	}
	m.issuer = key(IssuerFile, nkeys.CreateAccount)
	m.service = key(ServiceFile, nkeys.CreateUser)
	op := key(OperatorFile, nkeys.CreateUser)
	ro := key(ReadOnlyFile, nkeys.CreateUser)
	m.jobKey = key(JobKeyFile, nkeys.CreateAccount)
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	m.opPub, _ = op.PublicKey()
	m.roPub, _ = ro.PublicKey()
	// Before any connection: a master that cannot reach nats_url yet
	// has written what the NATS cluster needs to let it in.
	if err := m.writeNATSAuth(); err != nil {
		return err
	}
	if m.cfg.NATSURL != "" {
		// And what its servers need for brine leaf nodes to join them.
		if _, err := m.writeLeafSecret(true); err != nil {
			return err
		}
	}
	m.runCtx, m.stop = context.WithCancel(context.WithoutCancel(ctx))

	if m.cfg.NATSURL != "" {
		// A master that ran with its embedded server before brings its
		// store along, as the first node of a cluster does.
		if m.importFrom, err = m.standaloneStore(); err != nil {
			return err
		}
		err = m.connectExternal()
	} else {
		err = m.startEmbedded()
	}
	if err != nil {
		return err
	}
	if err := m.serve(ctx); err != nil {
		m.Shutdown()
		return err
	}
	if err := m.startMetrics(); err != nil {
		m.Shutdown()
		return err
	}
	if err := m.startAPI(); err != nil {
		m.Shutdown()
		return err
	}
	m.mu.Lock()
	keys, grains := len(m.keyIndex), len(m.grains)
	m.mu.Unlock()
	m.log.Info("master ready", "url", m.url, "job_key", m.JobKey(), "ca_finger", m.caFing, "keys", keys, "grains", grains)
	return nil
}

func (m *Master) startEmbedded() error {
	svcPub, _ := m.service.PublicKey()
	issPub, _ := m.issuer.PublicKey()
	opts := &server.Options{
		ServerName: m.cfg.serverName(),
		Host:       m.cfg.Interface,
		Port:       m.cfg.Port,
		JetStream:  true,
		StoreDir:   m.cfg.storeDir(),
		MaxPayload: m.cfg.MaxPayload,
		NoSigs:     true,
		Nkeys: []*server.NkeyUser{
			{Nkey: svcPub},
			{Nkey: m.opPub},
			{Nkey: m.roPub, Permissions: readOnlyPermissions()},
		},
		AuthCallout: &server.AuthCallout{
			Issuer:    issPub,
			Account:   "$G",
			AuthUsers: []string{svcPub, m.opPub, m.roPub},
		},
		AlwaysEnableNonce: true,
	}
	if m.cfg.TLS || !IsLoopback(m.cfg.Interface) {
		tc, fing, err := ensureTLS(m.cfg.StateDir, m.cfg.TLSNames)
		if err != nil {
			return fmt.Errorf("master: %w", err)
		}
		opts.TLSConfig = tc
		opts.TLS = true
		opts.TLSTimeout = 5
		m.caFing = fing
	}
	if m.cfg.LeafNodes.Listen != "" {
		if err := m.leafOptions(opts); err != nil {
			return err
		}
	}
	if m.cfg.Clustered() {
		if err := m.clusterOptions(opts); err != nil {
			return err
		}
		if err := m.writeNATSNode(opts); err != nil {
			return err
		}
		var err error
		if m.importFrom, err = m.standaloneStore(); err != nil {
			return err
		}
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return fmt.Errorf("master: nats server: %w", err)
	}
	fatal := make(chan string, 1)
	s.SetLoggerV2(&natsLog{l: m.log.With("component", "nats"), fatal: fatal}, m.cfg.LogLevel == "debug", false, false)
	s.Start()
	if err := waitReady(s, fatal, 30*time.Second); err != nil {
		s.Shutdown()
		return err
	}
	m.srv = s
	m.url = s.ClientURL()
	copts := []nats.Option{nats.InProcessServer(s), nats.Name("brine-master"),
		nats.Nkey(svcPub, m.service.Sign), nats.MaxReconnects(-1)}
	if opts.TLSConfig != nil {
		copts = append(copts, nats.RootCAs(filepath.Join(m.cfg.StateDir, CAFile)))
	}
	nc, err := nats.Connect(m.url, append(copts, m.connErrors("work"))...)
	if err != nil {
		s.Shutdown()
		return fmt.Errorf("master: connect to embedded server: %w", err)
	}
	anc, err := nats.Connect(m.url, append(copts, nats.Name("brine-master-auth"), m.connErrors("auth"))...)
	if err != nil {
		nc.Close()
		s.Shutdown()
		return fmt.Errorf("master: connect to embedded server: %w", err)
	}
	m.nc, m.authNC = nc, anc
	return nil
}

// connErrors logs what NATS reports about one of the master's own
// connections, a slow subscription (dropped messages) above all.
func (m *Master) connErrors(which string) nats.Option {
	return nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
		subj := ""
		if sub != nil {
			subj = sub.Subject
		}
		m.refused.note("nats", which+" "+subj, err.Error())
	})
}

func (m *Master) connectExternal() error {
	opts := []nats.Option{nats.Name("brine-master"), nats.MaxReconnects(-1)}
	if m.cfg.NATSCreds != "" {
		opts = append(opts, nats.UserCredentials(m.cfg.NATSCreds))
	} else {
		pub, _ := m.service.PublicKey()
		opts = append(opts, nats.Nkey(pub, m.service.Sign))
	}
	if ca := filepath.Join(m.cfg.StateDir, CAFile); fileExists(ca) {
		opts = append(opts, nats.RootCAs(ca))
	}
	nc, err := nats.Connect(m.cfg.NATSURL, append(opts, m.connErrors("work"))...)
	if err != nil {
		return fmt.Errorf("master: connect to %s: %w", m.cfg.NATSURL, err)
	}
	anc, err := nats.Connect(m.cfg.NATSURL, append(opts, nats.Name("brine-master-auth"), m.connErrors("auth"))...)
	if err != nil {
		nc.Close()
		return fmt.Errorf("master: connect to %s: %w", m.cfg.NATSURL, err)
	}
	m.nc, m.authNC = nc, anc
	m.url = m.cfg.NATSURL
	return nil
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// readOnlyPermissions let the read-only operator ask the master for
// lists and lookups, and read the answers in its own inbox, and nothing
// else: no job, no key change, no other reply.
func readOnlyPermissions() *server.Permissions {
	return &server.Permissions{
		Publish:   &server.SubjectPermission{Allow: proto.ReadOnlySubjects()},
		Subscribe: &server.SubjectPermission{Allow: []string{proto.ReadOnlyInbox + ".>", proto.SubjBusRO}},
	}
}

// Shutdown stops serving, waits for the work in hand and the master's
// goroutines, and stops the embedded server.
func (m *Master) Shutdown() {
	if err := m.metricsSrv.Close(); err != nil {
		m.log.Warn("metrics: stop", "err", err)
	}
	m.stopAPI()
	if m.stop != nil {
		m.stop()
	}
	for _, s := range m.subs {
		_ = s.Unsubscribe()
	}
	m.signing.mu.Lock()
	for _, s := range m.signing.subs {
		_ = s.Unsubscribe()
	}
	m.signing.subs, m.signing.closed = nil, true
	m.signing.mu.Unlock()
	m.work.wait()
	m.wg.Wait()
	m.hub.Close()
	m.writeBatches()
	if m.js != nil {
		select {
		case <-m.js.PublishAsyncComplete():
		case <-time.After(2 * time.Second):
		}
	}
	if m.authNC != nil {
		m.authNC.Close()
	}
	if m.nc != nil {
		_ = m.nc.Drain()
		deadline := time.Now().Add(2 * time.Second)
		for !m.nc.IsClosed() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		m.nc.Close()
	}
	if m.srv != nil {
		m.srv.Shutdown()
		m.srv.WaitForShutdown()
	}
	// Last: the store is closed, another master may open it.
	m.lock.Release()
}

// waitReady waits until the server listens, or says it cannot (a port
// taken after checkListen, a JetStream store it cannot open): what it
// logs as fatal is the error, at once, rather than a wait to the end.
func waitReady(s *server.Server, fatal <-chan string, total time.Duration) error {
	deadline := time.Now().Add(total)
	for {
		select {
		case msg := <-fatal:
			return fmt.Errorf("master: nats server: %s", msg)
		default:
		}
		if s.ReadyForConnections(100 * time.Millisecond) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("master: nats server not ready after %v", total)
		}
	}
}

// Run starts the master and serves until ctx is done.
func (m *Master) Run(ctx context.Context, ready func()) error {
	if err := m.Start(ctx); err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	<-ctx.Done()
	m.Shutdown()
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	return ctx.Err()
}

// natsLog sends the NATS server's log to slog.
type natsLog struct {
	l *slog.Logger
	// fatal hears the server's fatal errors, which it logs and does not
	// return; waitReady reads it.
	fatal chan<- string
}

func (n *natsLog) Noticef(f string, a ...any) { n.l.Info(fmt.Sprintf(f, a...)) }
func (n *natsLog) Warnf(f string, a ...any)   { n.l.Warn(fmt.Sprintf(f, a...)) }
func (n *natsLog) Debugf(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }
func (n *natsLog) Tracef(f string, a ...any)  { n.l.Debug(fmt.Sprintf(f, a...)) }

func (n *natsLog) Fatalf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	n.l.Error(msg)
	select {
	case n.fatal <- msg:
	default:
	}
}

// Errorf logs the server's errors, but for a permission violation, which
// it logs as an error whoever commits it: one by an accepted minion (or
// anyone else with rights) is a warning, while the hello and inbox a
// minion is denied until its key is accepted are how every onboarding
// goes, and only debug.
func (n *natsLog) Errorf(f string, a ...any) {
	msg := fmt.Sprintf(f, a...)
	n.l.Log(context.Background(), n.errorLevel(msg), msg)
}

// The server's log gives a violation only as text, in these shapes
// (nats-server's client.go, pubPermissionViolation and
// subPermissionViolation), after the client's label, which carries the
// name the auth callout gave the connection ("$G/user:NAME").
var (
	violationRE = regexp.MustCompile(`\b(Publish|Subscription) Violation - Subject "([^"]*)"`)
	userRE      = regexp.MustCompile(`"\$G/user:([^"]*)"`)
)

// pendingUser is the name authorize gives the connection of a minion
// whose key is not accepted (auth.go), alone or before ":": it tells
// the rights that connection was given, whatever the registry says by
// now. The e2e test of a quiet onboarding breaks if the two drift.
const pendingUser = "pending"

func (n *natsLog) errorLevel(msg string) slog.Level {
	v := violationRE.FindStringSubmatch(msg)
	if v == nil {
		return slog.LevelError
	}
	u := userRE.FindStringSubmatch(msg)
	if u != nil && (u[1] == pendingUser || strings.HasPrefix(u[1], pendingUser+":")) && onboarding(v[1], v[2]) {
		return slog.LevelDebug
	}
	return slog.LevelWarn
}

// onboarding tells the denials every minion meets before its key is
// accepted: the hello it publishes, and the inbox its answer would come
// to.
func onboarding(op, subject string) bool {
	switch op {
	case "Publish":
		return proto.IsHello(subject)
	case "Subscription":
		return proto.IsMinionInbox(subject)
	}
	return false
}
