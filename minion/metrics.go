package minion

import (
	"crypto/tls"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
)

// The minion's metrics, declared once: the registry, docs/metrics.md and
// the Grafana dashboard's test are made from these.
var (
	defJobs = metrics.Def{Name: "brine_minion_jobs_total", Type: metrics.Counter, Labels: []string{"function", "result"},
		Help: "Jobs this minion ran since it started, by function and result (success, failure, killed)."}
	defJobSeconds = metrics.Def{Name: "brine_minion_job_duration_seconds", Type: metrics.Histogram, Labels: []string{"function"},
		Help: "How long this minion's jobs ran, by function.", Buckets: metrics.LatencyBuckets}
	defLastRun = metrics.Def{Name: "brine_minion_last_state_run_timestamp_seconds", Type: metrics.Gauge, Labels: []string{"mode"},
		Help: "When the last state run (state.apply, state.highstate, state.sls, ...) ended, in Unix seconds; mode is apply, or test for test=True (and state.test)."}
	defLastRunSeconds = metrics.Def{Name: "brine_minion_last_state_run_duration_seconds", Type: metrics.Gauge, Labels: []string{"mode"},
		Help: "How long the last state run took, by mode."}
	defLastRunOK = metrics.Def{Name: "brine_minion_last_state_run_success", Type: metrics.Gauge, Labels: []string{"mode"},
		Help: "1 when the last state run of the mode succeeded (retcode 0), else 0."}
	defLastStates = metrics.Def{Name: "brine_minion_last_state_run_states", Type: metrics.Gauge, Labels: []string{"mode", "result"},
		Help: "States of the last state run of the mode by result: true, false, none (would change, in test mode)."}
	defLastChanged = metrics.Def{Name: "brine_minion_last_state_run_changed_states", Type: metrics.Gauge, Labels: []string{"mode"},
		Help: "States of the last state run of the mode that reported changes (made, or with test=True that would be made)."}
	defDrift = metrics.Def{Name: "brine_minion_drift_states", Type: metrics.Gauge,
		Help: "Drift: states with changes in the last test=True state run, that is, what a real run would change now."}
	defRender = metrics.Def{Name: "brine_minion_state_render_seconds", Type: metrics.Histogram, Labels: []string{"mode"},
		Help: "Time a state run took to render and compile its SLS (top.sls, Jinja, YAML, requisites) before its first state ran, by mode.", Buckets: metrics.LatencyBuckets}
	defPillarFetch = metrics.Def{Name: "brine_minion_pillar_fetch_seconds", Type: metrics.Histogram, Labels: []string{"result"},
		Help: "Time to get this minion's pillar from the master (rendered there) for a job, by result (ok, error).", Buckets: metrics.LatencyBuckets}
	defConnected = metrics.Def{Name: "brine_minion_master_connected", Type: metrics.Gauge,
		Help: "1 when the minion is connected to a master now (read when scraped)."}
)

// MetricDefs lists every metric the minion serves, for docs/metrics.md
// and the dashboard's test.
func MetricDefs() []metrics.Def {
	return []metrics.Def{defJobs, defJobSeconds, defLastRun, defLastRunSeconds, defLastRunOK, defLastStates,
		defLastChanged, defDrift, defRender, defPillarFetch, defConnected}
}

// minionMetrics are the minion's metrics, in a registry it owns.
type minionMetrics struct {
	reg *prometheus.Registry
	// served is reg and the runtime's metrics, for metrics_listen.
	served     prometheus.Gatherer
	jobs       *prometheus.CounterVec
	jobSeconds *prometheus.HistogramVec
	lastRun    *prometheus.GaugeVec
	lastSecs   *prometheus.GaugeVec
	lastOK     *prometheus.GaugeVec
	states     *prometheus.GaugeVec
	changed    *prometheus.GaugeVec
	drift      *prometheus.GaugeVec
	render     *prometheus.HistogramVec
	pillar     *prometheus.HistogramVec
	// textfile, when metrics_textfile is set, is written after each job.
	textfile *metrics.Textfile
	// runtime gathers the Go runtime's and the process's metrics.
	runtime lazyRuntime
}

// lazyRuntime gathers metrics.Runtime's collectors, which it builds at
// its first Gather.
type lazyRuntime struct {
	mu  sync.Mutex
	reg *prometheus.Registry
}

// Gather implements prometheus.Gatherer.
func (l *lazyRuntime) Gather() ([]*dto.MetricFamily, error) {
	l.mu.Lock()
	if l.reg == nil {
		l.reg = prometheus.NewRegistry()
		l.reg.MustRegister(metrics.Runtime()...)
	}
	reg := l.reg
	l.mu.Unlock()
	return reg.Gather()
}

// built reports whether the collectors exist yet.
func (l *lazyRuntime) built() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.reg != nil
}

func newMinionMetrics(m *Minion) *minionMetrics {
	mm := &minionMetrics{
		reg:        prometheus.NewPedanticRegistry(),
		jobs:       defJobs.CounterVec(),
		jobSeconds: defJobSeconds.HistogramVec(),
		lastRun:    defLastRun.GaugeVec(),
		lastSecs:   defLastRunSeconds.GaugeVec(),
		lastOK:     defLastRunOK.GaugeVec(),
		states:     defLastStates.GaugeVec(),
		changed:    defLastChanged.GaugeVec(),
		drift:      defDrift.GaugeVec(),
		render:     defRender.HistogramVec(),
		pillar:     defPillarFetch.HistogramVec(),
	}
	connected := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: defConnected.Name, Help: defConnected.Help}, func() float64 {
		m.mu.Lock()
		nc := m.nc
		m.mu.Unlock()
		if nc != nil && nc.IsConnected() && m.accepted.Load() {
			return 1
		}
		return 0
	})
	mm.reg.MustRegister(mm.jobs, mm.jobSeconds, mm.lastRun, mm.lastSecs, mm.lastOK, mm.states, mm.changed, mm.drift, mm.render, mm.pillar, connected)
	// Served, the Go runtime's and the process's metrics come too; the
	// textfile leaves them out: node_exporter serves its own go_* and
	// process_*, and would refuse a second copy. Their collectors are
	// built at the first scrape: a minion whose metrics nobody scrapes
	// keeps no Go collector (its tables of runtime/metrics descriptions
	// and compiled rules, ~90 kB of live heap) for ever (issue 10).
	mm.served = prometheus.Gatherers{mm.reg, &mm.runtime}
	if p := m.cfg.MetricsTextfile; p != "" {
		mm.textfile = &metrics.Textfile{Path: p}
	}
	return mm
}

// stateRunMode tells whether a job is a state run for the metrics, and
// its mode: test for test=True (or state.test), else apply.
func stateRunMode(job *proto.Job) (mode string, ok bool) {
	switch {
	case job.Fun == "state.test":
		return "test", true
	case !isStateRun(job.Fun):
		return "", false
	case isTest(job.Kwargs):
		return "test", true
	}
	return "apply", true
}

// rendered times a state run's render and compile.
func (mm *minionMetrics) rendered(mode string, took time.Duration) {
	mm.render.WithLabelValues(mode).Observe(took.Seconds())
}

// pillarFetched times a pillar request.
func (mm *minionMetrics) pillarFetched(took time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	mm.pillar.WithLabelValues(result).Observe(took.Seconds())
}

// isTest reads a job's test kwarg as exec binds it: a bool, or a word.
func isTest(kw map[string]any) bool {
	switch v := kw["test"].(type) {
	case bool:
		return v
	case string:
		b, err := strconv.ParseBool(v)
		return err == nil && b || strings.EqualFold(v, "yes")
	}
	return false
}

// ran records a job's end: its count and time, and for a state run the
// states by result and the drift. value is what exec returned (a state
// run's []engine.StateResult).
func (mm *minionMetrics) ran(job *proto.Job, ret *proto.Return, value any, killed bool) {
	fun := proto.Clip(job.Fun, 64)
	result := "failure"
	switch {
	case killed:
		result = "killed"
	case ret.Success:
		result = "success"
	}
	took := ret.End.Sub(ret.Start)
	mm.jobs.WithLabelValues(fun, result).Inc()
	mm.jobSeconds.WithLabelValues(fun).Observe(max(0, took.Seconds()))
	mode, ok := stateRunMode(job)
	if !ok || killed {
		return
	}
	n := map[string]int{}
	changed := 0
	results, _ := value.([]engine.StateResult)
	for _, r := range results {
		n[strings.ToLower(r.Result.Result.String())]++
		if r.Changed() {
			changed++
		}
	}
	mm.lastRun.WithLabelValues(mode).Set(float64(ret.End.UnixNano()) / 1e9)
	mm.lastSecs.WithLabelValues(mode).Set(took.Seconds())
	success := 0.0
	if ret.Success {
		success = 1
	}
	mm.lastOK.WithLabelValues(mode).Set(success)
	for _, r := range []string{"true", "false", "none"} {
		mm.states.WithLabelValues(mode, r).Set(float64(n[r]))
	}
	mm.changed.WithLabelValues(mode).Set(float64(changed))
	if mode == "test" {
		mm.drift.WithLabelValues().Set(float64(changed))
	}
}

// writeTextfile writes the metrics for node_exporter, when asked.
func (m *Minion) writeTextfile() {
	if m.metrics.textfile == nil {
		return
	}
	if err := m.metrics.textfile.Write(m.metrics.reg); err != nil {
		m.log.Warn("metrics: textfile", "path", m.cfg.MetricsTextfile, "err", err)
	}
}

// Metrics is the minion's registry, for tests and embedders.
func (m *Minion) Metrics() prometheus.Gatherer { return m.metrics.served }

// MetricsAddr is the address the metrics are served on, empty when off.
func (m *Minion) MetricsAddr() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.metricsSrv == nil {
		return ""
	}
	return m.metricsSrv.Addr()
}

// startMetrics serves the metrics when minion.yaml asks: on loopback in
// plain HTTP, beyond it over TLS with metrics_tls_cert and _key
// (Validate requires them there).
func (m *Minion) startMetrics() error {
	addr := m.cfg.MetricsListen
	if addr == "" {
		return nil
	}
	var tc *tls.Config
	if m.cfg.MetricsTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(m.cfg.MetricsTLSCert, m.cfg.MetricsTLSKey)
		if err != nil {
			return fmt.Errorf("minion: metrics: %w", err)
		}
		tc = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s, err := metrics.Listen(addr, tc, m.metrics.served, m.log)
	if err != nil {
		return fmt.Errorf("minion: %w", err)
	}
	m.mu.Lock()
	m.metricsSrv = s
	m.mu.Unlock()
	m.log.Info("metrics served", "addr", s.Addr(), "tls", tc != nil)
	return nil
}

func (m *Minion) stopMetrics() {
	m.mu.Lock()
	s := m.metricsSrv
	m.mu.Unlock()
	if err := s.Close(); err != nil {
		m.log.Warn("metrics: stop", "err", err)
	}
}

// validateMetrics checks the metrics keys of minion.yaml.
func (c *Config) validateMetrics() error {
	if (c.MetricsTLSCert == "") != (c.MetricsTLSKey == "") {
		return fmt.Errorf("minion config: metrics_tls_cert and metrics_tls_key go together")
	}
	if c.MetricsListen != "" {
		host, port, err := net.SplitHostPort(c.MetricsListen)
		if err != nil || port == "" {
			return fmt.Errorf("minion config: metrics_listen %q: want host:port, e.g. 127.0.0.1:9274", c.MetricsListen)
		}
		if !isLoopbackHost(host) && c.MetricsTLSCert == "" {
			return fmt.Errorf("minion config: metrics_listen %s is beyond loopback: set metrics_tls_cert and metrics_tls_key, or write metrics_textfile for node_exporter", c.MetricsListen)
		}
	}
	if p := c.MetricsTextfile; p != "" && (!filepath.IsAbs(p) || !strings.HasSuffix(p, ".prom")) {
		return fmt.Errorf("minion config: metrics_textfile %q: want an absolute path ending in .prom (node_exporter reads only those)", p)
	}
	return nil
}

func isLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
