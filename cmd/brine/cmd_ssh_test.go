package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/sshrun"
)

// TestSSHHostFailed pins which hosts make brine ssh exit 20, as any
// retcode other than 0 makes salt-ssh exit EX_AGGREGATE (SSH.run).
func TestSSHHostFailed(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    sshrun.Result
		want bool
	}{
		{"returned 0", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 0}}, false},
		{"a state failed", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 2}}, true},
		{"the tree did not render", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 1}}, true},
		{"not reached", sshrun.Result{ID: "a", Err: &sshrun.UnreachableError{Host: "a", Port: 22, Err: errors.New("x")}}, true},
		{"returned, then the wipe failed", sshrun.Result{ID: "a", Return: &proto.Return{Retcode: 0}, Err: errors.New("wipe")}, true},
	} {
		if got := hostFailed(tt.r); got != tt.want {
			t.Errorf("%s: hostFailed = %v; want %v", tt.name, got, tt.want)
		}
	}
	if ExitSSHAggregate != 20 {
		t.Errorf("ExitSSHAggregate = %d; want Salt's EX_AGGREGATE, 20", ExitSSHAggregate)
	}
}

// TestSSHFlagsOfSaltSSH checks brine ssh takes salt-ssh's flags, with
// their short forms.
func TestSSHFlagsOfSaltSSH(t *testing.T) {
	cmd := newSSHCmd(&streams{})
	for _, f := range []struct{ long, short string }{
		{"raw-shell", "r"}, {"raw", ""}, {"ignore-host-keys", "i"}, {"user", ""}, {"sudo", ""}, {"identities-only", ""},
		{"priv", ""}, {"roster-file", ""}, {"max-procs", ""}, {"wipe", "w"}, {"static", "s"}, {"timeout", "t"},
		{"pcre", "E"}, {"list", "L"}, {"refresh", ""}, {"refresh-cache", ""}, {"roster", ""},
		{"hosts", "H"}, {"rand-thin-dir", "W"}, {"askpass", ""},
	} {
		fl := cmd.Flags().Lookup(f.long)
		if fl == nil {
			t.Errorf("--%s: no such flag", f.long)
			continue
		}
		if fl.Shorthand != f.short {
			t.Errorf("--%s: short -%s; want -%s", f.long, fl.Shorthand, f.short)
		}
	}
}

// TestSSHRosterSystem refuses a roster system other than flat, before
// anything runs.
func TestSSHRosterSystem(t *testing.T) {
	o := &sshOptions{rosterKind: "scan", roster: "/nonexistent", timeout: "30"}
	if err := o.loadHosts("10.0.0.0/24"); err == nil {
		t.Error("--roster scan accepted")
	}
}

// TestSSHAskpass gives --askpass's password to the hosts whose entry
// has none, as salt-ssh's ssh_passwd default.
func TestSSHAskpass(t *testing.T) {
	roster := filepath.Join(t.TempDir(), "roster")
	if err := os.WriteFile(roster, []byte("a: 192.0.2.1\nb:\n  host: 192.0.2.2\n  passwd: own\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	asked := 0
	o := &sshOptions{roster: roster, rosterKind: "flat", timeout: "30", askpass: true, askPassword: func() (string, error) { asked++; return "typed", nil }}
	if err := o.loadHosts("*"); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, h := range o.hosts {
		got[h.ID] = h.Passwd
	}
	if asked != 1 || got["a"] != "typed" || got["b"] != "own" {
		t.Errorf("asked %d times, passwords %v; want once, a typed, b its own", asked, got)
	}
	o.askPassword = func() (string, error) { return "", errors.New("no terminal") }
	if err := o.loadHosts("*"); err == nil {
		t.Error("--askpass with no terminal: no error")
	}
}

// TestSSHListHostsAndRandThin pins -H (the roster's ids and addresses,
// nothing run, no TARGET needed) and -W (one random cache dir for the
// entries that name none, wiped after).
func TestSSHListHostsAndRandThin(t *testing.T) {
	roster := filepath.Join(t.TempDir(), "roster")
	if err := os.WriteFile(roster, []byte("b: 192.0.2.2\na:\n  host: 192.0.2.1\n  thin_dir: /opt/own\nc:\n  user: ops\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	cmd := newSSHCmd(&streams{in: strings.NewReader(""), out: &out, err: &errb})
	cmd.SetArgs([]string{"-H", "--roster-file", roster})
	if err := cmd.Execute(); err != nil {
		t.Fatalf("-H: %v\n%s", err, errb.String())
	}
	if want := roster + ":\n    ----------\n    a:\n        192.0.2.1\n    b:\n        192.0.2.2\n    c:\n        c\n"; out.String() != want {
		t.Errorf("-H printed\n%s\nwant\n%s", out.String(), want)
	}

	o := &sshOptions{roster: roster, rosterKind: "flat", timeout: "30", randThin: true}
	if err := o.loadHosts("*"); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for _, h := range o.hosts {
		dirs[h.ID] = h.Dir()
	}
	if !o.wipe || dirs["a"] != "/opt/own" || dirs["b"] != dirs["c"] || !regexp.MustCompile(`^/var/tmp/\.[0-9a-f]{6}$`).MatchString(dirs["b"]) {
		t.Errorf("-W: wipe %v, dirs %v; want wipe, a's own, b and c one /var/tmp/.XXXXXX", o.wipe, dirs)
	}
}
