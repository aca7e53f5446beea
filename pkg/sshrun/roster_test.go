package sshrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
)

const roster = `
web1:
  host: 192.0.2.10
  user: deploy
  sudo: True
  passwd: pw
  timeout: 5
  minion_opts:
    grains: {role: web}
web2:
  port: 2222
db1:
  host: 10.0.0.5
  proxy_jump: bastion
  thin_dir: /opt/brine
bastion: {host: bastion.example.com}
`

func TestParseRoster(t *testing.T) {
	r, err := ParseRoster("roster", []byte(roster))
	if err != nil {
		t.Fatal(err)
	}
	w1, w2, db := r.Hosts["web1"], r.Hosts["web2"], r.Hosts["db1"]
	if w1.Addr() != "192.0.2.10:22" || w1.User != "deploy" || !w1.Sudo || w1.Passwd != "pw" || w1.Timeout != 5 || w1.Dir() != "/var/tmp/.brine_deploy" {
		t.Errorf("web1 = %+v", w1)
	}
	if w2.Addr() != "web2:2222" || w2.User != "root" || w2.Dir() != "/var/tmp/.brine_root" {
		t.Errorf("web2 = %+v (want the id as host, root, port 2222)", w2)
	}
	if db.ProxyJump != "bastion" || db.Dir() != "/opt/brine" {
		t.Errorf("db1 = %+v", db)
	}
	for _, c := range []struct {
		expr, kind string
		want       string
	}{
		{"web*", proto.TargetGlob, "web1 web2"},
		{"*", proto.TargetGlob, "bastion db1 web1 web2"},
		{"^(db|bas)", proto.TargetPCRE, "bastion db1"},
		{"web2,db1", proto.TargetList, "db1 web2"},
		{"nosuch", proto.TargetGlob, ""},
	} {
		hs, err := r.Target(c.expr, c.kind)
		if err != nil {
			t.Errorf("Target(%q, %s): %v", c.expr, c.kind, err)
			continue
		}
		var ids []string
		for _, h := range hs {
			ids = append(ids, h.ID)
		}
		if got := strings.Join(ids, " "); got != c.want {
			t.Errorf("Target(%q, %s) = %q; want %q", c.expr, c.kind, got, c.want)
		}
	}
	if _, err := r.Target("os:Debian", proto.TargetGrain); err == nil {
		t.Error("grain targeting accepted; want refused (no grains before the run)")
	}
	if _, err := r.Target("(", proto.TargetPCRE); err == nil {
		t.Error("a bad regular expression accepted")
	}
}

func TestParseRosterErrors(t *testing.T) {
	for _, c := range []struct {
		src, want string
		line      int
	}{
		{"web1:\n  host: a\n  set_path: /x\n", "field set_path not found", 2},
		{"web1:\n  ssh_options: [Compression=yes]\n", "not Compression", 2},
		{"web1:\n  ssh_options: [Port=x]\n", "bad port", 2},
		{"web1:\n  ssh_options: [ProxyJump]\n", "want Key=Value", 2},
		{"web1: 22\n", "want a host address or a mapping", 1},
		{"web1: [a]\n", "want a host address or a mapping", 1},
		{"- web1\n", "want a mapping of host ids", 1},
		{"web1:\n  port: 70000\n", "port 70000", 2},
		{"web1:\n  port: x\n", "cannot unmarshal", 2},
		{"'a b':\n  host: x\n", "invalid minion id", 1},
		{"web1:\n  host: [\n", "", 0},
	} {
		_, err := ParseRoster("roster", []byte(c.src))
		var re *RosterError
		if !errors.As(err, &re) {
			t.Errorf("ParseRoster(%q) = %v; want a *RosterError", c.src, err)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || re.Line != c.line {
			t.Errorf("ParseRoster(%q) = %v (line %d); want %q at line %d", c.src, err, re.Line, c.want, c.line)
		}
	}
}

// TestRosterAsSalt reads rosters as Salt's flat roster does: rendered
// with Jinja (unless #!yaml), a string entry is the host, a null entry
// is no target (RosterMatcher.get_data).
func TestRosterAsSalt(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      string // id=user@host:port …
	}{
		{"string entry", "web1: 192.0.2.10\nweb2:\n  host: 192.0.2.11\n", "web1=root@192.0.2.10:22 web2=root@192.0.2.11:22"},
		{"null entry", "web1:\nweb2: 192.0.2.11\n", "web2=root@192.0.2.11:22"},
		{"jinja", "{% for i in range(1, 3) %}\nweb{{ i }}:\n  host: 192.0.2.{{ 10 + i }}\n  user: {{ 'deploy' }}\n{% endfor %}\n", "web1=deploy@192.0.2.11:22 web2=deploy@192.0.2.12:22"},
		{"jinja, shebang", "#!jinja|yaml\n{% set u = 'ops' %}\nweb1:\n  user: {{ u }}\n", "web1=ops@web1:22"},
		{"yaml alone", "#!yaml\nweb1:\n  host: '{{ not_jinja }}'\n", "web1=root@{{ not_jinja }}:22"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "roster")
			if err := os.WriteFile(p, []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			r, err := LoadRoster(p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, id := range r.IDs() {
				h := r.Hosts[id]
				got = append(got, fmt.Sprintf("%s=%s@%s:%d", id, h.User, h.Host, h.Port))
			}
			if g := strings.Join(got, " "); g != c.want {
				t.Errorf("hosts %q; want %q", g, c.want)
			}
		})
	}
	p := filepath.Join(t.TempDir(), "roster")
	if err := os.WriteFile(p, []byte("{% if %}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var re *RosterError
	if _, err := LoadRoster(p); !errors.As(err, &re) {
		t.Errorf("bad Jinja: %v; want a *RosterError", err)
	}
}

// TestSaltRosterKeysParsed reads the Salt keys brine takes: ssh_options
// fill what the entry does not give, sudo_user counts with sudo only.
func TestSaltRosterKeysParsed(t *testing.T) {
	r, err := ParseRoster("roster", []byte(`
a:
  host: 192.0.2.1
  tty: True
  priv: /k
  priv_passwd: pp
  identities_only: True
  sudo: True
  sudo_user: app
  ssh_options: [ProxyJump=bastion, "Port 2200", User=ops, ConnectTimeout=7, IdentityFile=/other]
b:
  port: 23
  user: deploy
  sudo_user: app
  ssh_options: [Port=2200, User=ops, IdentitiesOnly=yes]
c:
  user: root
  sudo: True
`))
	if err != nil {
		t.Fatal(err)
	}
	a, b, c := r.Hosts["a"], r.Hosts["b"], r.Hosts["c"]
	if !a.TTY || a.PrivPasswd != "pp" || !a.IdentitiesOnly || a.ProxyJump != "bastion" || a.Port != 2200 || a.User != "ops" || a.Timeout != 7 || a.Priv != "/k" || !a.sudo() {
		t.Errorf("a = %+v", a)
	}
	if b.Port != 23 || b.User != "deploy" || !b.IdentitiesOnly || b.sudo() {
		t.Errorf("b = %+v (the entry's port and user win; sudo_user without sudo is no sudo)", b)
	}
	if c.sudo() {
		t.Errorf("c: root with sudo and no sudo_user runs no sudo")
	}
	rm := &remote{h: a}
	if got := strings.Join(rm.argv([]string{"x"}), " "); got != "sudo -u app -n -H -- x" {
		t.Errorf("argv = %q", got)
	}
}

// TestDefaultsAndDirectHost pins salt-ssh's --user/--sudo defaults (an
// entry's own keys win) and its target of a host no roster lists.
func TestDefaultsAndDirectHost(t *testing.T) {
	r, err := ParseRoster("roster", []byte("a: 192.0.2.1\nb:\n  user: root\n  sudo: False\nc:\n  ssh_options: [User=ops]\n"))
	if err != nil {
		t.Fatal(err)
	}
	r.ApplyDefaults(Defaults{User: "deploy", Sudo: true, IdentitiesOnly: true})
	if a := r.Hosts["a"]; a.User != "deploy" || !a.Sudo || !a.IdentitiesOnly || a.Dir() != "/var/tmp/.brine_deploy" {
		t.Errorf("a = %+v", a)
	}
	if b := r.Hosts["b"]; b.User != "root" || b.Sudo {
		t.Errorf("b = %+v (its user and sudo are its own)", b)
	}
	if c := r.Hosts["c"]; c.User != "ops" {
		t.Errorf("c = %+v (ssh_options' User is its own)", c)
	}
	ctx := context.Background()
	for _, tt := range []struct {
		target string
		d      Defaults
		want   string // id user sudo, or "" for no host
	}{
		{"ops@127.0.0.1", Defaults{User: "deploy"}, "127.0.0.1 ops false"},
		{"127.0.0.1", Defaults{User: "deploy", Sudo: true}, "127.0.0.1 deploy true"},
		{"127.0.0.1", Defaults{}, "127.0.0.1 root false"},
		{"localhost", Defaults{}, "localhost root false"},
		{"web*", Defaults{}, ""},
		{"nosuch.invalid", Defaults{}, ""},
		{"a b", Defaults{}, ""},
	} {
		h, ok := DirectHost(ctx, tt.target, tt.d)
		got := ""
		if ok {
			got = fmt.Sprintf("%s %s %v", h.ID, h.User, h.Sudo)
		}
		if got != tt.want {
			t.Errorf("DirectHost(%q) = %q; want %q", tt.target, got, tt.want)
		}
	}
}

func TestParseJump(t *testing.T) {
	for _, c := range []struct {
		in, user, host string
		port           int
	}{
		{"bastion", "me", "bastion", 22},
		{"ops@bastion:2200", "ops", "bastion", 2200},
		{"[::1]:2201", "me", "::1", 2201},
	} {
		u, h, p, err := parseJump(c.in, "me")
		if err != nil || u != c.user || h != c.host || p != c.port {
			t.Errorf("parseJump(%q) = %s %s %d %v", c.in, u, h, p, err)
		}
	}
	if _, _, _, err := parseJump("a:99999", "me"); err == nil {
		t.Error("port 99999 accepted")
	}
}

// nopCloser records what was written to sudo's stdin and whether it was
// closed.
type stdinRec struct {
	strings.Builder
	closed bool
}

func (s *stdinRec) Close() error { s.closed = true; return nil }

// TestSudoWatch feeds sudo's stderr in pieces: the password goes once,
// on the prompt; the ready marker hands stdin over; a second prompt is a
// refusal and closes stdin.
func TestSudoWatch(t *testing.T) {
	in := &stdinRec{}
	out := &tailBuffer{max: 1 << 10}
	ready := make(chan struct{})
	w := &sudoWatch{pw: "pw", stdin: in, out: out, ready: ready}
	for _, piece := range []string{"[brine-sudo", "-password]", "brine-sudo-re", "ady\nshim log\n"} {
		_, _ = w.Write([]byte(piece))
	}
	select {
	case <-ready:
	default:
		t.Fatal("not ready after the marker")
	}
	if in.String() != "pw\n" || in.closed || w.refused() {
		t.Errorf("stdin %q closed %v refused %v; want the password once, open", in.String(), in.closed, w.refused())
	}
	if out.String() != "shim log\n" {
		t.Errorf("stderr kept %q; want the command's alone", out.String())
	}

	in = &stdinRec{}
	w = &sudoWatch{pw: "pw", stdin: in, out: &tailBuffer{max: 1 << 10}, ready: make(chan struct{})}
	_, _ = w.Write([]byte("[brine-sudo-password]Sorry, try again.\n[brine-sudo-password]"))
	if in.String() != "pw\n" || !in.closed || !w.refused() {
		t.Errorf("wrong password: stdin %q closed %v refused %v; want one try, closed, refused", in.String(), in.closed, w.refused())
	}
}
