// Package metrics holds what the master's and the minion's Prometheus
// metrics share: their declarations (Def), from which the collectors,
// docs/metrics.md and the dashboard's test are all made, so that none can
// drift from the others; the HTTP listener that serves them; and the
// atomic write of a .prom file for node_exporter's textfile collector.
//
// Each daemon owns its prometheus.Registry: nothing here registers into
// the library's global default registry.
package metrics

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Type is a metric's Prometheus type.
type Type string

// The metric types brine uses.
const (
	Counter   Type = "counter"
	Gauge     Type = "gauge"
	Histogram Type = "histogram"
)

// Def declares one metric: its full name, type, labels and meaning.
type Def struct {
	Name   string
	Type   Type
	Labels []string
	Help   string
	// Buckets are a histogram's upper bounds, in its unit.
	Buckets []float64
}

// Desc is the def's descriptor, for collectors that read their values
// when scraped.
func (d Def) Desc() *prometheus.Desc {
	return prometheus.NewDesc(d.Name, d.Help, d.Labels, nil)
}

// CounterVec makes the def's counter.
func (d Def) CounterVec() *prometheus.CounterVec {
	d.must(Counter)
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: d.Name, Help: d.Help}, d.Labels)
}

// Counter makes the def's counter, which has no labels.
func (d Def) Counter() prometheus.Counter {
	d.must(Counter)
	if len(d.Labels) > 0 {
		panic("metrics: " + d.Name + " has labels")
	}
	return prometheus.NewCounter(prometheus.CounterOpts{Name: d.Name, Help: d.Help})
}

// GaugeVec makes the def's gauge.
func (d Def) GaugeVec() *prometheus.GaugeVec {
	d.must(Gauge)
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: d.Name, Help: d.Help}, d.Labels)
}

// Histogram makes the def's histogram, which has no labels.
func (d Def) Histogram() prometheus.Histogram {
	d.must(Histogram)
	if len(d.Labels) > 0 {
		panic("metrics: " + d.Name + " has labels")
	}
	return prometheus.NewHistogram(prometheus.HistogramOpts{Name: d.Name, Help: d.Help, Buckets: d.Buckets})
}

// HistogramVec makes the def's histogram.
func (d Def) HistogramVec() *prometheus.HistogramVec {
	d.must(Histogram)
	return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: d.Name, Help: d.Help, Buckets: d.Buckets}, d.Labels)
}

// must catches a def used as another type: a programming error, found by
// the first test that builds the registry.
func (d Def) must(t Type) {
	if d.Type != t {
		panic(fmt.Sprintf("metrics: %s is a %s, not a %s", d.Name, d.Type, t))
	}
}

// Series are the names a query may use for the def: a histogram's
// _bucket, _sum and _count, or the name itself.
func (d Def) Series() []string {
	if d.Type == Histogram {
		return []string{d.Name + "_bucket", d.Name + "_sum", d.Name + "_count"}
	}
	return []string{d.Name}
}

// Runtime are the collectors of the Go runtime (go_*) and the process
// (process_*: CPU, memory, open files) that each daemon adds to its own
// registry, as every Go exporter does. Their metrics are Prometheus's,
// documented by client_golang, not declared here.
func Runtime() []prometheus.Collector {
	return []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})}
}

// Standard reports whether a metric is one of Runtime's.
func Standard(name string) bool {
	return strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_")
}

// LatencyBuckets are the bounds, in seconds, of brine's duration
// histograms: from a test.ping on a quiet fleet to a long highstate.
var LatencyBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600}

// Section is one daemon's metrics, for docs/metrics.md.
type Section struct {
	Title string
	Intro string
	Defs  []Def
}

// Markdown writes docs/metrics.md from the sections.
func Markdown(header string, sections ...Section) string {
	var b strings.Builder
	b.WriteString(header)
	for _, s := range sections {
		fmt.Fprintf(&b, "\n## %s\n\n", s.Title)
		if s.Intro != "" {
			b.WriteString(s.Intro + "\n\n")
		}
		b.WriteString("| name | type | labels | meaning |\n|---|---|---|---|\n")
		defs := slices.Clone(s.Defs)
		slices.SortFunc(defs, func(a, b Def) int { return strings.Compare(a.Name, b.Name) })
		for _, d := range defs {
			labels := "—"
			if len(d.Labels) > 0 {
				labels = "`" + strings.Join(d.Labels, "`, `") + "`"
			}
			help := d.Help
			if d.Type == Histogram {
				bs := make([]string, len(d.Buckets))
				for i, v := range d.Buckets {
					bs[i] = strconv.FormatFloat(v, 'g', -1, 64)
				}
				help += " Buckets: " + strings.Join(bs, ", ") + "."
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", d.Name, d.Type, labels, strings.ReplaceAll(help, "|", `\|`))
		}
	}
	return b.String()
}
