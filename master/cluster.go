package master

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// A master whose embedded NATS server is one node of a cluster: routes
// to the other nodes, JetStream clustered, the store replicated. Every
// master of one cluster holds the same key set (ClusterKeyFiles), so
// that any node's master answers the auth callout, signs jobs and is
// trusted by every minion alike; docs/scaling.md says how to copy it.

// ClusterConfig is master.yaml's cluster: section.
type ClusterConfig struct {
	// Name is the cluster's name, the same on every node.
	Name string `yaml:"name"`
	// Listen is host:port where this node takes routes from the others;
	// empty: no cluster. Beyond loopback the routes speak TLS.
	Listen string `yaml:"listen"`
	// Routes are the other nodes' route URLs, nats-route://host:port
	// (this node's own may be listed too: the same list on every node).
	Routes []string `yaml:"routes"`
	// Advertise is host:port the other nodes reach this one at, when it
	// is not listen's (NAT, containers); the nodes tell each other of
	// it, and dial it for a node their routes do not list.
	Advertise string `yaml:"advertise"`
}

// DefaultClusterName is cluster.name unless master.yaml says.
const DefaultClusterName = "brine"

// ClusterKeyFiles are the files of the state dir every master of one
// cluster must share: copied from the first master before the others
// start for the first time. The server certificates and the JetStream
// store are each node's own.
var ClusterKeyFiles = []string{IssuerFile, ServiceFile, OperatorFile, ReadOnlyFile, JobKeyFile, CAFile, CAKeyFile}

// Route certificate files, each node's own, made from the shared CA.
const (
	RouteCertFile = "route.pem"
	RouteKeyFile  = "route-key.pem"
)

// routeUser is the user name routes log in with; the password is
// derived from the shared issuer key (routeSecret).
const routeUser = "brine-route"

// clusterNameRE is what NATS accepts as a cluster or server name, kept
// to what is safe in a log and a path.
var clusterNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`)

// Clustered reports whether the embedded server is a cluster node.
func (c *Config) Clustered() bool { return c.NATSURL == "" && c.Cluster.Listen != "" }

// ClusterError is a cluster: section master.yaml cannot have.
type ClusterError struct {
	Key string // cluster.listen, cluster.routes, …
	Err error
}

func (e *ClusterError) Error() string { return fmt.Sprintf("master config: %s: %v", e.Key, e.Err) }
func (e *ClusterError) Unwrap() error { return e.Err }

func (c *Config) validateCluster() error {
	if c.JetStreamReplicas < 0 || c.JetStreamReplicas > 5 {
		return &ClusterError{"jetstream_replicas", fmt.Errorf("%d: want 1 to 5 (0: 1 alone, 3 in a cluster)", c.JetStreamReplicas)}
	}
	if c.ServerName != "" && !clusterNameRE.MatchString(c.ServerName) {
		return &ClusterError{"server_name", fmt.Errorf("%q: letters, digits, '-' and '_' only", c.ServerName)}
	}
	cl := c.Cluster
	if cl.Listen == "" {
		if len(cl.Routes) > 0 {
			return &ClusterError{"cluster.routes", errors.New("routes without cluster.listen: say where this node takes routes")}
		}
		return nil
	}
	if c.NATSURL != "" {
		return &ClusterError{"cluster", errors.New("is for the embedded server; with nats_url the NATS cluster is nats-server's to configure")}
	}
	if !clusterNameRE.MatchString(cl.Name) {
		return &ClusterError{"cluster.name", fmt.Errorf("%q: letters, digits, '-' and '_' only", cl.Name)}
	}
	if _, _, err := splitListen(cl.Listen); err != nil {
		return &ClusterError{"cluster.listen", err}
	}
	if cl.Advertise != "" {
		if _, _, err := splitListen(cl.Advertise); err != nil {
			return &ClusterError{"cluster.advertise", err}
		}
	}
	if len(cl.Routes) == 0 {
		return &ClusterError{"cluster.routes", errors.New("empty: list the other nodes, nats-route://host:port")}
	}
	for _, r := range cl.Routes {
		if _, err := parseRoute(r); err != nil {
			return &ClusterError{"cluster.routes", err}
		}
	}
	return nil
}

// splitListen reads host:port; port -1 picks a free one (tests).
func splitListen(s string) (string, int, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("%q: want host:port: %w", s, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < -1 || port == 0 || port > 65535 {
		return "", 0, fmt.Errorf("%q: port out of range", s)
	}
	return host, port, nil
}

// parseRoute reads nats-route://host:port. Credentials have no place in
// it: brine adds the cluster's own.
func parseRoute(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w", s, err)
	}
	switch {
	case u.Scheme != "nats-route" && u.Scheme != "nats":
		return nil, fmt.Errorf("%q: want nats-route://host:port", s)
	case u.User != nil:
		return nil, fmt.Errorf("%q: no credentials in a route: brine derives the cluster's from the shared key set", s)
	case u.Hostname() == "" || u.Port() == "":
		return nil, fmt.Errorf("%q: want nats-route://host:port", s)
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "":
		return nil, fmt.Errorf("%q: want nats-route://host:port and nothing else", s)
	}
	if _, err := strconv.Atoi(u.Port()); err != nil {
		return nil, fmt.Errorf("%q: port: %w", s, err)
	}
	return u, nil
}

// serverName is the embedded server's name.
func (c *Config) serverName() string {
	switch {
	case c.ServerName != "":
		return c.ServerName
	case c.Clustered():
		h, _ := os.Hostname()
		if h = strings.Map(func(r rune) rune {
			if r == '.' || r == ' ' {
				return '_'
			}
			return r
		}, h); h != "" {
			return h
		}
	}
	return "brine-master"
}

// replicas is how many copies the store keeps; clustered tells whether
// the NATS server (embedded or external) is part of a cluster.
func (c *Config) replicas(clustered bool) int {
	switch {
	case c.JetStreamReplicas > 0:
		return c.JetStreamReplicas
	case clustered:
		return 3
	}
	return 1
}

// routeSecret is the password routes log in with: derived from the
// issuer key every master of the cluster shares, so that it needs no
// copying or configuring of its own, and no one without the key set
// can join.
func routeSecret(issuer nkeys.KeyPair) (string, error) {
	seed, err := issuer.Seed()
	if err != nil {
		return "", fmt.Errorf("cluster: route secret: %w", err)
	}
	mac := hmac.New(sha256.New, seed)
	mac.Write([]byte("brine cluster routes v1"))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil)), nil
}

// clusterOptions sets the routes of the embedded server's options: the
// listen address, the routes with the cluster's credentials in them,
// and TLS on the routes beyond loopback (or with tls: true), each node
// presenting a certificate of the shared CA and asking the same of the
// other.
func (m *Master) clusterOptions(opts *server.Options) error {
	cl := m.cfg.Cluster
	host, port, err := splitListen(cl.Listen)
	if err != nil {
		return &ClusterError{"cluster.listen", err}
	}
	secret, err := routeSecret(m.issuer)
	if err != nil {
		return err
	}
	opts.Cluster = server.ClusterOpts{Name: cl.Name, Host: host, Port: port, Advertise: cl.Advertise,
		Username: routeUser, Password: secret}
	for _, r := range cl.Routes {
		u, err := parseRoute(r)
		if err != nil {
			return &ClusterError{"cluster.routes", err}
		}
		u.Scheme = "nats-route"
		u.User = url.UserPassword(routeUser, secret)
		opts.Routes = append(opts.Routes, u)
	}
	if !m.cfg.TLS && IsLoopback(host) {
		return nil
	}
	tc, err := routeTLS(m.cfg.StateDir, m.cfg.TLSNames, host)
	if err != nil {
		return fmt.Errorf("master: cluster: %w", err)
	}
	opts.Cluster.TLSConfig = tc
	opts.Cluster.TLSTimeout = 5
	return nil
}

// routeTLS is the TLS of the routes: this node's route certificate,
// made from the shared CA at first start, and that CA alone to check
// the other nodes', both ways.
func routeTLS(dir string, names []string, host string) (*tls.Config, error) {
	if !fileExists(filepath.Join(dir, CAFile)) {
		// No TLS to clients (loopback), TLS on the routes: the CA is
		// made here, once, as ensureTLS would.
		if err := makeCerts(dir, names); err != nil {
			return nil, err
		}
	}
	ca, err := loadCA(dir)
	if err != nil {
		return nil, err
	}
	certPath, keyPath := filepath.Join(dir, RouteCertFile), filepath.Join(dir, RouteKeyFile)
	if !fileExists(certPath) || !fileExists(keyPath) {
		if host != "" && host != "0.0.0.0" && host != "::" {
			names = append(names, host)
		}
		if err := ca.issue(certPath, keyPath, "brine route", names,
			[]x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}); err != nil {
			return nil, err
		}
	}
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err != nil {
		return nil, fmt.Errorf("tls: route certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.cert)
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ClientCAs: pool,
		ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12}, nil
}

// storeTry bounds the first try at a step of opening the store in a
// cluster, and storeTryMax the later ones: while the cluster forms a
// request may get no answer at all (no JetStream leader yet, or one
// elected under it), so a short try and another beat a long wait; a new
// replicated stream answers once its own group has a leader, which can
// take NATS several seconds, and the next try finds it made.
const (
	storeTry    = 2 * time.Second
	storeTryMax = 10 * time.Second
	// storeLeaderWait is how long a master that does not lead waits for
	// the leader's master to make a stream, before it makes it itself.
	storeLeaderWait = 10 * time.Second
)

// StoreError is a bucket or stream of the store that could not be made
// or opened.
type StoreError struct {
	What     string // "bucket brine_keys", "stream BRINE_JOBS"
	Replicas int
	Err      error
}

func (e *StoreError) Error() string {
	if e.Replicas > 1 {
		return fmt.Sprintf("master: %s (%d replicas): %v", e.What, e.Replicas, e.Err)
	}
	return fmt.Sprintf("master: %s: %v", e.What, e.Err)
}

func (e *StoreError) Unwrap() error { return e.Err }

// untilStore runs one step of opening the store. Alone, it fails at
// once as it is. In a cluster, a failure is first taken for the
// cluster forming (no JetStream leader yet, fewer nodes up than the
// replicas need), and the step is tried again, logged now and then,
// until ctx ends.
//
// stream names the stream the step makes, if any: the masters of one
// cluster start together, and the same stream created by several at the
// same instant is what NATS answers worst (a create racing a create
// goes unanswered, and the next step collides again). So the master of
// the node that leads JetStream makes it, and the others wait a little
// for it to exist before they open it.
func (m *Master) untilStore(ctx context.Context, clustered bool, what, stream string, step func(context.Context) error) error {
	r := m.cfg.replicas(clustered)
	if !clustered {
		if err := step(ctx); err != nil {
			return &StoreError{What: what, Replicas: r, Err: err}
		}
		return nil
	}
	if stream != "" && m.srv != nil && !m.srv.JetStreamIsLeader() {
		wctx, cancel := context.WithTimeout(ctx, storeLeaderWait)
		for wctx.Err() == nil {
			tctx, tcancel := context.WithTimeout(wctx, storeTry)
			_, err := m.js.Stream(tctx, stream)
			tcancel()
			if err == nil {
				break
			}
			select {
			case <-wctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
		}
		cancel()
	}
	// Quiet for the first seconds, which a cluster takes to form.
	started := time.Now()
	logged := started
	pause, try := 100*time.Millisecond, storeTry
	defer func() { m.log.Debug("store ready", "store", what, "replicas", r, "took", time.Since(started)) }()
	for {
		tctx, cancel := context.WithTimeout(ctx, try)
		try = min(2*try, storeTryMax)
		err := step(tctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return &StoreError{What: what, Replicas: r, Err: fmt.Errorf("waiting for the cluster's JetStream: %w (last: %v)", ctx.Err(), err)}
		}
		m.log.Debug("waiting for the cluster's JetStream", "store", what, "err", err)
		if time.Since(logged) > 10*time.Second {
			m.log.Warn("waiting for the cluster's JetStream", "store", what, "replicas", r, "err", err,
				"hint", fmt.Sprintf("a majority of the nodes must be up, and %d of them for jetstream_replicas", r))
			logged = time.Now()
		}
		// With jitter, against the same collision.
		select {
		case <-ctx.Done():
		case <-time.After(pause + rand.N(pause)):
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// watchGrains keeps the in-memory mirror of the grains bucket, which
// targeting reads: entries are checked as on write. With several
// masters the one that takes a minion's grains is not the one that
// publishes the next job, so every master follows the bucket. It
// returns once the mirror holds every entry.
func (m *Master) watchGrains(ctx context.Context) error {
	watch := func(ctx context.Context) (jetstream.KeyWatcher, error) { return m.grainsKV.WatchAll(ctx) }
	return m.follow(ctx, "grains", watch, func(e jetstream.KeyValueEntry) {
		k := e.Key()
		id, err := proto.IDOfToken(k)
		if err != nil {
			return
		}
		if e.Operation() != jetstream.KeyValuePut {
			m.mu.Lock()
			delete(m.grains, id)
			m.mu.Unlock()
			return
		}
		var g map[string]any
		if err := json.Unmarshal(e.Value(), &g); err != nil {
			m.refused.note("registry", k, "grains entry: "+err.Error())
			return
		}
		if g, err = checkGrains(id, g); err != nil {
			m.refused.note("registry", k, "grains entry: "+err.Error())
			return
		}
		m.mu.Lock()
		m.grains[id] = g
		m.mu.Unlock()
	})
}

// CopyKeySet copies the key set of a cluster's first master (from, its
// state dir) into the state dir of another (to), before that one first
// starts: the files of ClusterKeyFiles that from holds, readable by
// their owner only. A file to holds already must be the same: a master
// with keys of its own is refused, since its minions trust those.
func CopyKeySet(from, to string) error { return copyKeys(from, to, ClusterKeyFiles) }

// CopySharedKeys copies the key set but the job key: the master it goes
// to makes a job key of its own at its first start, which the minions
// trust once an operator adds it from a trusted master (brine trust add;
// docs/scaling.md, several masters).
func CopySharedKeys(from, to string) error {
	var names []string
	for _, n := range ClusterKeyFiles {
		if n != JobKeyFile {
			names = append(names, n)
		}
	}
	return copyKeys(from, to, names)
}

func copyKeys(from, to string, names []string) error {
	if err := os.MkdirAll(to, 0o700); err != nil {
		return fmt.Errorf("key set: %w", err)
	}
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(from, name))
		if errors.Is(err, os.ErrNotExist) && (name == CAFile || name == CAKeyFile) {
			continue // a master on loopback made no CA
		}
		if err != nil {
			return fmt.Errorf("key set: %w", err)
		}
		dst := filepath.Join(to, name)
		if old, err := os.ReadFile(dst); err == nil {
			if !bytes.Equal(old, b) {
				return fmt.Errorf("key set: %s differs from %s: that master has keys of its own", dst, filepath.Join(from, name))
			}
			continue
		}
		if err := writeFile0600(dst, b); err != nil {
			return fmt.Errorf("key set: %w", err)
		}
	}
	return nil
}

// cacheTry bounds one try at a request to the store. When the node that
// leads a stream goes (a node killed, cut off), a request sent to it is
// never answered, and the stream's other copies elect a new leader
// within seconds: the request tried again then gets its answer. A write
// that did land before is not stored twice: every write the master
// waits for carries a message id, and the stream drops a repeated one.
const cacheTry = 3 * time.Second

// errDuplicateInProcess is nats-server's JSStreamDuplicateMessageConflict:
// a write whose message id a try before put to the stream's vote, which
// has not ended yet; the next try gets the first one's answer.
const errDuplicateInProcess = 10158

// unanswered tells a request to the store that got no answer (nobody
// there, or nobody yet, or not yet), which may be tried again, from a
// refusal.
func unanswered(err error) bool {
	var api *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoHeartbeat) ||
		(errors.As(err, &api) && api.ErrorCode == errDuplicateInProcess)
}

// storeRequest runs req with a deadline of its own, and again after a
// try that got no answer, until ctx ends; any other error is returned
// at once.
func (m *Master) storeRequest(ctx context.Context, what string, req func(context.Context) error) error {
	pause := 100 * time.Millisecond
	for {
		tctx, cancel := context.WithTimeout(ctx, cacheTry)
		err := req(tctx)
		cancel()
		if err == nil || !unanswered(err) || ctx.Err() != nil {
			return err
		}
		m.log.Debug("store: no answer, trying again", "what", what, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last: %w)", ctx.Err(), err)
		case <-time.After(pause):
		}
		pause = min(2*pause, time.Second)
	}
}

// publishCache writes one message to the job cache and waits for the
// stream's answer (storeRequest); a refusal (a job id recorded already)
// is returned at once.
func (m *Master) publishCache(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	var ack *jetstream.PubAck
	err := m.storeRequest(ctx, msg.Subject, func(ctx context.Context) (err error) {
		ack, err = m.js.PublishMsg(ctx, msg, opts...)
		return err
	})
	return ack, err
}

// putPresence writes a minion's presence to its bucket without waiting
// for the answer, nor holding a worker: a refresh lost is harmless (the
// next comes within presence_ttl/2), while one that waited would hold a
// worker as long as the bucket's stream elects a leader (a node gone),
// and every minion's presence would soon hold them all, returns and the
// operator's requests queued behind. When too many writes await their
// answer, this one is dropped.
func (m *Master) putPresence(id string, data []byte) {
	subj := "$KV." + PresenceBucket + "." + proto.Token(id)
	if _, err := m.js.PublishAsync(subj, data, jetstream.WithStallWait(time.Millisecond)); err != nil {
		m.log.Debug("presence not written", "id", id, "err", err)
	}
}
