package minion

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/metrics"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/states"
)

// TestMetricsTextfileAndServed runs a dry run, a real run and a dry run
// again through a real master, and reads the minion's metrics each time
// from its textfile (parsed as node_exporter's textfile collector
// would) and from its /metrics: the states by result, the drift, the
// job counts.
func TestMetricsTextfileAndServed(t *testing.T) {
	dir := t.TempDir()
	srv, root := filepath.Join(dir, "srv"), filepath.Join(dir, "root")
	prom := filepath.Join(dir, "textfile", "brine.prom")
	for _, d := range []string{srv, filepath.Join(root, "etc"), filepath.Dir(prom)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	sls := "/etc:\n  file.directory: []\n/etc/motd:\n  file.managed:\n    - contents: hello\n"
	if err := os.WriteFile(filepath.Join(srv, "motd.sls"), []byte(sls), 0o644); err != nil {
		t.Fatal(err)
	}
	m := startPlainMaster(t, dir, "m*")
	mn, _, ready := runLogged(t, dir, "m1", m.ClientURL(), func(c *Config) {
		c.Root = root
		c.MetricsTextfile = prom
		c.MetricsListen = "127.0.0.1:0"
	})
	select {
	case <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("minion m1 not accepted")
	}
	if _, err := os.Stat(prom); !os.IsNotExist(err) {
		t.Fatalf("textfile written before any job: %v", err)
	}
	cl, err := client.Connect(client.Config{URL: m.ClientURL(), Creds: filepath.Join(dir, "master", master.OperatorFile)})
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	apply := func(test bool) {
		t.Helper()
		job := client.Job{Target: "m1", TargetType: "list", Fun: "state.apply", Args: []any{"motd"}, Timeout: time.Minute}
		if test {
			job.Kwargs = map[string]any{"test": true}
		}
		res, err := cl.Run(testCtx(t), job, nil)
		if err != nil {
			t.Fatal(err)
		}
		if ret := res.Returns["m1"]; ret == nil || ret.Retcode != 0 {
			t.Fatalf("state.apply motd test=%v: %+v", test, ret)
		}
	}
	read := func() metrics.Families {
		t.Helper()
		f, err := os.Open(prom)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fams, err := metrics.Parse(f)
		if err != nil {
			t.Fatal(err)
		}
		return fams
	}
	type want struct {
		name   string
		labels map[string]string
		v      float64
	}
	check := func(what string, fams metrics.Families, wants []want) {
		t.Helper()
		for _, w := range wants {
			if got, ok := fams.Value(w.name, w.labels); !ok || got != w.v {
				t.Errorf("%s: %s%v = %v (found %v); want %v", what, w.name, w.labels, got, ok, w.v)
			}
		}
	}

	apply(true)
	check("after a dry run", read(), []want{
		{"brine_minion_drift_states", nil, 1},
		{"brine_minion_last_state_run_states", metrics.L("mode", "test", "result", "none"), 1},
		{"brine_minion_last_state_run_states", metrics.L("mode", "test", "result", "true"), 1},
		{"brine_minion_last_state_run_states", metrics.L("mode", "test", "result", "false"), 0},
		{"brine_minion_last_state_run_success", metrics.L("mode", "test"), 1},
		{"brine_minion_jobs_total", metrics.L("function", "state.apply", "result", "success"), 1},
		{"brine_minion_job_duration_seconds", metrics.L("function", "state.apply"), 1},
	})
	if _, err := os.Stat(filepath.Join(root, "etc", "motd")); !os.IsNotExist(err) {
		t.Fatal("the dry run wrote the file")
	}
	apply(false)
	fams := read()
	check("after a real run", fams, []want{
		{"brine_minion_drift_states", nil, 1}, // the last dry run's
		{"brine_minion_last_state_run_states", metrics.L("mode", "apply", "result", "true"), 2},
		{"brine_minion_last_state_run_changed_states", metrics.L("mode", "apply"), 1},
		{"brine_minion_jobs_total", metrics.L("function", "state.apply", "result", "success"), 2},
	})
	ts, _ := fams.Value("brine_minion_last_state_run_timestamp_seconds", metrics.L("mode", "apply"))
	if now := float64(time.Now().Unix()); ts < now-600 || ts > now+1 {
		t.Errorf("last run at %v; want about %v", ts, now)
	}
	apply(true)
	check("after a dry run with nothing to do", read(), []want{
		{"brine_minion_state_render_seconds", metrics.L("mode", "test"), 2},
		{"brine_minion_state_render_seconds", metrics.L("mode", "apply"), 1},
		{"brine_minion_pillar_fetch_seconds", metrics.L("result", "ok"), 3},
		{"brine_minion_drift_states", nil, 0},
		{"brine_minion_last_state_run_states", metrics.L("mode", "test", "result", "true"), 2},
		{"brine_minion_jobs_total", metrics.L("function", "state.apply", "result", "success"), 3},
	})
	// The same, served, and the connection read when scraped.
	served, err := metrics.Scrape("http://"+mn.MetricsAddr()+metrics.Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	check("served", served, []want{
		{"brine_minion_drift_states", nil, 0},
		{"brine_minion_jobs_total", metrics.L("function", "state.apply"), 3},
		{"brine_minion_master_connected", nil, 1},
	})
	if _, ok := served["go_goroutines"]; !ok {
		t.Error("the Go runtime's metrics are not served")
	}
	for name := range read() {
		if metrics.Standard(name) {
			t.Errorf("the textfile holds %s, which node_exporter serves itself", name)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(prom))
	if len(ents) != 1 {
		t.Errorf("textfile dir holds %d entries; want brine.prom alone (no temporary file left)", len(ents))
	}
}

// TestMinionMetricsDeclared: every metric the minion's registry holds is
// declared in MetricDefs, with its type, and the reverse.
func TestMinionMetricsDeclared(t *testing.T) {
	cfg := Defaults()
	cfg.ID = "m1"
	mn := New(&cfg, quietLog())
	now := time.Now()
	mn.metrics.ran(&proto.Job{Fun: "state.apply", Kwargs: map[string]any{"test": "True"}},
		&proto.Return{Success: true, Start: now.Add(-time.Second), End: now},
		[]engine.StateResult{{Result: states.Result{Result: states.None, Changes: map[string]any{"diff": "x"}}}}, false)
	mn.metrics.rendered("test", time.Millisecond)
	mn.metrics.pillarFetched(time.Millisecond, nil)
	fams, err := mn.metrics.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]string{}
	for _, f := range fams {
		if !metrics.Standard(f.GetName()) {
			served[f.GetName()] = strings.ToLower(f.GetType().String())
		}
	}
	for _, d := range MetricDefs() {
		if got, ok := served[d.Name]; !ok || got != string(d.Type) {
			t.Errorf("%s: served as %q (%v); declared a %s", d.Name, got, ok, d.Type)
		}
		delete(served, d.Name)
	}
	for name := range served {
		t.Errorf("%s is served but not declared", name)
	}
}

func TestStateRunMode(t *testing.T) {
	for _, tt := range []struct {
		job  proto.Job
		mode string
		ok   bool
	}{
		{proto.Job{Fun: "test.ping"}, "", false},
		{proto.Job{Fun: "state.apply"}, "apply", true},
		{proto.Job{Fun: "state.highstate", Kwargs: map[string]any{"test": true}}, "test", true},
		{proto.Job{Fun: "state.sls", Kwargs: map[string]any{"test": false}}, "apply", true},
		{proto.Job{Fun: "state.test"}, "test", true},
	} {
		if mode, ok := stateRunMode(&tt.job); mode != tt.mode || ok != tt.ok {
			t.Errorf("stateRunMode(%s %v) = %q, %v; want %q, %v", tt.job.Fun, tt.job.Kwargs, mode, ok, tt.mode, tt.ok)
		}
	}
}

func TestIsTest(t *testing.T) {
	for _, tt := range []struct {
		kw   map[string]any
		want bool
	}{
		{nil, false}, {map[string]any{"test": true}, true}, {map[string]any{"test": false}, false},
		{map[string]any{"test": "True"}, true}, {map[string]any{"test": "yes"}, true},
		{map[string]any{"test": "no"}, false}, {map[string]any{"test": 1}, false},
	} {
		if got := isTest(tt.kw); got != tt.want {
			t.Errorf("isTest(%v) = %v; want %v", tt.kw, got, tt.want)
		}
	}
}

func TestMetricsConfig(t *testing.T) {
	for _, tt := range []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) {}, ""},
		{func(c *Config) { c.MetricsListen = "127.0.0.1:9274" }, ""},
		{func(c *Config) { c.MetricsListen = "9274" }, "want host:port"},
		{func(c *Config) { c.MetricsListen = "0.0.0.0:9274" }, "beyond loopback"},
		{func(c *Config) {
			c.MetricsListen = "0.0.0.0:9274"
			c.MetricsTLSCert, c.MetricsTLSKey = "/c.pem", "/k.pem"
		}, ""},
		{func(c *Config) { c.MetricsTLSCert = "/c.pem" }, "go together"},
		{func(c *Config) { c.MetricsTextfile = "/var/lib/node_exporter/brine.prom" }, ""},
		{func(c *Config) { c.MetricsTextfile = "brine.prom" }, "absolute path"},
		{func(c *Config) { c.MetricsTextfile = "/var/lib/node_exporter/brine.txt" }, "ending in .prom"},
	} {
		c := Defaults()
		c.ID = "m1"
		tt.set(&c)
		err := c.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%s %s %s) = %v; want %q", c.MetricsListen, c.MetricsTLSCert, c.MetricsTextfile, err, tt.want)
		}
	}
}
