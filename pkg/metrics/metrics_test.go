package metrics

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

var (
	testCounter = Def{Name: "t_jobs_total", Type: Counter, Labels: []string{"function"}, Help: "Jobs | pipes."}
	testHist    = Def{Name: "t_seconds", Type: Histogram, Help: "Time.", Buckets: []float64{0.5, 1}}
)

func testRegistry(t *testing.T) (*prometheus.Registry, *prometheus.CounterVec, prometheus.Histogram) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	c, h := testCounter.CounterVec(), testHist.Histogram()
	reg.MustRegister(c, h)
	return reg, c, h
}

// TestTextfileRoundTrip writes a textfile twice and parses it back: the
// second write replaces the first whole and leaves no temporary file.
func TestTextfileRoundTrip(t *testing.T) {
	reg, c, h := testRegistry(t)
	dir := t.TempDir()
	tf := &Textfile{Path: filepath.Join(dir, "brine.prom")}
	c.WithLabelValues("state.apply").Inc()
	h.Observe(0.7)
	if err := tf.Write(reg); err != nil {
		t.Fatal(err)
	}
	c.WithLabelValues("state.apply").Add(2)
	if err := tf.Write(reg); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(tf.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fams, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := fams.Value("t_jobs_total", L("function", "state.apply")); !ok || v != 3 {
		t.Errorf("t_jobs_total = %v (%v); want 3", v, ok)
	}
	if v, ok := fams.Value("t_seconds", nil); !ok || v != 1 {
		t.Errorf("t_seconds count = %v (%v); want 1", v, ok)
	}
	if _, ok := fams.Value("t_jobs_total", L("function", "test.ping")); ok {
		t.Error("found a series that was never made")
	}
	fi, _ := os.Stat(tf.Path)
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v; want 0644 (node_exporter reads it as another user)", fi.Mode().Perm())
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("%d files in the directory; want the textfile alone", len(ents))
	}
	if err := (&Textfile{Path: filepath.Join(dir, "no", "such", "x.prom")}).Write(reg); err == nil {
		t.Error("a write into a missing directory worked")
	}
}

func TestListenServesAndCloses(t *testing.T) {
	reg, c, _ := testRegistry(t)
	c.WithLabelValues("test.ping").Inc()
	s, err := Listen("127.0.0.1:0", nil, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fams, err := Scrape("http://"+s.Addr()+Path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := fams.Value("t_jobs_total", nil); v != 1 {
		t.Errorf("served t_jobs_total = %v; want 1", v)
	}
	if _, err := Scrape("http://"+s.Addr()+"/other", nil); err == nil {
		t.Error("served something besides /metrics")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Scrape("http://"+s.Addr()+Path, nil); err == nil {
		t.Error("still served after Close")
	}
	var nilServer *Server
	if err := nilServer.Close(); err != nil {
		t.Error(err)
	}
}

func TestMarkdown(t *testing.T) {
	md := Markdown("# head\n", Section{Title: "T", Defs: []Def{testHist, testCounter}})
	for _, want := range []string{
		"| `t_jobs_total` | counter | `function` | Jobs \\| pipes. |",
		"| `t_seconds` | histogram | — | Time. Buckets: 0.5, 1. |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "t_jobs_total") > strings.Index(md, "t_seconds") {
		t.Error("rows not sorted by name")
	}
	if got := testHist.Series(); len(got) != 3 || got[0] != "t_seconds_bucket" {
		t.Errorf("Series() = %v", got)
	}
}
