package gen

//go:generate go run ./metricsdoc

import (
	"strings"

	"github.com/brine-cm/brine/master"
	"github.com/brine-cm/brine/minion"
	"github.com/brine-cm/brine/pkg/metrics"
)

// MetricsDoc returns docs/metrics.md, made from the metrics' own
// declarations (master.MetricDefs, minion.MetricDefs).
func MetricsDoc() string {
	return metrics.Markdown(metricsHeader,
		metrics.Section{Title: "Master", Intro: masterIntro, Defs: master.MetricDefs()},
		metrics.Section{Title: "Minion", Intro: minionIntro, Defs: minion.MetricDefs()})
}

const metricsHeader = `# Metrics

This file is generated from the metrics' declarations by
` + "`go generate ./docs/gen`" + `; do not edit it by hand. A test in test/examples
fails when it is stale.

The master and the minion serve Prometheus metrics when their config asks;
both are off by default. Each daemon keeps its metrics in a registry of its
own; nothing is registered in a process-wide default.

**Master**: ` + "`metrics: {listen: 127.0.0.1:9273}`" + ` in master.yaml
([config.md](config.md)) serves ` + "`GET /metrics`" + `. Beyond loopback (or with
` + "`metrics: {tls: true}`" + `) it is served over TLS with the master's server
certificate, the one minions see; the scraper trusts ` + "`state_dir/ca.pem`" + `:

` + "```yaml" + `
scrape_configs:
  - job_name: brine-master
    scheme: https
    tls_config:
      ca_file: /etc/prometheus/brine-ca.pem   # a copy of /var/lib/brine/master/ca.pem
    static_configs:
      - targets: ['master.example:9273']
` + "```" + `

Counters and histograms are updated where things happen, at the cost of an
atomic add; gauges (minions by state, NATS and JetStream figures) are read
when scraped. With several masters, each counts what it did (the jobs it
published, the returns it kept, the refusals it made): sum them over the
masters. ` + "`brine_master_scrape_collector_success`" + ` tells when one of the
scrape-time readings failed (a JetStream store electing a leader).

**Minion**: ` + "`metrics_listen: 127.0.0.1:9274`" + ` in minion.yaml serves the same
way (beyond loopback it needs ` + "`metrics_tls_cert`" + ` and ` + "`metrics_tls_key`" + `), and
` + "`metrics_textfile: /var/lib/prometheus/node-exporter/brine.prom`" + ` writes
them after each job, atomically, for node_exporter's textfile collector
(` + "`--collector.textfile.directory`" + `): a host already scraped needs no new
port.

Besides those below, each serves the Go runtime's ` + "`go_*`" + ` and the process's
` + "`process_*`" + ` metrics (CPU, resident memory, open files), as every Go exporter
does (served only: a minion's textfile holds brine's alone, since
node_exporter serves its own).

**Grafana**: ` + "`examples/grafana/brine.json`" + ` is a dashboard of these metrics
(import it, pick the Prometheus data source); a test fails when it queries a
metric that is not here.
`

var masterIntro = "Labels: `function` is the job's function (`state.apply`, `test.ping`), as the operator published it. " +
	"`kind` of `brine_master_refusals_total` is the kind of refusal the master logs (`refused kind=…`, [security.md](security.md)), one of " +
	"`" + strings.Join(master.RefusalKinds(), "`, `") + "`: " +
	"rate limits and bad messages of accepted minions carry the kind of message (`heartbeat`, `event`, `presence`, `pillar`, `file`, `grains`, `return`, `ack`, `hello`); " +
	"`key_request` is a refused key request of an unaccepted key; `busy` a full work queue; `job_bytes` a job's storage limit; " +
	"`nats` the master's own connections dropping messages. Every refusal is counted, also those the log leaves out."

const minionIntro = "A state run is `state.apply`, `state.highstate`, `state.sls`, `state.single` or `state.top`; `mode` is `test` for one run with `test=True`, else `apply`. A dashboard of drift reads `brine_minion_drift_states` across the fleet: the states that a real run would change now, as the last dry run found."
