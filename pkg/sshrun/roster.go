package sshrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/top"
)

// DefaultRoster is where the roster is read from when no --roster-file
// names another, as Salt reads /etc/salt/roster.
const DefaultRoster = "/etc/brine/roster"

// Host is one roster entry: Salt's roster keys, and proxy_jump.
type Host struct {
	ID   string `yaml:"-"`
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	User string `yaml:"user"`
	// Priv is a private key file; the agent and the default keys are
	// tried too (Salt's priv).
	Priv string `yaml:"priv"`
	// PrivPasswd is Priv's passphrase (Salt's priv_passwd).
	PrivPasswd string `yaml:"priv_passwd"`
	// IdentitiesOnly offers Priv (or --priv) alone: not the default keys
	// nor the agent's (Salt's identities_only, ssh's IdentitiesOnly).
	IdentitiesOnly bool `yaml:"identities_only"`
	// Passwd is the login password, and sudo's: password authentication
	// is offered only when it is set.
	Passwd string `yaml:"passwd"`
	// Sudo runs brine on the host under sudo (sudo -n with no password,
	// sudo -S with Passwd).
	Sudo bool `yaml:"sudo"`
	// SudoUser is who sudo runs brine as (sudo -u), with Sudo only, as
	// Salt's shim reads sudo_user.
	SudoUser string `yaml:"sudo_user"`
	// TTY is Salt's tty (ssh -t -t, for a sudo that requires a
	// terminal): read, and not used, since brine's conversation with
	// the host cannot go through a terminal.
	TTY bool `yaml:"tty"`
	// SSHOptions are ssh -o options, as Salt passes them: brine reads
	// ProxyJump, Port, User, IdentityFile, ConnectTimeout and
	// IdentitiesOnly, and refuses the others.
	SSHOptions []string `yaml:"ssh_options"`
	// Timeout is the connection timeout, in seconds (Salt's timeout).
	Timeout int `yaml:"timeout"`
	// MinionOpts are minion options: grains, saltenv and root apply to
	// `brine ssh` runs; on --bootstrap every key goes into minion.yaml.
	MinionOpts map[string]any `yaml:"minion_opts"`
	// Grains are grains over the collected ones and minion_opts' (an
	// entry's own grains, which Salt's Single.run_wfunc lays over the
	// target's).
	Grains map[string]any `yaml:"grains"`
	// ThinDir is brine's cache dir on the host: the binary and the files
	// by sha256 (default /var/tmp/.brine_USER).
	ThinDir string `yaml:"thin_dir"`
	// given are the keys the entry set (user, sudo, identities_only),
	// which --user, --sudo and --identities-only do not override.
	given map[string]bool
	// ProxyJump is a jump host, [user@]host[:port] or a roster id, as
	// ssh's ProxyJump (brine's key: Salt passes it in ssh_options).
	ProxyJump string `yaml:"proxy_jump"`
}

// Addr is host:port.
func (h *Host) Addr() string {
	return joinHostPort(h.Host, h.Port)
}

// Dir is the cache dir on the host.
func (h *Host) Dir() string {
	if h.ThinDir != "" {
		return h.ThinDir
	}
	return "/var/tmp/.brine_" + h.User
}

// Roster is the hosts of a roster file, by id.
type Roster struct {
	Hosts map[string]*Host
}

// RosterError is a roster that cannot be read: the file, the line when
// known, and why.
type RosterError struct {
	File string
	Line int
	Err  error
}

func (e *RosterError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("roster %s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("roster %s: %v", e.File, e.Err)
}

func (e *RosterError) Unwrap() error { return e.Err }

// LoadRoster reads a roster file, rendered as Salt renders it
// (salt/roster/flat.py's compile_template with the master's renderer,
// jinja|yaml): Jinja first, unless a #! first line names renderers
// without jinja (#!yaml). The roster's Jinja has no grains, pillar or
// salt functions, as the master's own render has none.
func LoadRoster(path string) (*Roster, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &RosterError{File: path, Err: err}
	}
	if b, err = renderRoster(path, b); err != nil {
		return nil, &RosterError{File: path, Err: err}
	}
	return ParseRoster(path, b)
}

// renderRoster renders a roster's Jinja.
func renderRoster(path string, src []byte) ([]byte, error) {
	first, _, _ := bytes.Cut(src, []byte("\n"))
	if bytes.HasPrefix(first, []byte("#!")) && !bytes.Contains(first, []byte("jinja")) {
		return src, nil
	}
	vars := map[string]any{"grains": map[string]any{}, "pillar": map[string]any{}, "salt": map[string]jinja.Func{},
		"opts": map[string]any{}, "saltenv": "base", "sls": ""}
	out, err := jinja.Render(path, src, vars, jinja.Options{})
	if err != nil {
		return nil, fmt.Errorf("jinja: %w", err)
	}
	return []byte(out), nil
}

// ParseRoster reads Salt's YAML roster: a mapping of ids to their keys.
// An unknown key is refused with its line. user defaults to root, port
// to 22, host to the id.
func ParseRoster(name string, src []byte) (*Roster, error) {
	var doc yaml.Node
	d := yaml.NewDecoder(bytes.NewReader(src))
	if err := d.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &RosterError{File: name, Err: err}
	}
	r := &Roster{Hosts: map[string]*Host{}}
	if len(doc.Content) == 0 {
		return r, nil
	}
	m := doc.Content[0]
	if m.Kind != yaml.MappingNode {
		return nil, &RosterError{File: name, Line: m.Line, Err: errors.New("want a mapping of host ids to their settings")}
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		id := k.Value
		if err := proto.ValidID(id); err != nil {
			return nil, &RosterError{File: name, Line: k.Line, Err: err}
		}
		if _, dup := r.Hosts[id]; dup {
			return nil, &RosterError{File: name, Line: k.Line, Err: fmt.Errorf("%s: listed twice", id)}
		}
		h := &Host{}
		// Salt's RosterMatcher.get_data: a string is the host's address,
		// and an entry with nothing (null) is no target at all.
		if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
			continue
		}
		if v.Kind == yaml.ScalarNode && v.Tag == "!!str" && v.Value != "" {
			r.Hosts[id] = &Host{ID: id, Host: v.Value, User: "root", Port: 22}
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: want a host address or a mapping (host, user, port, priv, priv_passwd, passwd, sudo, sudo_user, timeout, minion_opts, grains, thin_dir, identities_only, ssh_options, tty, proxy_jump)", id)}
		}
		var buf bytes.Buffer
		enc := yaml.NewEncoder(&buf)
		if err := enc.Encode(v); err != nil {
			return nil, &RosterError{File: name, Line: v.Line, Err: err}
		}
		dec := yaml.NewDecoder(&buf)
		dec.KnownFields(true)
		if err := dec.Decode(h); err != nil {
			// yaml's line is within the entry: make it the file's.
			var te *yaml.TypeError
			if errors.As(err, &te) {
				return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: %v (lines counted from the entry)", id, te.Errors)}
			}
			return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: %w", id, err)}
		}
		h.ID = id
		if err := h.applySSHOptions(); err != nil {
			return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: %w", id, err)}
		}
		h.given = map[string]bool{"user": h.User != "", "identities_only": h.IdentitiesOnly}
		for j := 0; j+1 < len(v.Content); j += 2 {
			h.given[v.Content[j].Value] = true
		}
		if h.Host == "" {
			h.Host = id
		}
		if h.User == "" {
			h.User = "root"
		}
		if h.Port == 0 {
			h.Port = 22
		}
		if h.Port < 0 || h.Port > 65535 {
			return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: port %d", id, h.Port)}
		}
		if h.Timeout < 0 {
			return nil, &RosterError{File: name, Line: v.Line, Err: fmt.Errorf("%s: timeout %d", id, h.Timeout)}
		}
		r.Hosts[id] = h
	}
	return r, nil
}

// Defaults are salt-ssh's --user, --sudo and --identities-only: the
// values of the hosts whose entries do not set them (Salt's
// SSH.defaults, applied in SSH.handle_ssh to each target without the
// key).
type Defaults struct {
	User           string
	Sudo           bool
	IdentitiesOnly bool
	// Passwd is --askpass's answer, the password of the hosts whose
	// entry gives none (Salt's ssh_passwd).
	Passwd string
	// ThinDir is --rand-thin-dir's cache dir, for the hosts whose entry
	// names none.
	ThinDir string
}

// ApplyDefaults gives each host the defaults its entry does not set.
func (r *Roster) ApplyDefaults(d Defaults) {
	for _, h := range r.Hosts {
		h.applyDefaults(d)
	}
}

func (h *Host) applyDefaults(d Defaults) {
	if d.User != "" && !h.given["user"] {
		h.User = d.User
	}
	if d.Sudo && !h.given["sudo"] {
		h.Sudo = true
	}
	if d.IdentitiesOnly && !h.given["identities_only"] {
		h.IdentitiesOnly = true
	}
	if d.Passwd != "" && h.Passwd == "" {
		h.Passwd = d.Passwd
	}
	if d.ThinDir != "" && h.ThinDir == "" {
		h.ThinDir = d.ThinDir
	}
}

// DirectHost is a target that names a host rather than roster ids, as
// salt-ssh takes one when the roster matches nothing (SSH._update_targets):
// [user@]host, when host resolves. Its id is the host; its user the one
// given, else the defaults'.
func DirectHost(ctx context.Context, target string, d Defaults) (*Host, bool) {
	user, host, ok := strings.Cut(target, "@")
	if !ok {
		user, host = "", target
	}
	if host == "" || strings.ContainsAny(host, "*?[]") || proto.ValidID(host) != nil {
		return nil, false
	}
	if net.ParseIP(host) == nil {
		lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if _, err := net.DefaultResolver.LookupHost(lctx, host); err != nil {
			return nil, false
		}
	}
	h := &Host{ID: host, Host: host, Port: 22, User: "root", given: map[string]bool{"user": user != ""}}
	if user != "" {
		h.User = user
	}
	h.applyDefaults(d)
	return h, true
}

// IDs are the roster's ids, sorted.
func (r *Roster) IDs() []string {
	ids := make([]string, 0, len(r.Hosts))
	for id := range r.Hosts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Target returns the hosts the expression names, sorted by id: kind is
// glob, pcre or list (pkg/top's matchers, on roster ids). A list names
// ids the roster must hold.
func (r *Roster) Target(expr, kind string) ([]*Host, error) {
	switch kind {
	case proto.TargetGlob, proto.TargetPCRE, proto.TargetList:
	default:
		return nil, fmt.Errorf("brine ssh targets roster ids by glob, pcre (-E) or list (-L), not %s", kind)
	}
	if kind == proto.TargetPCRE {
		if _, err := regexp.Compile(expr); err != nil {
			return nil, fmt.Errorf("-E %q: %w", expr, err)
		}
	}
	mins := make([]top.Minion, 0, len(r.Hosts))
	for _, id := range r.IDs() {
		mins = append(mins, top.Minion{ID: id})
	}
	ids, err := top.Targets(expr, kind, mins, nil)
	if err != nil {
		return nil, err
	}
	out := make([]*Host, 0, len(ids))
	for _, id := range ids {
		out = append(out, r.Hosts[id])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

// timeout is the host's connection timeout, or dflt.
func (h *Host) timeout(dflt time.Duration) time.Duration {
	if h.Timeout > 0 {
		return time.Duration(h.Timeout) * time.Second
	}
	return dflt
}

// applySSHOptions reads the ssh -o options brine has a meaning for into
// the host's keys (a key the entry gives wins, as ssh's command line
// comes before Salt's -o options only for the keys it sets).
func (h *Host) applySSHOptions() error {
	for _, o := range h.SSHOptions {
		k, v, ok := strings.Cut(o, "=")
		if !ok {
			k, v, ok = strings.Cut(strings.TrimSpace(o), " ")
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return fmt.Errorf("ssh_options %q: want Key=Value", o)
		}
		switch strings.ToLower(k) {
		case "proxyjump":
			if h.ProxyJump == "" {
				h.ProxyJump = v
			}
		case "port":
			p, err := strconv.Atoi(v)
			if err != nil || p <= 0 || p > 65535 {
				return fmt.Errorf("ssh_options %q: bad port", o)
			}
			if h.Port == 0 {
				h.Port = p
			}
		case "user":
			if h.User == "" {
				h.User = v
			}
		case "identityfile":
			if h.Priv == "" {
				h.Priv = v
			}
		case "connecttimeout":
			t, err := strconv.Atoi(v)
			if err != nil || t < 0 {
				return fmt.Errorf("ssh_options %q: bad timeout", o)
			}
			if h.Timeout == 0 {
				h.Timeout = t
			}
		case "identitiesonly":
			h.IdentitiesOnly = h.IdentitiesOnly || strings.EqualFold(v, "yes")
		default:
			return fmt.Errorf("ssh_options %q: brine ssh reads ProxyJump, Port, User, IdentityFile, ConnectTimeout and IdentitiesOnly, not %s", o, k)
		}
	}
	return nil
}
