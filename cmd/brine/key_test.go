package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/proto"
)

// fakeKeys is a key registry that records the actions asked of it.
type fakeKeys struct {
	keys    []proto.KeyInfo
	actions []keyCall
}

type keyCall struct {
	action  string
	ids     []string
	all     bool
	include bool
}

func (f *fakeKeys) Keys(context.Context) ([]proto.KeyInfo, error) { return f.keys, nil }

func (f *fakeKeys) KeyAction(_ context.Context, action string, ids []string, all, include bool) ([]string, error) {
	f.actions = append(f.actions, keyCall{action, ids, all, include})
	return ids, nil
}

func (f *fakeKeys) Close() {}

func registry() *fakeKeys {
	return &fakeKeys{keys: []proto.KeyInfo{
		{ID: "web1", State: proto.KeyPending, Finger: "aa:01"},
		{ID: "web2", State: proto.KeyRejected, Finger: "aa:02"},
		{ID: "web3", State: proto.KeyAccepted, Finger: "aa:03"},
		{ID: "db1", State: proto.KeyPending, Finger: "aa:04"},
		{ID: "db2", State: proto.KeyAccepted, Finger: "aa:05"},
	}}
}

// keyCmd runs `brine key ARGS` in-process against f, with stdin in and a
// terminal or not to confirm on.
func keyCmd(t *testing.T, f *fakeKeys, terminal bool, in string, args ...string) (string, string, int) {
	t.Helper()
	oldDial, oldConfirm := dialKeys, canConfirm
	t.Cleanup(func() { dialKeys, canConfirm = oldDial, oldConfirm })
	dialKeys = func(*connFlags) (keyClient, error) { return f, nil }
	canConfirm = func(io.Reader) bool { return terminal }
	var out, errb bytes.Buffer
	code := run(append([]string{"key"}, args...), &streams{in: strings.NewReader(in), out: &out, err: &errb})
	return out.String(), errb.String(), code
}

func TestKeyConfirmation(t *testing.T) {
	tests := []struct {
		name     string
		terminal bool
		in       string
		args     []string
		code     ExitCode
		acted    bool
		want     string // in stdout or stderr
	}{
		{"no terminal, no -y: nothing changes", false, "y\n", []string{"accept", "web1"}, ExitUsage, false, "give -y"},
		{"echo n | accept", false, "n\n", []string{"accept", "web1"}, ExitUsage, false, "no terminal"},
		{"no terminal, -y", false, "", []string{"accept", "web1", "-y"}, ExitOK, true, "Key for minion web1 accepted."},
		{"the default answer is no", true, "\n", []string{"accept", "web1"}, ExitError, false, "Proceed? [y/N] "},
		{"an answer of n", true, "n\n", []string{"accept", "web1"}, ExitError, false, "Nothing changed."},
		{"an answer of yes", true, "yes\n", []string{"accept", "web1"}, ExitOK, true, "Key for minion web1 accepted."},
		{"end of input is no", true, "", []string{"-a", "web1"}, ExitError, false, "Unaccepted Keys:\nweb1\nProceed?"},
		{"no key named", true, "y\n", []string{"accept"}, ExitUsage, false, "-A for all"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := registry()
			out, errOut, code := keyCmd(t, f, tt.terminal, tt.in, tt.args...)
			if code != int(tt.code) {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, out, errOut)
			}
			if acted := len(f.actions) > 0; acted != tt.acted {
				t.Errorf("acted = %v; want %v (%v)", acted, tt.acted, f.actions)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Errorf("output lacks %q:\n%s%s", tt.want, out, errOut)
			}
		})
	}
}

func TestKeyGlobsAndInclude(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code ExitCode
		want []keyCall // the actions sent
		note string    // on stderr
	}{
		{"glob takes pending keys only", []string{"accept", "web*"}, ExitOK,
			[]keyCall{{"accept", []string{"web1"}, false, false}}, "Left out, rejected: web2 (--include-rejected takes them)."},
		{"a rejected key needs --include-rejected", []string{"accept", "web2"}, ExitError,
			nil, "The key glob 'web2' does not match any unaccepted keys."},
		{"--include-rejected re-admits it", []string{"accept", "web2", "--include-rejected"}, ExitOK,
			[]keyCall{{"accept", []string{"web2"}, false, true}}, ""},
		{"salt-key form", []string{"-a", "web2", "--include-all"}, ExitOK,
			[]keyCall{{"accept", []string{"web2"}, false, true}}, ""},
		{"already accepted is not an error", []string{"accept", "web3"}, ExitOK, nil, "Key for minion web3 is already accepted."},
		{"comma-separated globs", []string{"accept", "web?,db[0-9]"}, ExitOK,
			[]keyCall{{"accept", []string{"db1", "web1"}, false, false}}, ""},
		{"fnmatch: [!...]", []string{"accept", "[!w]*"}, ExitOK,
			[]keyCall{{"accept", []string{"db1"}, false, false}}, ""},
		{"a glob that matches nothing", []string{"accept", "mail*"}, ExitError, nil, "The key glob 'mail*' does not match any unaccepted keys."},
		{"part matches, part does not: act, then fail", []string{"accept", "db1", "mail1"}, ExitError,
			[]keyCall{{"accept", []string{"db1"}, false, false}}, "'mail1' does not match"},
		{"-A takes every pending key", []string{"accept", "-A"}, ExitOK,
			[]keyCall{{"accept", []string{"db1", "web1"}, false, false}}, ""},
		{"reject leaves accepted keys alone", []string{"reject", "*"}, ExitOK,
			[]keyCall{{"reject", []string{"db1", "web1"}, false, false}}, "Left out, accepted: db2, web3 (--include-accepted takes them)."},
		{"reject --include-accepted", []string{"reject", "web3", "--include-accepted"}, ExitOK,
			[]keyCall{{"reject", []string{"web3"}, false, true}}, ""},
		{"delete takes any state", []string{"delete", "web*"}, ExitOK,
			[]keyCall{{"delete", []string{"web1", "web2", "web3"}, false, false}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := registry()
			out, errOut, code := keyCmd(t, f, false, "", append(tt.args, "-y")...)
			if code != int(tt.code) {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, out, errOut)
			}
			if !reflect.DeepEqual(f.actions, tt.want) {
				t.Errorf("actions %v; want %v", f.actions, tt.want)
			}
			if !strings.Contains(errOut, tt.note) {
				t.Errorf("stderr lacks %q:\n%s", tt.note, errOut)
			}
		})
	}
}

func TestKeyOutput(t *testing.T) {
	f := registry()
	f.keys = append(f.keys, proto.KeyInfo{ID: "evil\x1b[2J", State: proto.KeyPending, Finger: "aa:06"})
	out, _, code := keyCmd(t, f, false, "", "list")
	want := "Accepted Keys:\ndb2\nweb3\nDenied Keys:\nUnaccepted Keys:\ndb1\nevil\\x1b[2J\nweb1\nRejected Keys:\nweb2\n"
	if code != 0 || out != want {
		t.Errorf("key list = %d\n%q\nwant\n%q", code, out, want)
	}
	out, _, _ = keyCmd(t, f, false, "", "list", "--out", "json")
	if !strings.Contains(out, `"minions_pre": [`) || !strings.Contains(out, `"evil\u001b[2J"`) {
		t.Errorf("key list --out json =\n%s", out)
	}
	out, _, _ = keyCmd(t, f, false, "", "accept", "web1", "-y", "--out", "json")
	if out != "{\n    \"accepted\": [\n        \"web1\"\n    ]\n}\n" {
		t.Errorf("accept --out json = %q", out)
	}
	out, _, _ = keyCmd(t, f, false, "", "-L", "--out", "txt")
	if !strings.HasPrefix(out, "minions: ['db2', 'web3']\n") {
		t.Errorf("key -L --out txt = %q", out)
	}
	// --out-file takes the tables too, not only the outputters.
	file := filepath.Join(t.TempDir(), "keys")
	out, _, code = keyCmd(t, f, false, "", "list", "--out-file", file)
	if b, _ := os.ReadFile(file); code != 0 || out != "" || string(b) != want {
		t.Errorf("key list --out-file: %d, stdout %q, file %q", code, out, b)
	}
	keyCmd(t, f, false, "", "accept", "db1", "-y", "--out-file", file, "--out-file-append")
	if b, _ := os.ReadFile(file); string(b) != want+"Key for minion db1 accepted.\n" {
		t.Errorf("key accept --out-file-append: file %q", b)
	}
}

func TestPlanKeys(t *testing.T) {
	f := registry()
	g, err := compileGlobs([]string{"web*"})
	if err != nil {
		t.Fatal(err)
	}
	p := planKeys(f.keys, proto.KeyAccept, g, false, true)
	if want := []string{"web1", "web2"}; !reflect.DeepEqual(p.ids, want) || p.failed {
		t.Errorf("accept web* --include-rejected = %v (failed %v); want %v", p.ids, p.failed, want)
	}
	if p.from["web2"] != proto.KeyRejected || p.from["web1"] != proto.KeyPending {
		t.Errorf("from = %v", p.from)
	}
}

// A master that does not answer is an error, not a usage error.
func TestKeyNoMaster(t *testing.T) {
	old := dialKeys
	t.Cleanup(func() { dialKeys = old })
	dialKeys = func(*connFlags) (keyClient, error) { return nil, errors.New("no master at nats://127.0.0.1:4222") }
	_, errOut, code := brine(t, "key", "list")
	if code != int(ExitError) || !strings.Contains(errOut, "no master") {
		t.Errorf("exit %d %q", code, errOut)
	}
}

// TestDevNullIsNoTerminal: cron, systemd and CI give /dev/null as stdin,
// a character device that must not count as a terminal to confirm on.
func TestDevNullIsNoTerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if isTerminalReader(f) {
		t.Errorf("%s counts as a terminal", os.DevNull)
	}
}

// TestKeySaltKeyFlags: salt-key's -l STATE, -p/-P, -R, -D, and -f
// listing only the states its glob matched in.
func TestKeySaltKeyFlags(t *testing.T) {
	f := registry()
	f.keys[0].Nkey = "UAWEB1"
	if out, _, code := keyCmd(t, f, false, "", "-l", "un", "-c", t.TempDir()); code != 0 || out != "Unaccepted Keys:\ndb1\nweb1\n" {
		t.Errorf("-l un: exit %d %q", code, out)
	}
	if _, _, code := keyCmd(t, f, false, "", "-l", "bogus", "-c", t.TempDir()); code != 64 {
		t.Errorf("-l bogus: exit %d; want a usage error", code)
	}
	if out, _, code := keyCmd(t, f, false, "", "-p", "web1", "-c", t.TempDir()); code != 0 || out != "Unaccepted Keys:\nweb1:  UAWEB1\n" {
		t.Errorf("-p web1: exit %d %q", code, out)
	}
	if out, _, _ := keyCmd(t, f, false, "", "-f", "web3", "-c", t.TempDir()); out != "Accepted Keys:\nweb3:  aa:03  \n" {
		t.Errorf("-f web3 = %q; want the accepted key alone", out)
	}
	keyCmd(t, f, false, "", "-R", "-y", "-c", t.TempDir())
	keyCmd(t, f, false, "", "-D", "-y", "-c", t.TempDir())
	if len(f.actions) != 2 || f.actions[0].action != proto.KeyReject || f.actions[1].action != proto.KeyDelete {
		t.Errorf("-R -y then -D -y asked %+v", f.actions)
	}
}

// TestKeyColors pins the colours of Salt's key outputter (salt/output/
// key.py) with colour on: each heading in its list's light colour, each
// entry in the plain one (accepted green, denied magenta, unaccepted red,
// rejected blue, the master's own keys magenta), a reset closing each
// line; and no colour at all without a terminal or --force-color.
func TestKeyColors(t *testing.T) {
	f := registry()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-L", "--force-color"}, "\x1b[1;32mAccepted Keys:\x1b[0m\n\x1b[32mdb2\x1b[0m\n\x1b[32mweb3\x1b[0m\n" +
			"\x1b[1;35mDenied Keys:\x1b[0m\n\x1b[1;31mUnaccepted Keys:\x1b[0m\n\x1b[31mdb1\x1b[0m\n\x1b[31mweb1\x1b[0m\n" +
			"\x1b[1;34mRejected Keys:\x1b[0m\n\x1b[34mweb2\x1b[0m\n"},
		{[]string{"-l", "rej", "--force-color"}, "\x1b[1;34mRejected Keys:\x1b[0m\n\x1b[34mweb2\x1b[0m\n"},
		{[]string{"-L"}, "Accepted Keys:\ndb2\nweb3\nDenied Keys:\nUnaccepted Keys:\ndb1\nweb1\nRejected Keys:\nweb2\n"},
	}
	for _, tc := range tests {
		if out, errOut, code := keyCmd(t, f, false, "", tc.args...); code != 0 || out != tc.want {
			t.Errorf("key %v: exit %d\n%q\nwant\n%q\n%s", tc.args, code, out, tc.want, errOut)
		}
	}
	f.keys[0].Nkey = "UAWEB1"
	out, _, _ := keyCmd(t, f, false, "", "-p", "web1", "-c", t.TempDir(), "--force-color")
	if want := "\x1b[1;31mUnaccepted Keys:\x1b[0m\n\x1b[31mweb1:  UAWEB1\x1b[0m\n"; out != want {
		t.Errorf("key -p web1 --force-color = %q; want %q", out, want)
	}
}
