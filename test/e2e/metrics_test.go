package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// TestMetricsAfterJobsAndARefusal runs a real master and two minions
// with metrics on, runs test.echo and a dry highstate, has a stranger
// ask for an accepted minion's id with a key of its own (refused and
// listed as denied), and scrapes the master's /metrics and a minion's
// over HTTP: the minion counts, the job and return counters, the
// latency histogram with its function label, the refusal by kind, and
// the minion's drift.
func TestMetricsAfterJobsAndARefusal(t *testing.T) {
	mport, nport := harness.FreePort(t), harness.FreePort(t)
	e := newEnv(t, fmt.Sprintf("metrics:\n  listen: 127.0.0.1:%d\n", mport))
	e.AddMinion("m1", "role: web", fmt.Sprintf("metrics_listen: 127.0.0.1:%d\n", nport))
	e.AddMinion("m2", "role: db", "")
	e.AcceptAll("m1", "m2")
	masterURL := fmt.Sprintf("http://127.0.0.1:%d%s", mport, metrics.Path)
	minionURL := fmt.Sprintf("http://127.0.0.1:%d%s", nport, metrics.Path)

	// test.echo, which AcceptAll does not run: counted from 0.
	if out, errOut, code := e.Brine("*", "test.echo", "hello", "-t", "30"); code != 0 {
		t.Fatalf("test.echo: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.Brine("m1", "state.highstate", "test=True", "-t", "60"); code != 0 {
		t.Fatalf("state.highstate test=True: exit %d\n%s%s", code, out, errOut)
	}

	// A stranger with a key of its own asks to be m1: refused, and
	// listed as denied.
	kp, _ := nkeys.CreateUser()
	pub, _ := kp.PublicKey()
	nc, err := nats.Connect(e.URL(), nats.Nkey(pub, kp.Sign), nats.IgnoreAuthErrorAbort())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ask := func() {
		now := time.Now().UTC()
		sig, _ := kp.Sign(proto.KeyRequestPayload("m1", pub, now))
		b, _ := proto.Marshal(&proto.KeyRequest{ID: "m1", Nkey: pub, Time: now, Sig: sig})
		_ = nc.Publish(proto.SubjKeyRequest(pub), b)
		_ = nc.Flush()
	}

	var fams metrics.Families
	harness.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		ask()
		if fams, err = metrics.Scrape(masterURL, nil); err != nil {
			return err
		}
		if v, _ := fams.Value("brine_master_minions", metrics.L("state", "denied")); v != 1 {
			return fmt.Errorf("denied minions = %v; want 1", v)
		}
		if v, _ := fams.Value("brine_master_returns_total", metrics.L("function", "state.highstate")); v != 1 {
			return fmt.Errorf("state.highstate returns = %v; want 1", v)
		}
		if v, _ := fams.Value("brine_master_returns_total", metrics.L("function", "test.echo")); v != 2 {
			return fmt.Errorf("test.echo returns = %v; want 2", v)
		}
		return nil
	})
	type want struct {
		name   string
		labels map[string]string
		v      float64
	}
	for _, w := range []want{
		{"brine_master_minions", metrics.L("state", "accepted"), 2},
		{"brine_master_minions", metrics.L("state", "pending"), 0},
		{"brine_master_minions", metrics.L("state", "denied"), 1},
		{"brine_master_minions_connected", nil, 2},
		{"brine_master_jobs_total", metrics.L("function", "test.echo", "result", "published"), 1},
		{"brine_master_jobs_total", metrics.L("function", "state.highstate", "result", "published"), 1},
		{"brine_master_job_minions_total", metrics.L("function", "state.highstate", "state", "sent"), 1},
		{"brine_master_job_minions_total", metrics.L("function", "test.echo", "state", "sent"), 2},
		{"brine_master_returns_total", metrics.L("function", "test.echo", "result", "success"), 2},
		{"brine_master_return_latency_seconds", metrics.L("function", "test.echo"), 2},
		{"brine_master_return_latency_seconds", metrics.L("function", "state.highstate"), 1},
		{"brine_master_nats_client_connected", metrics.L("conn", "work"), 1},
	} {
		if got, ok := fams.Value(w.name, w.labels); !ok || got != w.v {
			t.Errorf("master: %s%v = %v (found %v); want %v", w.name, w.labels, got, ok, w.v)
		}
	}
	for _, w := range []want{
		{"brine_master_refusals_total", metrics.L("kind", "key_request"), 1},
		{"brine_master_pillar_render_seconds", metrics.L("result", "ok"), 1},
		{"brine_master_file_requests_total", metrics.L("kind", "manifest"), 1},
		{"brine_master_nats_server_connections", nil, 3},
		{"brine_master_jetstream_streams", nil, 1},
		{"brine_master_job_cache_messages", nil, 1},
	} {
		if got, ok := fams.Value(w.name, w.labels); !ok || got < w.v {
			t.Errorf("master: %s%v = %v (found %v); want at least %v", w.name, w.labels, got, ok, w.v)
		}
	}
	// The latency histogram: labelled by function, its buckets cumulative
	// up to +Inf.
	var hist bool
	for _, m := range fams["brine_master_return_latency_seconds"].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["function"] != "test.echo" {
			continue
		}
		hist = true
		h := m.GetHistogram()
		if len(labels) != 1 || len(h.GetBucket()) < 10 || h.GetSampleSum() <= 0 {
			t.Errorf("latency histogram of test.echo: labels %v, %d buckets, sum %v", labels, len(h.GetBucket()), h.GetSampleSum())
		}
	}
	if !hist {
		t.Error("no latency histogram for test.echo")
	}
	if !strings.Contains(e.Master.LogText(), "metrics served") {
		t.Error("the master did not log where it serves metrics")
	}

	// The minion's own: its dry highstate found both of its states to
	// change.
	mf, err := metrics.Scrape(minionURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []want{
		{"brine_minion_drift_states", nil, 2},
		{"brine_minion_last_state_run_states", metrics.L("mode", "test", "result", "none"), 2},
		{"brine_minion_last_state_run_success", metrics.L("mode", "test"), 1},
		{"brine_minion_jobs_total", metrics.L("function", "state.highstate", "result", "success"), 1},
		{"brine_minion_master_connected", nil, 1},
		{"brine_minion_state_render_seconds", metrics.L("mode", "test"), 1},
		{"brine_minion_pillar_fetch_seconds", metrics.L("result", "ok"), 1},
	} {
		if got, ok := mf.Value(w.name, w.labels); !ok || got != w.v {
			t.Errorf("minion m1: %s%v = %v (found %v); want %v", w.name, w.labels, got, ok, w.v)
		}
	}
	if v, _ := mf.Value("brine_minion_jobs_total", metrics.L("function", "test.echo", "result", "success")); v != 1 {
		t.Errorf("minion m1: test.echo jobs = %v; want 1", v)
	}
	if _, err := metrics.Scrape(fmt.Sprintf("http://127.0.0.1:%d/", mport), nil); err == nil {
		t.Error("the master's metrics listener serves more than /metrics")
	}
}
