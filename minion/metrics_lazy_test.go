package minion

import (
	"testing"

	"github.com/brine-cm/brine/pkg/metrics"
)

// TestRuntimeMetricsBuiltAtFirstScrape: a minion whose metrics nobody
// scrapes keeps no Go runtime collector in its idle heap (issue 10); the
// first Gather builds it, and go_* and process_* are served from then on
// along with the minion's own.
func TestRuntimeMetricsBuiltAtFirstScrape(t *testing.T) {
	m := &Minion{cfg: &Config{}}
	m.metrics = newMinionMetrics(m)
	if m.metrics.runtime.built() {
		t.Fatal("the runtime's collectors are built before any scrape")
	}
	for i := 0; i < 2; i++ {
		fams, err := m.Metrics().Gather()
		if err != nil {
			t.Fatal(err)
		}
		var goMetric, own bool
		for _, f := range fams {
			switch f.GetName() {
			case "go_goroutines":
				goMetric = metrics.Standard(f.GetName())
			case defConnected.Name:
				own = true
			}
		}
		if !goMetric || !own {
			t.Errorf("gather %d: go_goroutines served %v, %s served %v; want both", i+1, goMetric, defConnected.Name, own)
		}
		if !m.metrics.runtime.built() {
			t.Errorf("gather %d: the runtime's collectors are not built", i+1)
		}
	}
}
