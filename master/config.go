// Package master is brine's master daemon: an embedded NATS server (or a
// connection to an existing one), the key registry and the auth callout
// that enforces per-minion permissions, job signing and publishing, the
// job cache, the file server and pillar.
package master

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/master/api"
	"github.com/brine-cm/brine/pkg/confyaml"
	"github.com/brine-cm/brine/pkg/outputconf"
	"github.com/brine-cm/brine/pkg/pillar"
	"gopkg.in/yaml.v3"
)

// Config is master.yaml. Every key has a default, listed in Defaults and
// in master/DOCS-DRAFT/config.md.
type Config struct {
	// Interface is the address the embedded NATS server listens on.
	Interface string `yaml:"interface"`
	// Port is the NATS port; -1 picks a free one (tests).
	Port int `yaml:"port"`
	// StateDir holds keys, certificates and the JetStream store.
	StateDir string `yaml:"state_dir"`
	// FileRoots maps saltenv to state tree directories.
	FileRoots map[string][]string `yaml:"file_roots"`
	// PillarRoots maps saltenv to pillar tree directories.
	PillarRoots map[string][]string `yaml:"pillar_roots"`
	// The pillar options (pillar_source_merging_strategy, ext_pillar,
	// gpg_keydir, decrypt_pillar…), as a masterless minion's config has
	// them too.
	pillar.Options `yaml:",inline"`
	// Pillarenv is Salt's pillarenv: the one pillar environment whose
	// top file and SLS files make every minion's pillar ("": all).
	Pillarenv string `yaml:"pillarenv"`
	// PillarenvFromSaltenv is Salt's pillarenv_from_saltenv: a minion's
	// pillar is read from the pillar environment named as the saltenv
	// of its run, unless the run names a pillarenv.
	PillarenvFromSaltenv bool `yaml:"pillarenv_from_saltenv"`
	// KeepJobs is how long returns and events stay in the job cache.
	KeepJobs Duration `yaml:"keep_jobs"`
	// AutoAccept accepts every new key: for labs only.
	AutoAccept bool `yaml:"auto_accept"`
	// AutoAcceptIDs accepts new keys whose minion id matches one of these
	// globs: the explicit rule for auto-accepting.
	AutoAcceptIDs []string `yaml:"auto_accept_ids"`
	// TLS forces TLS even on loopback. Beyond loopback TLS is always on.
	TLS bool `yaml:"tls"`
	// TLSNames are extra DNS names and IPs for the server certificate.
	TLSNames []string `yaml:"tls_names"`
	// NATSURL, when set, uses an existing NATS server or cluster instead of
	// the embedded one; NATSCreds is the master's credentials file there.
	NATSURL   string `yaml:"nats_url"`
	NATSCreds string `yaml:"nats_creds"`
	// JobExpiry is how long a published job stays valid for a minion
	// that receives it late (after a reconnect).
	JobExpiry Duration `yaml:"job_expiry"`
	// PresenceTTL is how long a minion counts as connected after its last
	// presence message, when the master cannot see connections itself.
	PresenceTTL Duration `yaml:"presence_ttl"`
	// IdleTrim is how long the master waits, once nothing comes in from
	// the minions, before it gives the memory its last burst freed back
	// to the system; 0 never does.
	IdleTrim Duration `yaml:"idle_trim"`
	// Nodegroups names target expressions for -N.
	Nodegroups map[string]string `yaml:"nodegroups"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `yaml:"log_level"`
	// MaxPayload is the largest NATS message, in bytes.
	MaxPayload int32 `yaml:"max_payload"`
	// AuthTTL is how long an authorisation the master grants a minion
	// lasts; the minion is then authorised again (a reconnect it does by
	// itself), so a revoked key is out within AuthTTL even on a NATS
	// cluster the master cannot kick connections from.
	AuthTTL Duration `yaml:"auth_ttl"`
	// ReadOnlyReturns lets the read-only operator read what returns hold
	// (pillar.items, diffs of templated files: secrets). By default it
	// sees jobs, who ran them and how they ended, not their data.
	ReadOnlyReturns bool `yaml:"readonly_returns"`
	// Limits bound what one minion can make the master do.
	Limits Limits `yaml:"limits"`
	// Reactor maps event tags (globs) to reaction SLS files, as Salt's
	// reactor: a list of one-key mappings, tag to files (docs/reactor.md).
	Reactor []map[string]ReactorFiles `yaml:"reactor"`
	// ReactorWorkers is how many reactions run at once; ReactorQueue how
	// many events may wait for one (Salt's reactor_worker_threads and
	// reactor_worker_hwm). An event past it is dropped, and logged.
	ReactorWorkers int `yaml:"reactor_worker_threads"`
	ReactorQueue   int `yaml:"reactor_worker_hwm"`
	// MineGet is Salt's master-side mine ACL: a regex of minion ids
	// (matched at the start, as Python's re.match) to the regexes of
	// the mine functions those minions may read with mine.get. Unset
	// (null): every minion reads every function, as Salt; {}: none.
	MineGet map[string][]string `yaml:"mine_get"`
	// ServerName names the embedded NATS server. In a cluster each node
	// needs its own, for good: JetStream knows its peers by it. Empty:
	// the host name in a cluster, brine-master alone.
	ServerName string `yaml:"server_name"`
	// Cluster makes the embedded server one node of a NATS cluster
	// (docs/scaling.md); without cluster.listen the master is alone.
	Cluster ClusterConfig `yaml:"cluster"`
	// LeafNodes takes NATS leaf nodes of remote sites (brine leaf,
	// docs/scaling.md); off unless leafnodes.listen is set.
	LeafNodes LeafNodesConfig `yaml:"leafnodes"`
	// JetStreamReplicas is how many copies of the job cache and of the
	// key, grains and presence registries the store keeps: 0 is 1 alone
	// and 3 in a cluster (embedded, or the external one nats_url names).
	JetStreamReplicas int `yaml:"jetstream_replicas"`
	// Metrics serves Prometheus metrics (docs/metrics.md); off unless
	// metrics.listen is set.
	Metrics MetricsConfig `yaml:"metrics"`
	// API serves the HTTP API and the job dashboard (docs/api.md); off
	// unless api.listen is set.
	API api.Config `yaml:"api"`

	// Settings holds Salt's outputter options (state_output, state_verbose,
	// state_output_diff, state_output_profile, state_output_pct, color):
	// the defaults of the target command and brine run, as salt's and
	// salt-run's are the master config's.
	outputconf.Settings `yaml:",inline"`
}

// Defaults returns the configuration used for every key master.yaml
// leaves out.
func Defaults() Config {
	return Config{
		Interface:      "127.0.0.1",
		Port:           4222,
		StateDir:       "/var/lib/brine/master",
		FileRoots:      map[string][]string{"base": {"/srv/salt"}},
		PillarRoots:    map[string][]string{"base": {"/srv/pillar"}},
		Options:        pillar.DefaultOptions(),
		KeepJobs:       Duration(24 * time.Hour),
		JobExpiry:      Duration(10 * time.Minute),
		PresenceTTL:    Duration(90 * time.Second),
		IdleTrim:       Duration(time.Minute),
		LogLevel:       "info",
		MaxPayload:     1 << 20,
		AuthTTL:        Duration(10 * time.Minute),
		Limits:         DefaultLimits(),
		ReactorWorkers: 10,
		ReactorQueue:   10000,
		Cluster:        ClusterConfig{Name: DefaultClusterName},
		API:            api.DefaultConfig(),
	}
}

// DefaultDir is where master.yaml and minion.yaml live unless -c says.
const DefaultDir = "/etc/brine"

// LoadConfig reads DIR/master.yaml over the defaults. A missing file gives
// the defaults; an unknown key is an error that names it.
func LoadConfig(dir string) (*Config, error) {
	c := Defaults()
	p := filepath.Join(dir, "master.yaml")
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return &c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("master config: %w", err)
	}
	if err := confyaml.DecodeStrict(p, b, &c); err != nil {
		return nil, err
	}
	return &c, c.Validate()
}

// Validate checks values the YAML types cannot.
func (c *Config) Validate() error {
	if err := c.Settings.Validate(); err != nil {
		return fmt.Errorf("master config: %w", err)
	}
	if c.StateDir == "" {
		return fmt.Errorf("master config: state_dir is empty")
	}
	if c.NATSURL == "" && (c.Port < -1 || c.Port > 65535) {
		return fmt.Errorf("master config: port %d out of range", c.Port)
	}
	if c.KeepJobs <= 0 {
		return fmt.Errorf("master config: keep_jobs must be positive")
	}
	if c.IdleTrim < 0 {
		return fmt.Errorf("master config: idle_trim must not be negative (0 turns it off)")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("master config: log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	if err := c.Options.Validate(); err != nil {
		return fmt.Errorf("master config: %w", err)
	}
	if c.AuthTTL < Duration(time.Second) {
		return fmt.Errorf("master config: auth_ttl must be at least 1s")
	}
	for idRE, funs := range c.MineGet {
		for _, re := range append([]string{idRE}, funs...) {
			if _, err := compileMatch(re); err != nil {
				return fmt.Errorf("master config: mine_get: %q: %w", re, err)
			}
		}
	}
	if c.MaxPayload < 64<<10 {
		return fmt.Errorf("master config: max_payload must be at least 65536")
	}
	if err := c.Limits.Validate(); err != nil {
		return err
	}
	if err := c.validateReactor(); err != nil {
		return err
	}
	if err := c.Metrics.validate(); err != nil {
		return err
	}
	if err := c.validateLeafNodes(); err != nil {
		return err
	}
	if err := c.validateCluster(); err != nil {
		return err
	}
	if err := c.API.Validate(); err != nil {
		return err
	}
	return nil
}

// Duration reads "30s", "24h" or a number of seconds.
type Duration = confyaml.Duration

// ClientURL is the URL a command on the master's host uses to reach it.
func (c *Config) ClientURL() string {
	if c.NATSURL != "" {
		return c.NATSURL
	}
	host := c.Interface
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	scheme := "nats"
	if c.TLS || !IsLoopback(c.Interface) {
		scheme = "tls"
	}
	return fmt.Sprintf("%s://%s", scheme, net.JoinHostPort(host, strconv.Itoa(c.Port)))
}

// ReactorFiles are the reaction files of one tag of `reactor:`: a list,
// or one file alone, as Salt's list_reactors takes either.
type ReactorFiles []string

// UnmarshalYAML reads a file or a list of files.
func (f *ReactorFiles) UnmarshalYAML(n *yaml.Node) error {
	raw, err := confyaml.StringOrList(n, "a reaction file")
	if err != nil {
		return err
	}
	*f = raw
	return nil
}

// validateReactor checks the reactor's shape: each item one tag glob and
// one file or more, each an absolute path or a salt:// URL.
func (c *Config) validateReactor() error {
	if c.ReactorWorkers < 1 || c.ReactorQueue < 1 {
		return fmt.Errorf("master config: reactor_worker_threads and reactor_worker_hwm must be at least 1")
	}
	for i, item := range c.Reactor {
		if len(item) != 1 {
			return fmt.Errorf("master config: reactor item %d: want one tag and its files (- 'salt/auth': [/srv/reactor/auth.sls])", i+1)
		}
		for tag, files := range item {
			if tag == "" || len(files) == 0 {
				return fmt.Errorf("master config: reactor item %d: want a tag and one file or more", i+1)
			}
			for _, f := range files {
				if !strings.HasPrefix(f, "salt://") && !filepath.IsAbs(f) {
					return fmt.Errorf("master config: reactor %q: file %q: want an absolute path or a salt:// URL", tag, f)
				}
			}
		}
	}
	return nil
}
