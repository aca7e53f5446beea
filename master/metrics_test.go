package master

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
)

// TestMetricsServed drives a master through a job, a return, a pillar
// request, a file and a refusal, and scrapes /metrics over HTTP: every
// metric declared is served, none undeclared, with the values of what
// happened.
func TestMetricsServed(t *testing.T) {
	dir := t.TempDir()
	cfg := masterConfig(dir)
	cfg.Metrics.Listen = "127.0.0.1:0"
	if err := os.MkdirAll(filepath.Join(dir, "srv"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "srv", "motd"), []byte("hello, fleet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(cfg, Options{Log: testLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	op := operator(t, m)
	web := acceptedMinion(t, m, op, "web1")
	pend := connectMinion(t, m.ClientURL(), "new1")
	pend.requestKey(t)

	jid := proto.NewJID(time.Now())
	var pr proto.PublishReply
	checkFor(t, 5*time.Second, 50*time.Millisecond, func() error {
		b, _ := proto.Marshal(&proto.Presence{ID: "web1", Status: proto.Online, Time: time.Now()})
		_ = web.nc.Publish(proto.SubjPresence("web1"), b)
		_ = web.nc.Flush()
		if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: "*", Fun: "test.ping", Resolve: true}, &pr); err != nil {
			return err
		}
		if len(pr.Minions) != 1 {
			return fmt.Errorf("%d minions connected", len(pr.Minions))
		}
		return nil
	})
	if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: "*", Fun: "test.ping"}, &pr); err != nil {
		t.Fatal(err)
	}
	b, _ := proto.Marshal(&proto.Return{JID: jid, ID: "web1", Fun: "test.ping", Return: true, Success: true})
	msg, err := web.nc.Request(proto.SubjReturn("web1", jid), b, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var st proto.Stored
	if err := proto.Unmarshal(msg.Data, &st); err != nil || st.Err() != nil {
		t.Fatalf("return not stored: %v %v", err, st.Err())
	}
	// A job no connected minion matches, one whose target is bad, and a
	// dry resolve (not counted).
	if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: "nobody", Fun: "test.echo"}, &pr); err != nil {
		t.Fatal(err)
	}
	if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: "(", TargetType: proto.TargetPCRE, Fun: "test.echo"}, &pr); err == nil {
		t.Fatal("a bad pcre target was published")
	}
	if err := ask(t, op, proto.SubjPublish, &proto.PublishRequest{JID: proto.NewJID(time.Now()), Target: "*", Fun: "test.version", Resolve: true}, &pr); err != nil {
		t.Fatal(err)
	}
	// The same return again (a retry): kept once, counted once.
	if _, err := web.nc.Request(proto.SubjReturn("web1", jid), b, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// Pillar (no pillar tree: an error render, timed all the same) and
	// a file.
	if _, err := web.nc.Request(proto.SubjPillar("web1"), []byte("{}"), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	fb, _ := proto.Marshal(&proto.FileRequest{Path: "motd"})
	fm, err := web.nc.Request(proto.SubjFile("web1"), fb, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var info proto.FileInfo
	if err := proto.Unmarshal(fm.Data, &info); err != nil || info.SHA256 == "" {
		t.Fatalf("file info %+v: %v", info, err)
	}
	cb, _ := proto.Marshal(&proto.ChunkRequest{SHA256: info.SHA256, Index: 0, ChunkV: proto.ChunkVersion})
	if _, err := web.nc.Request(proto.SubjFileChunk("web1"), cb, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// A refusal: an ack that is no ack.
	_ = web.nc.Publish(proto.SubjAck("web1", jid), []byte("not json"))
	_ = web.nc.Flush()

	url := "http://" + m.MetricsAddr() + metrics.Path
	var fams metrics.Families
	checkFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		if fams, err = metrics.Scrape(url, nil); err != nil {
			return err
		}
		if v, _ := fams.Value("brine_master_refusals_total", metrics.L("kind", "ack")); v < 1 {
			return errors.New("the ack refusal is not counted yet")
		}
		// The key request was published, not asked: the master
		// registers it on its own time.
		if v, _ := fams.Value("brine_master_minions", metrics.L("state", "pending")); v < 1 {
			return errors.New("the pending key is not registered yet")
		}
		return nil
	})
	for _, tt := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"brine_master_minions", metrics.L("state", "accepted"), 1},
		{"brine_master_minions", metrics.L("state", "pending"), 1},
		{"brine_master_minions", metrics.L("state", "rejected"), 0},
		{"brine_master_minions_connected", nil, 1},
		{"brine_master_jobs_total", metrics.L("function", "test.ping", "result", "published"), 1},
		{"brine_master_jobs_total", metrics.L("function", "test.echo", "result", "no_minions"), 1},
		{"brine_master_jobs_total", metrics.L("function", "test.echo", "result", "error"), 1},
		{"brine_master_job_minions_total", metrics.L("function", "test.ping", "state", "sent"), 1},
		{"brine_master_returns_total", metrics.L("function", "test.ping", "result", "success"), 1},
		{"brine_master_return_latency_seconds", metrics.L("function", "test.ping"), 1},
		{"brine_master_publish_seconds", nil, 1},
		{"brine_master_pillar_render_seconds", nil, 1},
		{"brine_master_file_requests_total", metrics.L("kind", "stat"), 1},
		{"brine_master_file_requests_total", metrics.L("kind", "chunk"), 1},
		{"brine_master_file_bytes_served_total", nil, float64(len("hello, fleet\n"))},
		{"brine_master_scrape_collector_success", metrics.L("collector", "minions"), 1},
		{"brine_master_scrape_collector_success", metrics.L("collector", "nats"), 1},
		{"brine_master_scrape_collector_success", metrics.L("collector", "jetstream"), 1},
		{"brine_master_nats_client_connected", metrics.L("conn", "work"), 1},
	} {
		got, ok := fams.Value(tt.name, tt.labels)
		if !ok || got != tt.want {
			t.Errorf("%s%v = %v (found %v); want %v", tt.name, tt.labels, got, ok, tt.want)
		}
	}
	for _, tt := range []struct {
		name   string
		labels map[string]string
	}{
		{"brine_master_nats_server_connections", nil},
		{"brine_master_nats_server_messages_total", metrics.L("direction", "in")},
		{"brine_master_jetstream_streams", nil},
		{"brine_master_jetstream_api_requests_total", nil},
		{"brine_master_job_cache_messages", nil},
		{"brine_master_job_cache_bytes", nil},
	} {
		if got, ok := fams.Value(tt.name, tt.labels); !ok || got < 1 {
			t.Errorf("%s%v = %v (found %v); want at least 1", tt.name, tt.labels, got, ok)
		}
	}
	if v, ok := fams.Value("brine_master_jobs_total", metrics.L("function", "test.version")); ok {
		t.Errorf("a dry resolve was counted as a job: %v", v)
	}
	if v, _ := fams.Value("go_goroutines", nil); v < 1 {
		t.Errorf("go_goroutines = %v; want the Go runtime's metrics served too", v)
	}
	declared := map[string]bool{}
	for _, d := range MetricDefs() {
		declared[d.Name] = true
		if fams[d.Name] == nil {
			t.Errorf("%s is declared but not served", d.Name)
		} else if got := strings.ToLower(fams[d.Name].GetType().String()); got != string(d.Type) {
			t.Errorf("%s is served as a %s; declared a %s", d.Name, got, d.Type)
		}
	}
	for name := range fams {
		if !declared[name] && !metrics.Standard(name) {
			t.Errorf("%s is served but not declared in MetricDefs", name)
		}
	}
}

// TestMetricsTLS serves the metrics over TLS (metrics.tls, as beyond
// loopback) with the master's certificate: a scraper that trusts ca.pem
// gets them, one that does not is refused.
func TestMetricsTLS(t *testing.T) {
	dir := t.TempDir()
	cfg := Defaults()
	cfg.Port = -1
	cfg.StateDir = filepath.Join(dir, "state")
	cfg.Metrics = MetricsConfig{Listen: "127.0.0.1:0", TLS: true}
	m := New(&cfg, Options{Log: testLog()})
	if err := m.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Shutdown)
	url := "https://" + m.MetricsAddr() + metrics.Path
	if _, err := metrics.Scrape(url, &tls.Config{}); err == nil {
		t.Error("scraped over TLS without trusting the master's CA")
	}
	ca, err := os.ReadFile(filepath.Join(cfg.StateDir, CAFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	fams, err := metrics.Scrape(url, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := fams.Value("brine_master_minions_connected", nil); !ok {
		t.Error("no brine_master_minions_connected over TLS")
	}
	if _, err := metrics.Scrape("http://"+m.MetricsAddr()+metrics.Path, nil); err == nil {
		t.Error("plain HTTP answered on the TLS listener")
	}
}

func TestMetricsConfig(t *testing.T) {
	for _, tt := range []struct {
		mc   MetricsConfig
		ok   bool
		loop bool
	}{
		{MetricsConfig{}, true, false},
		{MetricsConfig{Listen: "127.0.0.1:9273"}, true, true},
		{MetricsConfig{Listen: "[::1]:9273"}, true, true},
		{MetricsConfig{Listen: "localhost:9273"}, true, true},
		{MetricsConfig{Listen: "0.0.0.0:9273"}, true, false},
		{MetricsConfig{Listen: ":9273"}, true, false},
		{MetricsConfig{Listen: "9273"}, false, false},
		{MetricsConfig{Listen: "10.0.0.1:"}, false, false},
	} {
		if err := tt.mc.validate(); (err == nil) != tt.ok {
			t.Errorf("%+v.validate() = %v; want ok %v", tt.mc, err, tt.ok)
		}
		if tt.ok && tt.mc.Listen != "" {
			if got := listenLoopback(tt.mc.Listen); got != tt.loop {
				t.Errorf("listenLoopback(%q) = %v; want %v", tt.mc.Listen, got, tt.loop)
			}
		}
	}
}

// TestRefusalKindsListed keeps refusalKinds whole: every kind the code
// gives refusals.note has its counter made at start (and shown at 0).
func TestRefusalKindsListed(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	re := regexp.MustCompile(`refused\.note\("([a-z_]+)"`)
	found := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			found[m[1]] = true
		}
	}
	for _, n := range limNames {
		found[n] = true
	}
	if len(found) < 10 {
		t.Fatalf("found only %v: the pattern no longer matches the code", found)
	}
	for k := range found {
		if !slices.Contains(refusalKinds, k) {
			t.Errorf("refusal kind %q is not in refusalKinds", k)
		}
	}
}

// TestRefusalsCounted counts every refusal, also those the log leaves
// out.
func TestRefusalsCounted(t *testing.T) {
	cfg := Defaults()
	m := New(&cfg, Options{Log: testLog()})
	for i := 0; i < 5; i++ {
		m.refused.note("heartbeat", "m1", "rate limit")
	}
	m.refused.note("made_up", "m1", "x")
	if got := testutil.ToFloat64(m.metrics.refusals.WithLabelValues("heartbeat")); got != 5 {
		t.Errorf("heartbeat refusals = %v; want 5", got)
	}
	if got := testutil.ToFloat64(m.metrics.refusals.WithLabelValues("made_up")); got != 1 {
		t.Errorf("made_up refusals = %v; want 1", got)
	}
	if got := testutil.ToFloat64(m.metrics.refusals.WithLabelValues("auth")); got != 0 {
		t.Errorf("auth refusals = %v; want 0", got)
	}
}

// TestReturnKept counts results and observes latency only for what an
// operator published.
func TestReturnKept(t *testing.T) {
	cfg := Defaults()
	mm := New(&cfg, Options{Log: testLog()}).metrics
	now := time.Now()
	mm.returnKept("state.apply", &proto.ReturnHead{Success: true}, now.Add(-2*time.Second), now)
	mm.returnKept("state.apply", &proto.ReturnHead{Retcode: 2}, now.Add(-3*time.Second), now)
	mm.returnKept("state.apply", &proto.ReturnHead{Interrupted: true}, now.Add(-4*time.Second), now)
	mm.returnKept("state.highstate", &proto.ReturnHead{Success: true, Startup: true}, time.Time{}, now)
	for _, tt := range []struct {
		fun, result string
		want        float64
	}{
		{"state.apply", "success", 1}, {"state.apply", "failure", 1}, {"state.apply", "interrupted", 1},
		{"state.highstate", "success", 1},
	} {
		if got := testutil.ToFloat64(mm.returns.WithLabelValues(tt.fun, tt.result)); got != tt.want {
			t.Errorf("returns{%s,%s} = %v; want %v", tt.fun, tt.result, got, tt.want)
		}
	}
	if n := testutil.CollectAndCount(mm.latency, "brine_master_return_latency_seconds"); n != 1 {
		t.Errorf("%d latency series; want state.apply's alone", n)
	}
	if got := histSum(t, mm); got != 9 {
		t.Errorf("latency sum = %v; want 9 (2+3+4 seconds)", got)
	}
}

func histSum(t *testing.T, mm *masterMetrics) float64 {
	t.Helper()
	fams, err := mm.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == "brine_master_return_latency_seconds" {
			return f.GetMetric()[0].GetHistogram().GetSampleSum()
		}
	}
	t.Fatal("no latency family")
	return 0
}

// gatherFamilies reads a master's metrics from its registry, as a scrape
// would, in the parsed shape.
func gatherFamilies(t *testing.T, m *Master) metrics.Families {
	t.Helper()
	mfs, err := m.Metrics().Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := metrics.Families{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}
