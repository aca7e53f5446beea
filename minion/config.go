// Package minion is brine's minion daemon: its identity (an nkey), its
// connection to the master, job verification and execution through
// pkg/exec, streaming of acks, heartbeats, state events and returns, and
// startup states.
package minion

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/confyaml"
	"github.com/brine-cm/brine/pkg/outputconf"
	"github.com/brine-cm/brine/pkg/pillar"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/top"
)

// Config is minion.yaml. Every key has a default, listed in Defaults and
// in master/DOCS-DRAFT/config.md.
type Config struct {
	// ID is the minion id; empty means the host name, dots turned to '_'.
	ID string `yaml:"id"`
	// Master is the NATS URL of the master: nats://host:4222 on
	// loopback, tls://host:4222 beyond.
	Master string `yaml:"master"`
	// AllowPlaintext lets master be a nats:// URL to a host beyond
	// loopback: for labs only, since anyone on the way reads and
	// changes everything. A pinned CA means TLS whatever this says.
	AllowPlaintext bool `yaml:"allow_plaintext"`
	// MasterFinger pins the master's CA fingerprint (brine master prints
	// it). Empty: trust the CA seen at first acceptance, then pin it.
	MasterFinger string `yaml:"master_finger"`
	// StateDir holds the minion's key, its pins and its nonce cache.
	StateDir string `yaml:"state_dir"`
	// CacheDir holds files fetched from the master, by sha256.
	CacheDir string `yaml:"cache_dir"`
	// Root rebases every managed path (like --root).
	Root string `yaml:"root"`
	// Saltenv is the default environment.
	Saltenv string `yaml:"saltenv"`
	// Pillarenv is Salt's minion option pillarenv: the one pillar
	// environment the master reads for this minion's pillar, unless a
	// job names one ("": the master's pillarenv, else all).
	Pillarenv string `yaml:"pillarenv"`
	// StartupStates is "", "highstate" or "sls" (with SLSList).
	StartupStates string   `yaml:"startup_states"`
	SLSList       []string `yaml:"sls_list"`
	// Grains are static grains, merged over the collected ones.
	Grains map[string]any `yaml:"grains"`
	// Nodegroups are the minion's own nodegroups, name to compound target
	// (or a list of its words), as in Salt's minion config: templates
	// and match.nodegroup match against them (a minion does not know the
	// master's).
	Nodegroups map[string]any `yaml:"nodegroups"`
	// TopMerging is Salt's top_file_merging_strategy: how a highstate
	// merges the top files of the tree's environments (merge, the
	// default; same; merge_all). DefaultTop is the environment whose top
	// file "same" falls back on (base); EnvOrder the environments whose
	// top files are read, in order (default: base, then the others
	// sorted); StateTopSaltenv, when set, the one environment whose top
	// file is read.
	TopMerging      string   `yaml:"top_file_merging_strategy"`
	DefaultTop      string   `yaml:"default_top"`
	EnvOrder        []string `yaml:"env_order"`
	StateTopSaltenv string   `yaml:"state_top_saltenv"`
	// FileRoots and PillarRoots are Salt's masterless file_roots and
	// pillar_roots (environment to directories), read by `brine call
	// --local` alone: a minion's trees are its master's.
	FileRoots   map[string][]string `yaml:"file_roots"`
	PillarRoots map[string][]string `yaml:"pillar_roots"`
	// StateAggregate is Salt's state_aggregate: True, or a list of
	// state modules (pkg), whose states fold the others of their module
	// into one call before they run (mod_aggregate).
	StateAggregate any `yaml:"state_aggregate"`
	// Options are the master's pillar options
	// (pillar_source_merging_strategy, ext_pillar, gpg_keydir,
	// decrypt_pillar…), read by `brine call --local` alone, as
	// salt-call --local reads them from the minion config: a minion's
	// pillar is otherwise its master's.
	pillar.Options `yaml:",inline"`

	// Settings holds Salt's outputter options (state_output, state_verbose,
	// state_output_diff, state_output_profile, state_output_pct, color):
	// the defaults of brine call, as salt-call's are the minion config's.
	outputconf.Settings `yaml:",inline"`
	// SDB are the sdb profiles (sdb://NAME/KEY), as Salt reads them:
	// top-level keys of the minion config, any name, each a mapping
	// with a driver. The loader stays strict for typos: a key it does
	// not know is an error unless it is such a mapping (sdbProfile).
	SDB map[string]map[string]any `yaml:"-"`
	// PresenceInterval is how often the minion tells the master it is up.
	PresenceInterval Duration `yaml:"presence_interval"`
	// HeartbeatInterval is how often a running job sends a heartbeat.
	HeartbeatInterval Duration `yaml:"heartbeat_interval"`
	// GrainsRefresh is how often grains are collected again (and sent if
	// they changed).
	GrainsRefresh Duration `yaml:"grains_refresh"`
	// RetryMax caps the backoff between tries to reach the master.
	RetryMax Duration `yaml:"retry_max"`
	// DrainTimeout is how long a stopping minion waits for its running
	// jobs to finish and their returns to land. Jobs still running then
	// are left to finish on their own (their commands are not killed),
	// and the next start reports them interrupted. 0: do not wait.
	DrainTimeout Duration `yaml:"drain_timeout"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// MetricsListen is host:port where the minion serves its Prometheus
	// metrics (docs/metrics.md); empty: off. Beyond loopback it needs
	// MetricsTLSCert and MetricsTLSKey, and serves over TLS.
	MetricsListen  string `yaml:"metrics_listen"`
	MetricsTLSCert string `yaml:"metrics_tls_cert"`
	MetricsTLSKey  string `yaml:"metrics_tls_key"`
	// MetricsTextfile is a .prom file the minion writes its metrics to
	// after each job, for node_exporter's textfile collector; empty: off.
	MetricsTextfile string `yaml:"metrics_textfile"`
	// Schedule is Salt's minion schedule: jobs the minion runs by
	// itself, at intervals or cron times (schedule.go, docs/schedule.md).
	Schedule map[string]ScheduleItem `yaml:"schedule"`
	// MineFunctions are the functions whose values the minion sends to
	// the master's mine, in Salt's shapes (mine.go, docs/mine.md); pillar's
	// mine_functions are merged over them.
	MineFunctions map[string]any `yaml:"mine_functions"`
	// MineInterval is how often the mine functions run and are sent
	// again (at start too); 0 only at start and on mine.update.
	MineInterval Duration `yaml:"mine_interval"`
}

// Defaults returns the configuration used for every key minion.yaml
// leaves out.
func Defaults() Config {
	return Config{
		Master:            "nats://127.0.0.1:4222",
		StateDir:          "/var/lib/brine/minion",
		CacheDir:          "/var/cache/brine/minion",
		Saltenv:           "base",
		TopMerging:        top.MergeDefault,
		DefaultTop:        "base",
		PresenceInterval:  Duration(30 * time.Second),
		HeartbeatInterval: Duration(5 * time.Second),
		GrainsRefresh:     Duration(10 * time.Minute),
		RetryMax:          Duration(30 * time.Second),
		DrainTimeout:      Duration(DefaultDrainTimeout),
		LogLevel:          "info",
		MineInterval:      Duration(60 * time.Minute),
		Options:           pillar.DefaultOptions(),
	}
}

// DefaultDrainTimeout is drain_timeout's default: long enough for most
// package installs to finish. The shipped unit's TimeoutStopSec (90s) is
// above it, so that systemd does not kill the minion before it has
// finished waiting.
const DefaultDrainTimeout = 60 * time.Second

// LoadConfig reads DIR/minion.yaml over the defaults. A missing file
// gives the defaults; an unknown key is an error that names it.
func LoadConfig(dir string) (*Config, error) {
	c := Defaults()
	p := filepath.Join(dir, "minion.yaml")
	b, err := os.ReadFile(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("minion config: %w", err)
	}
	if err == nil {
		if err := confyaml.DecodeStrict(p, b, &c); err != nil {
			return nil, err
		}
	}
	if c.ID == "" {
		c.ID = DefaultID()
	}
	return &c, c.Validate()
}

// DefaultID is the host's fully qualified name, as Salt's default minion
// id (socket.getfqdn()): the host name when it has dots already, else
// its canonical name from the resolver, else the host name.
func DefaultID() string {
	h, _ := os.Hostname()
	if h == "" || strings.Contains(h, ".") {
		return h
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if c, err := net.DefaultResolver.LookupCNAME(ctx, h); err == nil {
		if fqdn := strings.TrimSuffix(c, "."); strings.Contains(fqdn, ".") && proto.ValidID(fqdn) == nil {
			return fqdn
		}
	}
	return h
}

// RunOpts are the options a state run reads from the minion's opts, as
// Salt's hold them: the top file options (exec's state.top),
// state_aggregate, and the minion's own nodegroups (match.nodegroup,
// N@); those set, and no others.
func (c *Config) RunOpts() map[string]any {
	opts := map[string]any{}
	if len(c.Nodegroups) > 0 {
		opts["nodegroups"] = c.Nodegroups
	}
	if c.TopMerging != "" {
		opts["top_file_merging_strategy"] = c.TopMerging
	}
	if c.DefaultTop != "" {
		opts["default_top"] = c.DefaultTop
	}
	if len(c.EnvOrder) > 0 {
		order := make([]any, len(c.EnvOrder))
		for i, e := range c.EnvOrder {
			order[i] = e
		}
		opts["env_order"] = order
	}
	if c.StateTopSaltenv != "" {
		opts["state_top_saltenv"] = c.StateTopSaltenv
	}
	if c.StateAggregate != nil {
		opts["state_aggregate"] = c.StateAggregate
	}
	// sdb profiles are options, where sdb.get and config.get look first
	// (salt.utils.sdb: opts, then pillar).
	for k, v := range c.SDB {
		opts[k] = v
	}
	return opts
}

// Validate checks values the YAML types cannot.
func (c *Config) Validate() error {
	if err := c.Settings.Validate(); err != nil {
		return fmt.Errorf("minion config: %w", err)
	}
	if err := c.Options.Validate(); err != nil {
		return fmt.Errorf("minion config: %w", err)
	}
	if err := proto.ValidID(c.ID); err != nil {
		return fmt.Errorf("minion config: %w", err)
	}
	u, err := ParseMasterURL(c.Master)
	if err != nil {
		return fmt.Errorf("minion config: master %q: %w", c.Master, err)
	}
	if u.Scheme == "nats" && !u.Loopback() && !c.AllowPlaintext {
		return fmt.Errorf("minion config: master %s: %w: write master: tls://%s, or set allow_plaintext: true (labs only)", c.Master, ErrPlaintextMaster, u.Addr())
	}
	switch c.StartupStates {
	case "", "highstate":
	case "sls":
		if len(c.SLSList) == 0 {
			return fmt.Errorf("minion config: startup_states: sls needs sls_list")
		}
	default:
		return fmt.Errorf("minion config: startup_states %q: want highstate or sls", c.StartupStates)
	}
	switch c.TopMerging {
	case "", top.MergeDefault, top.MergeSame, top.MergeAll:
	default:
		return fmt.Errorf("minion config: top_file_merging_strategy %q: want merge, same or merge_all", c.TopMerging)
	}
	if _, err := top.NodegroupsFromConfig(c.Nodegroups); err != nil {
		return fmt.Errorf("minion config: nodegroups: %w", err)
	}
	if c.StateDir == "" || c.CacheDir == "" {
		return fmt.Errorf("minion config: state_dir and cache_dir must be set")
	}
	if c.PresenceInterval <= 0 || c.HeartbeatInterval <= 0 || c.RetryMax <= 0 {
		return fmt.Errorf("minion config: intervals must be positive")
	}
	if c.DrainTimeout < 0 {
		return fmt.Errorf("minion config: drain_timeout %s: want 0 or more", c.DrainTimeout.D())
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("minion config: log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	if c.MineInterval < 0 {
		return fmt.Errorf("minion config: mine_interval %s: want 0 or more", c.MineInterval.D())
	}
	for name, it := range c.Schedule {
		if err := it.check(name); err != nil {
			return fmt.Errorf("minion config: schedule: %w", err)
		}
	}
	if _, err := parseMineFunctions(c.MineFunctions); err != nil {
		return fmt.Errorf("minion config: %w", err)
	}
	return c.validateMetrics()
}

// Duration reads "30s", "5m" or a number of seconds.
type Duration = confyaml.Duration
