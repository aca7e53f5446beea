package examples

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/brine-cm/brine/docs/gen"
	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/metrics"
)

// TestMetricsDocFresh fails when docs/metrics.md is not what the
// metrics' declarations say now. Fix: go generate ./docs/gen (or go test
// ./test/examples -run MetricsDoc -update).
func TestMetricsDocFresh(t *testing.T) {
	want := gen.MetricsDoc()
	path := filepath.Join(moduleRoot, "docs", "metrics.md")
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/metrics.md is stale: run go generate ./docs/gen\n%s", firstDiff(string(got), want))
	}
	for _, d := range append(master.MetricDefs(), minion.MetricDefs()...) {
		if !strings.Contains(string(got), "| `"+d.Name+"` |") {
			t.Errorf("docs/metrics.md lacks %s", d.Name)
		}
	}
}

// TestGrafanaDashboardQueriesServedMetrics keeps examples/grafana from
// going stale: every brine metric its queries name is one the master or
// the minion serves, and every label it matches on or groups by is one
// of that metric's.
func TestGrafanaDashboardQueriesServedMetrics(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(moduleRoot, "examples", "grafana", "brine.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash any
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("examples/grafana/brine.json: %v", err)
	}
	series := map[string]metrics.Def{}
	for _, d := range append(master.MetricDefs(), minion.MetricDefs()...) {
		for _, s := range d.Series() {
			series[s] = d
		}
	}
	exprs := queries(dash)
	if len(exprs) < 10 {
		t.Fatalf("found %d queries in the dashboard; the walk no longer finds them", len(exprs))
	}
	name := regexp.MustCompile(`\bbrine_[a-z0-9_]+`)
	selector := regexp.MustCompile(`\b(brine_[a-z0-9_]+)\{([^}]*)\}`)
	matcher := regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)`)
	grouping := regexp.MustCompile(`\b(?:by|without)\s*\(([^)]*)\)`)
	used := map[string]bool{}
	for _, e := range exprs {
		var defs []metrics.Def
		for _, n := range name.FindAllString(e, -1) {
			d, ok := series[n]
			if !ok {
				t.Errorf("query %q: %s is not a metric brine serves (docs/metrics.md)", e, n)
				continue
			}
			used[d.Name] = true
			defs = append(defs, d)
		}
		hasLabel := func(l string) bool {
			if l == "instance" || l == "job" {
				return true // Prometheus adds them
			}
			for _, d := range defs {
				if slices.Contains(d.Labels, l) || (l == "le" && d.Type == metrics.Histogram) {
					return true
				}
			}
			return false
		}
		for _, s := range selector.FindAllStringSubmatch(e, -1) {
			for _, m := range matcher.FindAllStringSubmatch(s[2], -1) {
				if !hasLabel(m[1]) {
					t.Errorf("query %q: %s has no label %q", e, s[1], m[1])
				}
			}
		}
		for _, g := range grouping.FindAllStringSubmatch(e, -1) {
			for _, l := range strings.Split(g[1], ",") {
				if l = strings.TrimSpace(l); l != "" && !hasLabel(l) {
					t.Errorf("query %q: groups by %q, a label none of its metrics has", e, l)
				}
			}
		}
	}
	for _, must := range []string{"brine_master_minions", "brine_master_returns_total", "brine_master_return_latency_seconds",
		"brine_master_refusals_total", "brine_minion_drift_states"} {
		if !used[must] {
			t.Errorf("the dashboard does not show %s", must)
		}
	}
}

// queries finds every "expr" and templating "query" string in a
// dashboard.
func queries(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && (k == "expr" || k == "query" || k == "definition") {
				out = append(out, s)
				continue
			}
			if q, ok := c.(map[string]any); ok && k == "query" {
				if s, ok := q["query"].(string); ok {
					out = append(out, s)
				}
				continue
			}
			out = append(out, queries(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, queries(c)...)
		}
	}
	return out
}
