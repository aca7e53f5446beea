package master

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
)

// MetricsConfig is master.yaml's metrics: the Prometheus endpoint.
type MetricsConfig struct {
	// Listen is host:port for GET /metrics; empty: off. Beyond
	// loopback (or with tls) it is served over TLS with the master's
	// certificate (ca.pem in the state dir is the CA to trust).
	Listen string `yaml:"listen"`
	// TLS serves it over TLS even on loopback.
	TLS bool `yaml:"tls"`
}

// The master's metrics, declared once: the registry, docs/metrics.md and
// the Grafana dashboard's test are made from these.
var (
	defMinions = metrics.Def{Name: "brine_master_minions", Type: metrics.Gauge, Labels: []string{"state"},
		Help: "Minion keys in the registry by state: accepted, pending, rejected, denied (asked for an id another key holds), corrupt."}
	defConnected = metrics.Def{Name: "brine_master_minions_connected", Type: metrics.Gauge,
		Help: "Accepted minions connected now (to this master's server, or present within presence_ttl)."}
	defJobs = metrics.Def{Name: "brine_master_jobs_total", Type: metrics.Counter, Labels: []string{"function", "result"},
		Help: "Jobs asked of this master, by function and result: published (sent to at least one minion), no_minions (no connected minion matched), error (a bad target, the job cache or NATS failed)."}
	defJobMinions = metrics.Def{Name: "brine_master_job_minions_total", Type: metrics.Counter, Labels: []string{"function", "state"},
		Help: "Minions jobs were published to (state=sent) or that matched but were not connected (state=not_connected), by function."}
	defReturns = metrics.Def{Name: "brine_master_returns_total", Type: metrics.Counter, Labels: []string{"function", "result"},
		Help: "Returns kept in the job cache, by function and result (success, failure, interrupted)."}
	defLatency = metrics.Def{Name: "brine_master_return_latency_seconds", Type: metrics.Histogram, Labels: []string{"function"},
		Help: "Time from a job's publication to each minion's return being kept, by function (startup runs, which nobody published, are left out).", Buckets: metrics.LatencyBuckets}
	defPublish = metrics.Def{Name: "brine_master_publish_seconds", Type: metrics.Histogram,
		Help: "Time to publish a job: resolve the target, record the job, sign and send it.", Buckets: metrics.LatencyBuckets}
	defPillar = metrics.Def{Name: "brine_master_pillar_render_seconds", Type: metrics.Histogram, Labels: []string{"result"},
		Help: "Time to render one minion's pillar (pillar top.sls, Jinja, YAML, merge) for its request, by result (ok, error).", Buckets: metrics.LatencyBuckets}
	defFileBytes = metrics.Def{Name: "brine_master_file_bytes_served_total", Type: metrics.Counter,
		Help: "Bytes of state tree files served to minions, in chunks."}
	defFileRequests = metrics.Def{Name: "brine_master_file_requests_total", Type: metrics.Counter, Labels: []string{"kind"},
		Help: "File server requests answered, by kind (stat, list, chunk, manifest: the whole tree's files and hashes, bundle: several small files whole in one answer)."}
	defRefusals = metrics.Def{Name: "brine_master_refusals_total", Type: metrics.Counter, Labels: []string{"kind"},
		Help: "Requests and messages the security layer refused or dropped, by kind (rate limits, busy, bad or foreign messages, auth, ...); see docs/security.md."}

	defNATSConns      = metrics.Def{Name: "brine_master_nats_server_connections", Type: metrics.Gauge, Help: "Client connections to the embedded NATS server now."}
	defNATSConnsTotal = metrics.Def{Name: "brine_master_nats_server_connections_total", Type: metrics.Counter, Help: "Client connections the embedded NATS server has accepted since it started."}
	defNATSMsgs       = metrics.Def{Name: "brine_master_nats_server_messages_total", Type: metrics.Counter, Labels: []string{"direction"}, Help: "Messages the embedded NATS server received (in) and sent (out)."}
	defNATSBytes      = metrics.Def{Name: "brine_master_nats_server_bytes_total", Type: metrics.Counter, Labels: []string{"direction"}, Help: "Bytes the embedded NATS server received (in) and sent (out)."}
	defNATSSlow       = metrics.Def{Name: "brine_master_nats_server_slow_consumers_total", Type: metrics.Counter, Help: "Clients the embedded NATS server cut off for reading too slowly."}
	defNATSSubs       = metrics.Def{Name: "brine_master_nats_server_subscriptions", Type: metrics.Gauge, Help: "Subscriptions on the embedded NATS server now."}
	defClientMsgs     = metrics.Def{Name: "brine_master_nats_client_messages_total", Type: metrics.Counter, Labels: []string{"conn", "direction"}, Help: "Messages on the master's own NATS connections (conn: work, auth), in and out."}
	defClientBytes    = metrics.Def{Name: "brine_master_nats_client_bytes_total", Type: metrics.Counter, Labels: []string{"conn", "direction"}, Help: "Bytes on the master's own NATS connections (conn: work, auth), in and out."}
	defClientRecon    = metrics.Def{Name: "brine_master_nats_client_reconnects_total", Type: metrics.Counter, Labels: []string{"conn"}, Help: "Reconnects of the master's own NATS connections."}
	defClientUp       = metrics.Def{Name: "brine_master_nats_client_connected", Type: metrics.Gauge, Labels: []string{"conn"}, Help: "1 when the master's NATS connection is connected."}
	defJSStreams      = metrics.Def{Name: "brine_master_jetstream_streams", Type: metrics.Gauge, Help: "JetStream streams (the job cache and the registries' buckets)."}
	defJSConsumers    = metrics.Def{Name: "brine_master_jetstream_consumers", Type: metrics.Gauge, Help: "JetStream consumers."}
	defJSMemory       = metrics.Def{Name: "brine_master_jetstream_memory_bytes", Type: metrics.Gauge, Help: "JetStream memory storage used."}
	defJSStorage      = metrics.Def{Name: "brine_master_jetstream_storage_bytes", Type: metrics.Gauge, Help: "JetStream file storage used."}
	defJSAPI          = metrics.Def{Name: "brine_master_jetstream_api_requests_total", Type: metrics.Counter, Help: "JetStream API requests."}
	defJSAPIErrors    = metrics.Def{Name: "brine_master_jetstream_api_errors_total", Type: metrics.Counter, Help: "JetStream API requests answered with an error."}
	defCacheMsgs      = metrics.Def{Name: "brine_master_job_cache_messages", Type: metrics.Gauge, Help: "Messages in the job cache stream (job records, acks, events, returns)."}
	defCacheBytes     = metrics.Def{Name: "brine_master_job_cache_bytes", Type: metrics.Gauge, Help: "Bytes in the job cache stream (bounded by limits.job_cache_bytes)."}

	defScrapeOK  = metrics.Def{Name: "brine_master_scrape_collector_success", Type: metrics.Gauge, Labels: []string{"collector"}, Help: "1 when a collector that reads its values at scrape time succeeded."}
	defScrapeDur = metrics.Def{Name: "brine_master_scrape_collector_duration_seconds", Type: metrics.Gauge, Labels: []string{"collector"}, Help: "How long a collector that reads its values at scrape time took."}
)

// scrapeCollectors read their values when scraped, each in the same
// shape (node_exporter's): they declare their defs and send what they
// read. Registered here, and nowhere else.
var scrapeCollectors = []struct {
	name string
	defs []metrics.Def
	new  func(m *Master) scrapeCollector
}{
	{"minions", []metrics.Def{defMinions, defConnected}, func(m *Master) scrapeCollector { return minionsCollector{m} }},
	{"nats", []metrics.Def{defNATSConns, defNATSConnsTotal, defNATSMsgs, defNATSBytes, defNATSSlow, defNATSSubs,
		defClientMsgs, defClientBytes, defClientRecon, defClientUp}, func(m *Master) scrapeCollector { return natsCollector{m} }},
	{"jetstream", []metrics.Def{defJSStreams, defJSConsumers, defJSMemory, defJSStorage, defJSAPI, defJSAPIErrors,
		defCacheMsgs, defCacheBytes}, func(m *Master) scrapeCollector { return jetstreamCollector{m} }},
}

// scrapeCollector reads values at scrape time.
type scrapeCollector interface {
	update(ctx context.Context, ch chan<- prometheus.Metric) error
}

// MetricDefs lists every metric the master serves, for docs/metrics.md
// and the dashboard's test.
func MetricDefs() []metrics.Def {
	defs := []metrics.Def{defJobs, defJobMinions, defReturns, defLatency, defPublish, defPillar, defFileBytes,
		defFileRequests, defRefusals, defScrapeOK, defScrapeDur}
	for _, c := range scrapeCollectors {
		defs = append(defs, c.defs...)
	}
	return defs
}

// refusalKinds are the kinds refusals.note is given: their counters are
// made at start, so that counting one is an atomic add and a dashboard
// sees every kind at 0. A kind not listed is counted too (tests keep the
// list whole).
var refusalKinds = []string{"ack", "auth", "bus", "busy", "cache", "event", "event_send", "file", "grains", "heartbeat", "hello",
	"job_bytes", "key_request", "mine", "nats", "pillar", "presence", "registry", "reply", "return", "schedule"}

// RefusalKinds lists the kinds of brine_master_refusals_total, for
// docs/metrics.md.
func RefusalKinds() []string { return slices.Clone(refusalKinds) }

// masterMetrics are the master's metrics, in a registry it owns. The
// counters and histograms are updated where things happen (atomic adds);
// the gauges are read when scraped.
type masterMetrics struct {
	reg *prometheus.Registry

	jobs         *prometheus.CounterVec
	jobMinions   *prometheus.CounterVec
	returns      *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	publish      prometheus.Histogram
	pillar       *prometheus.HistogramVec
	fileBytes    prometheus.Counter
	fileRequests *prometheus.CounterVec
	refusals     *prometheus.CounterVec
	// refusalBy holds refusals' counter per kind, made at start and
	// only read after.
	refusalBy map[string]prometheus.Counter
	fileReqBy map[string]prometheus.Counter
}

func newMasterMetrics(m *Master) *masterMetrics {
	mm := &masterMetrics{
		reg:          prometheus.NewPedanticRegistry(),
		jobs:         defJobs.CounterVec(),
		jobMinions:   defJobMinions.CounterVec(),
		returns:      defReturns.CounterVec(),
		latency:      defLatency.HistogramVec(),
		publish:      defPublish.Histogram(),
		pillar:       defPillar.HistogramVec(),
		fileBytes:    defFileBytes.Counter(),
		fileRequests: defFileRequests.CounterVec(),
		refusals:     defRefusals.CounterVec(),
		refusalBy:    map[string]prometheus.Counter{},
		fileReqBy:    map[string]prometheus.Counter{},
	}
	for _, k := range refusalKinds {
		mm.refusalBy[k] = mm.refusals.WithLabelValues(k)
	}
	for _, k := range []string{"stat", "list", "chunk", "manifest", "bundle"} {
		mm.fileReqBy[k] = mm.fileRequests.WithLabelValues(k)
	}
	for _, r := range []string{"ok", "error"} {
		mm.pillar.WithLabelValues(r)
	}
	mm.reg.MustRegister(mm.jobs, mm.jobMinions, mm.returns, mm.latency, mm.publish, mm.pillar, mm.fileBytes,
		mm.fileRequests, mm.refusals, &scraper{m: m})
	mm.reg.MustRegister(metrics.Runtime()...)
	return mm
}

// refused counts a refusal of a kind. Nil-safe, for masters made in
// tests without New.
func (mm *masterMetrics) refused(kind string) {
	if mm == nil {
		return
	}
	if c, ok := mm.refusalBy[kind]; ok {
		c.Inc()
		return
	}
	mm.refusals.WithLabelValues(kind).Inc()
}

// funLabel bounds a function name used as a label: the operator names
// functions, and a typo must not make a long series name.
func funLabel(fun string) string { return proto.Clip(fun, 64) }

// published counts a job asked for: sent to minions, or to none
// (none connected), and the time a sent one took.
func (mm *masterMetrics) published(fun string, sent, notConnected int, took time.Duration) {
	if mm == nil {
		return
	}
	f := funLabel(fun)
	mm.jobMinions.WithLabelValues(f, "sent").Add(float64(sent))
	mm.jobMinions.WithLabelValues(f, "not_connected").Add(float64(notConnected))
	if sent == 0 {
		mm.jobs.WithLabelValues(f, "no_minions").Inc()
		return
	}
	mm.jobs.WithLabelValues(f, "published").Inc()
	mm.publish.Observe(took.Seconds())
}

// publishFailed counts a job that could not be published.
func (mm *masterMetrics) publishFailed(fun string) {
	if mm == nil {
		return
	}
	mm.jobs.WithLabelValues(funLabel(fun), "error").Inc()
}

// returnKept counts a return kept in the cache; issued is the job's
// publication, zero for a startup run.
func (mm *masterMetrics) returnKept(fun string, ret *proto.ReturnHead, issued time.Time, now time.Time) {
	if mm == nil {
		return
	}
	result := "failure"
	switch {
	case ret.Interrupted:
		result = "interrupted"
	case ret.Success:
		result = "success"
	}
	f := funLabel(fun)
	mm.returns.WithLabelValues(f, result).Inc()
	if !issued.IsZero() && !ret.Startup {
		mm.latency.WithLabelValues(f).Observe(max(0, now.Sub(issued).Seconds()))
	}
}

// served counts a file server answer of a kind and the file bytes it
// carries.
func (mm *masterMetrics) served(kind string, bytes int) {
	if mm == nil {
		return
	}
	mm.fileReqBy[kind].Inc()
	mm.fileBytes.Add(float64(bytes))
}

// pillarRendered times one minion's pillar render.
func (mm *masterMetrics) pillarRendered(took time.Duration, err error) {
	if mm == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	mm.pillar.WithLabelValues(result).Observe(took.Seconds())
}

// scraper runs the scrape collectors, each timed and its success
// reported, as node_exporter does.
type scraper struct{ m *Master }

func (s *scraper) Describe(ch chan<- *prometheus.Desc) {
	ch <- defScrapeOK.Desc()
	ch <- defScrapeDur.Desc()
	for _, c := range scrapeCollectors {
		for _, d := range c.defs {
			ch <- d.Desc()
		}
	}
}

// scrapeTimeout bounds a collector that asks the store.
const scrapeTimeout = 5 * time.Second

func (s *scraper) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(s.m.runContext(), scrapeTimeout)
	defer cancel()
	for _, c := range scrapeCollectors {
		start := time.Now()
		err := c.new(s.m).update(ctx, ch)
		ok := 1.0
		if err != nil {
			ok = 0
			s.m.log.Debug("metrics: collector failed", "collector", c.name, "err", err)
		}
		ch <- prometheus.MustNewConstMetric(defScrapeOK.Desc(), prometheus.GaugeValue, ok, c.name)
		ch <- prometheus.MustNewConstMetric(defScrapeDur.Desc(), prometheus.GaugeValue, time.Since(start).Seconds(), c.name)
	}
}

// runContext is the run's context, or a done one before Start.
func (m *Master) runContext() context.Context {
	if m.runCtx != nil {
		return m.runCtx
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// minionsCollector counts keys by state from the registry's index, and
// connected minions as the master sees them without asking the store.
type minionsCollector struct{ m *Master }

var keyStates = []string{proto.KeyAccepted, proto.KeyPending, proto.KeyRejected, proto.KeyDenied, "corrupt"}

func (c minionsCollector) update(_ context.Context, ch chan<- prometheus.Metric) error {
	m := c.m
	n := map[string]int{}
	var accepted []proto.KeyInfo
	m.mu.Lock()
	for _, k := range m.keyIndex {
		n[k.State]++
		if k.State == proto.KeyAccepted {
			accepted = append(accepted, k)
		}
	}
	n[proto.KeyDenied] += len(m.denied)
	m.mu.Unlock()
	for _, s := range keyStates {
		ch <- prometheus.MustNewConstMetric(defMinions.Desc(), prometheus.GaugeValue, float64(n[s]), s)
	}
	up := 0
	for _, k := range accepted {
		if m.connectedNow(k) {
			up++
		}
	}
	ch <- prometheus.MustNewConstMetric(defConnected.Desc(), prometheus.GaugeValue, float64(up))
	return nil
}

// connectedNow is connected without the store: by the minion's open
// connection on the embedded server and its fresh presence (an open
// connection that has said it is going offline is going away), else by
// its presence alone.
func (m *Master) connectedNow(k proto.KeyInfo) bool {
	present := m.present(k.ID, time.Now())
	if c, ok := m.connectedCID(k.Nkey); ok {
		return c && present
	}
	return present
}

// natsCollector reads the embedded server's counters (Varz) and the
// master's own connections' statistics.
type natsCollector struct{ m *Master }

func (c natsCollector) update(_ context.Context, ch chan<- prometheus.Metric) error {
	m := c.m
	for _, conn := range []struct {
		name string
		c    *nats.Conn
	}{{"work", m.nc}, {"auth", m.authNC}} {
		name := conn.name
		if conn.c == nil {
			continue
		}
		st := conn.c.Stats()
		ch <- prometheus.MustNewConstMetric(defClientMsgs.Desc(), prometheus.CounterValue, float64(st.InMsgs), name, "in")
		ch <- prometheus.MustNewConstMetric(defClientMsgs.Desc(), prometheus.CounterValue, float64(st.OutMsgs), name, "out")
		ch <- prometheus.MustNewConstMetric(defClientBytes.Desc(), prometheus.CounterValue, float64(st.InBytes), name, "in")
		ch <- prometheus.MustNewConstMetric(defClientBytes.Desc(), prometheus.CounterValue, float64(st.OutBytes), name, "out")
		ch <- prometheus.MustNewConstMetric(defClientRecon.Desc(), prometheus.CounterValue, float64(st.Reconnects), name)
		up := 0.0
		if conn.c.IsConnected() {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(defClientUp.Desc(), prometheus.GaugeValue, up, name)
	}
	if m.srv == nil {
		return nil
	}
	v, err := m.srv.Varz(nil)
	if err != nil {
		return fmt.Errorf("varz: %w", err)
	}
	ch <- prometheus.MustNewConstMetric(defNATSConns.Desc(), prometheus.GaugeValue, float64(v.Connections))
	ch <- prometheus.MustNewConstMetric(defNATSConnsTotal.Desc(), prometheus.CounterValue, float64(v.TotalConnections))
	ch <- prometheus.MustNewConstMetric(defNATSMsgs.Desc(), prometheus.CounterValue, float64(v.InMsgs), "in")
	ch <- prometheus.MustNewConstMetric(defNATSMsgs.Desc(), prometheus.CounterValue, float64(v.OutMsgs), "out")
	ch <- prometheus.MustNewConstMetric(defNATSBytes.Desc(), prometheus.CounterValue, float64(v.InBytes), "in")
	ch <- prometheus.MustNewConstMetric(defNATSBytes.Desc(), prometheus.CounterValue, float64(v.OutBytes), "out")
	ch <- prometheus.MustNewConstMetric(defNATSSlow.Desc(), prometheus.CounterValue, float64(v.SlowConsumers))
	ch <- prometheus.MustNewConstMetric(defNATSSubs.Desc(), prometheus.GaugeValue, float64(v.Subscriptions))
	return nil
}

// jetstreamCollector reads JetStream's usage: the embedded server's
// (Jsz), or the account's on an external cluster; and the job cache
// stream's size.
type jetstreamCollector struct{ m *Master }

func (c jetstreamCollector) update(ctx context.Context, ch chan<- prometheus.Metric) error {
	m := c.m
	var streams, consumers int
	var mem, store, api, apiErr uint64
	switch {
	case m.srv != nil:
		j, err := m.srv.Jsz(nil)
		if err != nil {
			return fmt.Errorf("jsz: %w", err)
		}
		streams, consumers, mem, store, api, apiErr = j.Streams, j.Consumers, j.Memory, j.Store, j.API.Total, j.API.Errors
	case m.js != nil:
		ai, err := m.js.AccountInfo(ctx)
		if err != nil {
			return fmt.Errorf("jetstream account info: %w", err)
		}
		streams, consumers, mem, store, api, apiErr = ai.Streams, ai.Consumers, ai.Memory, ai.Store, ai.API.Total, ai.API.Errors
	default:
		return errors.New("not connected")
	}
	ch <- prometheus.MustNewConstMetric(defJSStreams.Desc(), prometheus.GaugeValue, float64(streams))
	ch <- prometheus.MustNewConstMetric(defJSConsumers.Desc(), prometheus.GaugeValue, float64(consumers))
	ch <- prometheus.MustNewConstMetric(defJSMemory.Desc(), prometheus.GaugeValue, float64(mem))
	ch <- prometheus.MustNewConstMetric(defJSStorage.Desc(), prometheus.GaugeValue, float64(store))
	ch <- prometheus.MustNewConstMetric(defJSAPI.Desc(), prometheus.CounterValue, float64(api))
	ch <- prometheus.MustNewConstMetric(defJSAPIErrors.Desc(), prometheus.CounterValue, float64(apiErr))
	if m.cache == nil {
		return nil
	}
	info, err := m.cache.Info(ctx)
	if err != nil {
		return fmt.Errorf("job cache info: %w", err)
	}
	ch <- prometheus.MustNewConstMetric(defCacheMsgs.Desc(), prometheus.GaugeValue, float64(info.State.Msgs))
	ch <- prometheus.MustNewConstMetric(defCacheBytes.Desc(), prometheus.GaugeValue, float64(info.State.Bytes))
	return nil
}

// startMetrics serves the metrics when master.yaml asks: over TLS with
// the master's certificate beyond loopback or with metrics.tls.
func (m *Master) startMetrics() error {
	mc := m.cfg.Metrics
	if mc.Listen == "" {
		return nil
	}
	var tc *tls.Config
	if mc.TLS || !listenLoopback(mc.Listen) {
		var err error
		if tc, _, err = ensureTLS(m.cfg.StateDir, m.cfg.TLSNames); err != nil {
			return fmt.Errorf("master: metrics: %w", err)
		}
	}
	s, err := metrics.Listen(mc.Listen, tc, m.metrics.reg, m.log)
	if err != nil {
		return fmt.Errorf("master: %w", err)
	}
	m.metricsSrv = s
	m.log.Info("metrics served", "addr", s.Addr(), "tls", tc != nil)
	return nil
}

// listenLoopback reports whether host:port is on loopback alone.
func listenLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && IsLoopback(host)
}

// validate checks the metrics' address.
func (mc MetricsConfig) validate() error {
	if mc.Listen == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(mc.Listen); err != nil || port == "" {
		return fmt.Errorf("master config: metrics: listen %q: want host:port, e.g. 127.0.0.1:9273", mc.Listen)
	}
	return nil
}

// MetricsAddr is the address the metrics are served on, empty when off.
func (m *Master) MetricsAddr() string {
	if m.metricsSrv == nil {
		return ""
	}
	return m.metricsSrv.Addr()
}

// Metrics is the master's registry, for tests and embedders.
func (m *Master) Metrics() prometheus.Gatherer { return m.metrics.reg }
