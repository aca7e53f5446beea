package states

import (
	"context"
	"crypto/md5"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The tables of the states brine added in the ninth round (ini, …), each
// phase pinned against Salt 3006's state and execution modules, with the
// file the real run leaves checked too.

// fidIni runs fun on /etc/app.ini of a root holding content ("" for no
// file), and checks after each real run that the file reads want.
func fidIni(fun string, args map[string]any, content string, want string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		root := fileTestRoot(t)
		if content != "" {
			fileWriteT(t, filepath.Join(root, "etc/app.ini"), content)
		}
		return func(test bool) Result {
			r := fileCall(t, root, fun, "/etc/app.ini", args, test)
			if !test && want != "" {
				if got := iniRootFile(t, root, "etc/app.ini"); got != want {
					t.Errorf("file after the real run = %q; want %q", got, want)
				}
			}
			return r
		}
	}
}

func TestSaltFidelityIni(t *testing.T) {
	const conf = "# app\n[main]\nport = 80\n#debug = yes\n\n[old]\nx = 1\n"
	secs := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	ba := func(b, a any) map[string]any { return map[string]any{"before": b, "after": a} }
	fidRunAll(t, []fidCase{{
		name: "ini.options_present: changed, uncommented, new section",
		salt: "states/ini_manage.py options_present(); modules/ini_manage.py set_option(), _Section.update()",
		setup: fidIni("ini.options_present", map[string]any{"sections": secs(
			"main", secs("port", 8080, "debug", true),
			"new", secs("k", "v"),
		)}, conf, "# app\n[main]\nport = 8080\ndebug = True\n\n[old]\nx = 1\n\n[new]\nk = v\n"),
		test: fidW(None, "Changed key debug in section main.\nChanged key port in section main.\nChanged key k in section new.\n", map[string]any{
			"main": map[string]any{"port": ba("80", "8080"), "debug": ba(nil, "True")},
			"new":  ba(nil, map[string]any{"k": "v"}),
		}),
		real: fidW(True, "Changes take effect", map[string]any{
			"main": map[string]any{"port": ba("80", "8080"), "debug": ba(nil, "True")},
			"new":  ba(nil, map[string]any{"k": "v"}),
		}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Unchanged key debug in section main.\nUnchanged key port in section main.\nUnchanged key k in section new.\n", nil),
	}, {
		name: "ini.options_present: strict, keys outside sections",
		salt: "options_present(), the strict branches",
		setup: fidIni("ini.options_present", map[string]any{"strict": true, "sections": secs(
			"top", "1",
			"old", secs("y", "2"),
		)}, "a = 0\n"+conf, "# app\ntop = 1\n[main]\nport = 80\n#debug = yes\n\n[old]\ny = 2\n"),
		test: fidW(None, "Changed key top.\nRemoved key a.\nDeleted key x in section old.\nChanged key y in section old.\n", map[string]any{
			"top": ba(nil, "1"), "a": ba("0", nil),
			"old": map[string]any{"x": ba("1", nil), "y": ba(nil, "2")},
		}),
		real: fidW(True, "Changes take effect", map[string]any{
			"top": ba(nil, "1"), "a": ba("0", nil),
			"old": map[string]any{"x": ba("1", nil), "y": ba(nil, "2")},
		}),
		rerun: fidW(True, "No anomaly detected", nil),
	}, {
		name:   "ini.options_present: a new file",
		salt:   "options_present(); _Ini.refresh() of a missing file, flush()",
		setup:  fidIni("ini.options_present", map[string]any{"sections": secs("s", secs("a", "b"))}, "", "[s]\na = b\n"),
		test:   fidW(None, "Changed key a in section s.\n", map[string]any{"s": ba(nil, map[string]any{"a": "b"})}),
		real:   fidW(True, "Changes take effect", map[string]any{"s": ba(nil, map[string]any{"a": "b"})}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Unchanged key a in section s.\n", nil),
	}, {
		name:  "ini.options_present: no_spaces",
		salt:  "options_present(no_spaces=True), 3006.10",
		setup: fidIni("ini.options_present", map[string]any{"no_spaces": true, "sections": secs("main", secs("port", "81"))}, conf, "# app\n[main]\nport=81\n#debug = yes\n\n[old]\nx = 1\n"),
		test:  fidW(None, "Changed key port in section main.\n", map[string]any{"main": map[string]any{"port": ba("80", "81")}}),
		real:  fidW(True, "Changes take effect", map[string]any{"main": map[string]any{"port": ba("80", "81")}}),
		rerun: fidW(True, "No anomaly detected", nil),
	}, {
		name:   "ini.options_absent",
		salt:   "options_absent(); modules/ini_manage.py remove_option()",
		setup:  fidIni("ini.options_absent", map[string]any{"sections": secs("main", []any{"port", "nope"}, "gone", []any{"a"})}, conf, "# app\n[main]\n#debug = yes\n\n[old]\nx = 1\n"),
		test:   fidW(None, "Key a in section gone does not exist.\nDeleted key port in section main.\nKey nope in section main does not exist.\n", map[string]any{"main": map[string]any{"port": "80"}}),
		real:   fidW(True, "Changes take effect", map[string]any{"main": map[string]any{"port": "80"}}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Key a in section gone does not exist.\nKey port in section main does not exist.\nKey nope in section main does not exist.\n", nil),
	}, {
		name:   "ini.sections_present",
		salt:   "sections_present(); set_option() with empty sections",
		setup:  fidIni("ini.sections_present", map[string]any{"sections": []any{"main", "extra"}}, conf, conf+"\n[extra]\n"),
		test:   fidW(None, "Section unchanged main.\nCreated new section extra.\n", map[string]any{"extra": ba(nil, map[string]any{})}),
		real:   fidW(True, "Changes take effect", map[string]any{"extra": ba(nil, map[string]any{})}),
		rerun:  fidW(True, "Changes take effect", nil),
		retest: fidW(True, "Section unchanged main.\nSection unchanged extra.\n", nil),
	}, {
		name:   "ini.sections_absent",
		salt:   "sections_absent(); remove_section()",
		setup:  fidIni("ini.sections_absent", map[string]any{"sections": []any{"old", "none"}}, conf, "# app\n[main]\nport = 80\n#debug = yes\n"),
		test:   fidW(None, "Deleted section old.\nSection none does not exist.\n", map[string]any{"old": map[string]any{"x": "1"}}),
		real:   fidW(True, "Changes take effect", map[string]any{"old": map[string]any{"x": "1"}}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Section old does not exist.\nSection none does not exist.\n", nil),
	}, {
		name:  "ini.options_present: no directory",
		salt:  "options_present(); flush() raising, the comment is the OSError",
		setup: fidFile("ini.options_present", "/nodir/app.ini", map[string]any{"sections": secs("s", secs("a", "b"))}, nil),
		real:  fidW(False, "[Errno 2] No such file or directory: '/nodir/app.ini'", nil),
	}})
}

// Two ed25519 host keys and their sha256 fingerprints as Salt's
// _fingerprint writes them.
const (
	khKey1 = "AAAAC3NzaC1lZDI1NTE5AAAAIBRXPniAXGTtEZzJgM3W2Nfkmoynb3lOmkOnn0urBUWu"
	khFP1  = "0c:66:e9:e8:bc:58:1d:c5:0e:ec:12:e1:7e:a5:45:9c:d2:43:8a:ff:d5:50:a2:e3:23:10:8b:ed:b7:ed:4b:e2"
	khKey2 = "AAAAC3NzaC1lZDI1NTE5AAAAIHQvOXNZvAwMhj23KNnmSvVhImXbv5etTMHLTDM/KoSm"
	khFP2  = "75:ab:5f:8b:ca:f1:15:9e:40:d0:a8:0e:cb:74:ee:62:3d:ad:49:e4:da:8e:00:c0:04:fd:5e:c1:e2:c1:a0:1c"
)

// fidKnownHosts runs fun on name in a root whose file p (relative to the
// root) holds content ("" for none); after each real run the file must
// read want ("" skips the check).
func fidKnownHosts(fun, name string, args map[string]any, p, content, want string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		if _, err := exec.LookPath("ssh-keygen"); err != nil {
			t.Skip("ssh-keygen is not installed")
		}
		root := fileTestRoot(t)
		if content != "" {
			fileWriteT(t, filepath.Join(root, p), content)
		}
		return func(test bool) Result {
			r := fileCall(t, root, fun, name, args, test)
			if !test && want != "" {
				if got := iniRootFile(t, root, p); got != want {
					t.Errorf("%s after the real run = %q; want %q", p, got, want)
				}
			}
			return r
		}
	}
}

func TestSaltFidelitySSHKnownHosts(t *testing.T) {
	entry := func(host, key string) map[string]any {
		return map[string]any{"hostname": host, "enc": "ssh-ed25519", "key": key}
	}
	stored := func(host, key, fp string) map[string]any {
		m := entry(host, key)
		m["fingerprint"] = fp
		return m
	}
	alice := map[string]any{"user": "alice", "enc": "ssh-ed25519", "key": khKey1, "hash_known_hosts": false}
	fidRunAll(t, []fidCase{{
		name:   "ssh_known_hosts.present: key added for a user",
		salt:   "states/ssh_known_hosts.py present(); modules/ssh.py check_known_host(), set_known_host()",
		setup:  fidKnownHosts("ssh_known_hosts.present", "github.com", alice, "home/alice/.ssh/known_hosts", "", "github.com ssh-ed25519 "+khKey1+"\n"),
		test:   fidW(None, "Key for github.com is set to be added to .ssh/known_hosts", map[string]any{"old": nil, "new": []any{entry("github.com", khKey1)}}),
		real:   fidW(True, "github.com's key saved to .ssh/known_hosts (key: "+khKey1+")", map[string]any{"old": nil, "new": []any{entry("github.com", khKey1)}}),
		rerun:  fidW(True, "github.com already exists in .ssh/known_hosts", nil),
		retest: fidW(True, "Host github.com is already in .ssh/known_hosts", nil),
	}, {
		name: "ssh_known_hosts.present: key replaced (same host and enc)",
		salt: "set_known_host(), _get_matched_host_line_numbers()",
		setup: fidKnownHosts("ssh_known_hosts.present", "github.com", map[string]any{"enc": "ssh-ed25519", "key": khKey2, "hash_known_hosts": false},
			"etc/ssh/ssh_known_hosts", "github.com ssh-ed25519 "+khKey1+"\nother ssh-ed25519 "+khKey1+"\n",
			"other ssh-ed25519 "+khKey1+"\ngithub.com ssh-ed25519 "+khKey2+"\n"),
		test: fidW(None, "Key for github.com is set to be updated in /etc/ssh/ssh_known_hosts", map[string]any{
			"old": []any{stored("github.com", khKey1, khFP1)}, "new": []any{entry("github.com", khKey2)}}),
		real: fidW(True, "github.com's key saved to /etc/ssh/ssh_known_hosts (key: "+khKey2+")", map[string]any{
			"old": []any{stored("github.com", khKey1, khFP1)}, "new": []any{entry("github.com", khKey2)}}),
		rerun: fidW(True, "github.com already exists in /etc/ssh/ssh_known_hosts", nil),
	}, {
		name:   "ssh_known_hosts.present: hashed (the default), found again by its hash",
		salt:   "set_known_host(), then ssh.hash_known_hosts()",
		setup:  fidKnownHosts("ssh_known_hosts.present", "git.example", map[string]any{"enc": "ssh-ed25519", "key": khKey1}, "etc/ssh/ssh_known_hosts", "", ""),
		test:   fidW(None, "Key for git.example is set to be added to /etc/ssh/ssh_known_hosts", map[string]any{"old": nil, "new": []any{entry("git.example", khKey1)}}),
		real:   fidW(True, "git.example's key saved to /etc/ssh/ssh_known_hosts (key: "+khKey1+")", map[string]any{"old": nil, "new": []any{entry("git.example", khKey1)}}),
		rerun:  fidW(True, "git.example already exists in /etc/ssh/ssh_known_hosts", nil),
		retest: fidW(True, "Host git.example is already in /etc/ssh/ssh_known_hosts", nil),
	}, {
		name:  "ssh_known_hosts.present: fingerprint already there",
		salt:  "check_known_host() and set_known_host() with a stored fingerprint",
		setup: fidKnownHosts("ssh_known_hosts.present", "github.com", map[string]any{"fingerprint": khFP1}, "etc/ssh/ssh_known_hosts", "github.com ssh-ed25519 "+khKey1+"\n", ""),
		test:  fidW(True, "Host github.com is already in /etc/ssh/ssh_known_hosts", nil),
		real:  fidW(True, "github.com already exists in /etc/ssh/ssh_known_hosts", nil),
	}, {
		name:  "ssh_known_hosts.present: relative config without a user",
		salt:  "present(), the absolute-config check",
		setup: fidKnownHosts("ssh_known_hosts.present", "github.com", map[string]any{"config": "known", "enc": "ssh-ed25519", "key": khKey1}, "etc/x", "", ""),
		test:  fidW(False, `If not specifying a "user", specify an absolute "config".`, nil),
		real:  fidW(False, `If not specifying a "user", specify an absolute "config".`, nil),
	}, {
		name:  "ssh_known_hosts.present: key without enc",
		salt:  "present(), the test branch's argument checks",
		setup: fidKnownHosts("ssh_known_hosts.present", "github.com", map[string]any{"key": khKey1}, "etc/x", "", ""),
		test:  fidW(False, `Required argument "enc" if using "key" argument.`, nil),
	}, {
		// Salt's dry run does not check port against hash_known_hosts.
		name:          "ssh_known_hosts.present: port with hashing",
		salt:          "set_known_host(), the port check",
		setup:         fidKnownHosts("ssh_known_hosts.present", "github.com", map[string]any{"port": 2222, "enc": "ssh-ed25519", "key": khKey1}, "etc/x", "", ""),
		test:          fidW(None, "Key for github.com is set to be added to /etc/ssh/ssh_known_hosts", map[string]any{"old": nil, "new": []any{entry("github.com", khKey1)}}),
		real:          fidW(False, "argument port can not be used in conjunction with argument hash_known_hosts", nil),
		unforeseeable: true,
	}, {
		name:  "ssh_known_hosts.absent: nothing to remove",
		salt:  "absent(), get_known_host_entries() finding none",
		setup: fidKnownHosts("ssh_known_hosts.absent", "github.com", nil, "etc/ssh/ssh_known_hosts", "other ssh-ed25519 "+khKey1+"\n", ""),
		test:  fidW(True, "Host is already absent", nil),
		real:  fidW(True, "Host is already absent", nil),
	}})
}

// ssh_known_hosts.absent's comment is what ssh-keygen -R says, with the
// file's path in it.
func TestSSHKnownHostsAbsent(t *testing.T) {
	if _, err := exec.LookPath("ssh-keygen"); err != nil {
		t.Skip("ssh-keygen is not installed")
	}
	root := fileTestRoot(t)
	p := filepath.Join(root, "etc/ssh/ssh_known_hosts")
	fileWriteT(t, p, "github.com ssh-ed25519 "+khKey1+"\nother ssh-ed25519 "+khKey2+"\n")
	want := map[string]any{"old": []any{map[string]any{"hostname": "github.com", "enc": "ssh-ed25519", "key": khKey1, "fingerprint": khFP1}}, "new": nil}
	dry := fileCall(t, root, "ssh_known_hosts.absent", "github.com", nil, true)
	if dry.Result != None || dry.Comment != "Key for github.com is set to be removed from /etc/ssh/ssh_known_hosts" || !reflect.DeepEqual(dry.Changes, want) {
		t.Errorf("dry run = %v %q %#v", dry.Result, dry.Comment, dry.Changes)
	}
	got := fileCall(t, root, "ssh_known_hosts.absent", "github.com", nil, false)
	if got.Result != True || !reflect.DeepEqual(got.Changes, want) {
		t.Errorf("real run = %v %q %#v; want True, changes %#v", got.Result, got.Comment, got.Changes, want)
	}
	if wantC := "# Host github.com found: line 1\n" + p + " updated.\nOriginal contents retained as " + p + ".old"; got.Comment != wantC {
		t.Errorf("real run comment = %q; want %q", got.Comment, wantC)
	}
	if b := iniRootFile(t, root, "etc/ssh/ssh_known_hosts"); b != "other ssh-ed25519 "+khKey2+"\n" {
		t.Errorf("file after = %q", b)
	}
	again := fileCall(t, root, "ssh_known_hosts.absent", "github.com", nil, false)
	if again.Result != True || again.Comment != "Host is already absent" || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %q %#v", again.Result, again.Comment, again.Changes)
	}
}

// fidEnviron runs environ.setenv with the variables of env set first
// (a nil value: not set); t.Setenv puts them back after the test.
func fidEnviron(name string, args map[string]any, env map[string]*string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		for k, v := range env {
			t.Setenv(k, "")
			if v == nil {
				os.Unsetenv(k)
			} else {
				os.Setenv(k, *v)
			}
		}
		return func(test bool) Result { return fileCall(t, t.TempDir(), "environ.setenv", name, args, test) }
	}
}

func TestSaltFidelityEnviron(t *testing.T) {
	str := func(s string) *string { return &s }
	const a, b = "BRINE_T9_A", "BRINE_T9_B"
	fidRunAll(t, []fidCase{{
		name:   "environ.setenv: a string",
		salt:   "states/environ.py setenv(); modules/environ.py setenv(), setval()",
		setup:  fidEnviron(a, map[string]any{"value": "x"}, map[string]*string{a: nil}),
		test:   fidW(True, "Environ values will be changed", map[string]any{a: "x"}),
		real:   fidW(True, "Environ values were set", map[string]any{a: "x"}),
		rerun:  fidW(True, "Environ values were already set with the correct values", nil),
		retest: fidW(True, "Environ values are already set with the correct values", nil),
	}, {
		// The execution function returns every variable given, the ones
		// already right too.
		name:  "environ.setenv: a mapping, one already set",
		salt:  "setenv() with a dict value",
		setup: fidEnviron("ignored", map[string]any{"value": map[string]any{a: "1", b: "2"}}, map[string]*string{a: str("1"), b: str("0")}),
		test:  fidW(True, "Environ values will be changed", map[string]any{a: "1", b: "2"}),
		real:  fidW(True, "Environ values were set", map[string]any{a: "1", b: "2"}),
		rerun: fidW(True, "Environ values were already set with the correct values", nil),
	}, {
		name:  "environ.setenv: False with false_unsets",
		salt:  "setenv(), the val is False branch",
		setup: fidEnviron(a, map[string]any{"value": false, "false_unsets": true}, map[string]*string{a: str("1")}),
		test:  fidW(True, "Environ values will be changed", map[string]any{a: nil}),
		real:  fidW(True, "Environ values were set", map[string]any{a: nil}),
		rerun: fidW(True, "Environ values were already set with the correct values", nil),
	}, {
		name:  "environ.setenv: False sets empty",
		salt:  "setenv(), False without false_unsets",
		setup: fidEnviron(a, map[string]any{"value": false}, map[string]*string{a: nil}),
		test:  fidW(True, "Environ values will be changed", map[string]any{a: ""}),
		real:  fidW(True, "Environ values were set", map[string]any{a: ""}),
		rerun: fidW(True, "Environ values were already set with the correct values", nil),
	}, {
		name:  "environ.setenv: a number",
		salt:  "setenv(), the type check",
		setup: fidEnviron(a, map[string]any{"value": 3}, nil),
		test:  fidW(False, "Environ value must be string, dict or False", nil),
		real:  fidW(False, "Environ value must be string, dict or False", nil),
	}, {
		name:          "environ.setenv: a number in a mapping",
		salt:          "modules/environ.py setenv() returning False",
		setup:         fidEnviron("x", map[string]any{"value": map[string]any{a: "1", b: 2}}, map[string]*string{a: nil, b: nil}),
		test:          fidW(True, "Environ values will be changed", map[string]any{a: "1", b: 2}),
		real:          fidW(False, "Failed to set environ variables", nil),
		unforeseeable: true,
	}})
}

// fidGitConfig runs fun on a root holding a git repository at /srv/repo
// whose .git/config has the keys of cfg set first (each value in order,
// a multivar for several).
func fidGitConfig(fun, name string, args map[string]any, cfg [][2]string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		if _, err := exec.LookPath("git"); err != nil {
			t.Skip("git is not installed")
		}
		root := fileTestRoot(t)
		repo := filepath.Join(root, "srv/repo")
		if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v: %s", err, out)
		}
		os.MkdirAll(filepath.Join(root, "root"), 0o700)
		for _, kv := range cfg {
			if out, err := exec.Command("git", "-C", repo, "config", "--add", kv[0], kv[1]).CombinedOutput(); err != nil {
				t.Fatalf("git config: %v: %s", err, out)
			}
		}
		return func(test bool) Result { return fileCall(t, root, fun, name, args, test) }
	}
}

func TestSaltFidelityGitConfig(t *testing.T) {
	repo := map[string]any{"repo": "/srv/repo"}
	with := func(kv ...any) map[string]any {
		m := map[string]any{"repo": "/srv/repo"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	fidRunAll(t, []fidCase{{
		// Salt's dry run reports {old, new}, its real run {name: {old, new}}.
		name:          "git.config_set: a new key",
		salt:          "states/git.py config_set(); modules/git.py config_get(), config_set()",
		setup:         fidGitConfig("git.config_set", "user.email", with("value", "me@example.com"), nil),
		test:          fidW(None, "'user.email' would be added as 'me@example.com'", map[string]any{"old": nil, "new": []any{"me@example.com"}}),
		real:          fidW(True, "'user.email' was added as 'me@example.com'", map[string]any{"user.email": map[string]any{"old": nil, "new": []any{"me@example.com"}}}),
		rerun:         fidW(True, "'user.email' is already set to 'me@example.com'", nil),
		retest:        fidW(True, "'user.email' is already set to 'me@example.com'", nil),
		unforeseeable: true,
	}, {
		name:          "git.config_set: a multivar replaced",
		salt:          "config_set() with multivar: --replace-all, then --add",
		setup:         fidGitConfig("git.config_set", "remote.origin.push", with("multivar", []any{"a", 1}), [][2]string{{"remote.origin.push", "x"}}),
		test:          fidW(None, "'remote.origin.push' would be set to ['a', '1']", map[string]any{"old": []any{"x"}, "new": []any{"a", "1"}}),
		real:          fidW(True, "'remote.origin.push' was set to ['a', '1']", map[string]any{"remote.origin.push": map[string]any{"old": []any{"x"}, "new": []any{"a", "1"}}}),
		rerun:         fidW(True, "'remote.origin.push' is already set to ['a', '1']", nil),
		unforeseeable: true,
	}, {
		name:          "git.config_set: global",
		salt:          "config_set(global=True)",
		setup:         fidGitConfig("git.config_set", "user.name", map[string]any{"global": true, "value": "Ops"}, nil),
		test:          fidW(None, "Global key 'user.name' would be added as 'Ops'", map[string]any{"old": nil, "new": []any{"Ops"}}),
		real:          fidW(True, "Global key 'user.name' was added as 'Ops'", map[string]any{"user.name": map[string]any{"old": nil, "new": []any{"Ops"}}}),
		rerun:         fidW(True, "Global key 'user.name' is already set to 'Ops'", nil),
		unforeseeable: true,
	}, {
		name:  "git.config_set: no repo",
		salt:  "config_set(), the repo check",
		setup: fidGitConfig("git.config_set", "user.name", map[string]any{"value": "Ops"}, nil),
		test:  fidW(False, "Non-global config options require the 'repo' argument to be set", nil),
		real:  fidW(False, "Non-global config options require the 'repo' argument to be set", nil),
	}, {
		name:   "git.config_unset: a key",
		salt:   "states/git.py config_unset(); modules/git.py config_get_regexp(), config_unset()",
		setup:  fidGitConfig("git.config_unset", "foo.bar", repo, [][2]string{{"foo.bar", "v1"}, {"foo.baz", "v3"}}),
		test:   fidW(None, "1 key(s) would have value(s) unset", map[string]any{"foo.bar": []any{"v1"}}),
		real:   fidW(True, "Value(s) successfully unset", map[string]any{"foo.bar": []any{"v1"}}),
		rerun:  fidW(True, "No matching keys are set", nil),
		retest: fidW(True, "No matching keys are set", nil),
	}, {
		name:  "git.config_unset: one value of a multivar",
		salt:  "config_unset() with value_regex",
		setup: fidGitConfig("git.config_unset", "foo.bar", with("value_regex", "^v2$"), [][2]string{{"foo.bar", "v1"}, {"foo.bar", "v2"}}),
		test:  fidW(None, "1 key(s) would have value(s) unset", map[string]any{"foo.bar": []any{"v2"}}),
		real:  fidW(True, "Value(s) successfully unset", map[string]any{"foo.bar": []any{"v2"}}),
		rerun: fidW(True, "No matching keys are set", nil),
	}, {
		name:  "git.config_unset: a multivar without all",
		salt:  "config_unset(), the greedy_matches check",
		setup: fidGitConfig("git.config_unset", "foo.bar", repo, [][2]string{{"foo.bar", "v1"}, {"foo.bar", "v2"}}),
		test:  fidW(False, "Multivar(s) matched by the key expression (set 'all' to True to force removal): foo.bar (v1, v2)", nil),
		real:  fidW(False, "Multivar(s) matched by the key expression (set 'all' to True to force removal): foo.bar (v1, v2)", nil),
	}, {
		name:  "git.config_unset: a multivar with all",
		salt:  "config_unset(all=True): --unset-all",
		setup: fidGitConfig("git.config_unset", "foo.bar", with("all", true), [][2]string{{"foo.bar", "v1"}, {"foo.bar", "v2"}}),
		test:  fidW(None, "1 key(s) would have value(s) unset", map[string]any{"foo.bar": []any{"v1", "v2"}}),
		real:  fidW(True, "Value(s) successfully unset", map[string]any{"foo.bar": []any{"v1", "v2"}}),
		rerun: fidW(True, "No matching keys are set", nil),
	}})
}

// pip.installed and pip.removed against a virtualenv of the test's own,
// with packages from a local directory (--find-links, --no-index).
func TestSaltFidelityPip(t *testing.T) {
	venv := pipTestVenv(t)
	links := t.TempDir()
	pipTestWheel(t, links, "brinedemo", "1.0")
	pipTestWheel(t, links, "brinedemo", "2.0")
	pipTestWheel(t, links, "brineother", "0.1")
	local := func(kv ...any) map[string]any {
		m := map[string]any{"bin_env": venv, "find_links": links, "no_index": true}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	run := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			return func(test bool) Result { return fileCall(t, "", fun, name, args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		// Salt's dry run reports no changes: it does not know the version
		// pip will pick.
		name:          "pip.installed: a pinned version",
		salt:          "states/pip_state.py installed(), _check_if_installed(); modules/pip.py install(), list_()",
		setup:         run("pip.installed", "brinedemo==1.0", local()),
		test:          fidW(None, "Python package brinedemo==1.0 is set to be installed", nil),
		real:          fidW(True, "All packages were successfully installed", map[string]any{"brinedemo==1.0": "Installed"}),
		rerun:         fidW(True, "Python package brinedemo==1.0 was already installed\nAll specified packages are already installed", nil),
		retest:        fidW(True, "Python package brinedemo==1.0 was already installed\nAll specified packages are already installed", nil),
		unforeseeable: true,
	}, {
		name:          "pip.installed: a range the installed version misses",
		salt:          "installed(), _fulfills_version_spec()",
		setup:         run("pip.installed", "brinedemo >= 1.5, < 3", local()),
		test:          fidW(None, "Python package brinedemo >= 1.5, < 3 is set to be installed", nil),
		real:          fidW(True, "All packages were successfully installed", map[string]any{"brinedemo==2.0": "Installed"}),
		rerun:         fidW(True, "Python package brinedemo >= 1.5, < 3 was already installed\nAll specified packages are already installed", nil),
		unforeseeable: true,
	}, {
		name:          "pip.installed: pkgs, one already there",
		salt:          "installed() with pkgs",
		setup:         run("pip.installed", "ignored", local("pkgs", []any{"brinedemo", "brineother"})),
		test:          fidW(None, "Python package(s) set to be installed:\nbrinedemo\nbrineother", nil),
		real:          fidW(True, "Python package brinedemo was already installed\nAll packages were successfully installed", map[string]any{"brineother==0.1": "Installed"}),
		rerun:         fidW(True, "Python package brinedemo was already installed\nPython package brineother was already installed\nAll specified packages are already installed", nil),
		unforeseeable: true,
	}, {
		name:  "pip.installed: '=' instead of '=='",
		salt:  "_check_pkg_version_format()",
		setup: run("pip.installed", "brinedemo=1.0", local()),
		test:  fidW(False, "Invalid version specification in package brinedemo=1.0. '=' is not supported, use '==' instead.", nil),
		real:  fidW(False, "Invalid version specification in package brinedemo=1.0. '=' is not supported, use '==' instead.", nil),
	}, {
		name:   "pip.removed",
		salt:   "states/pip_state.py removed(); modules/pip.py uninstall()",
		setup:  run("pip.removed", "brineother", map[string]any{"bin_env": venv}),
		test:   fidW(None, "Package brineother is set to be removed", map[string]any{"brineother": "Removed"}),
		real:   fidW(True, "Package was successfully removed.", map[string]any{"brineother": "Removed"}),
		rerun:  fidW(True, "Package is not installed.", nil),
		retest: fidW(True, "Package is not installed.", nil),
	}})
}

// virtualenv.managed creates a virtualenv (python3 -m venv here, which
// has no virtualenv command) and installs pip_pkgs from a local directory.
func TestSaltFidelityVirtualenv(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed")
	}
	links := t.TempDir()
	pipTestWheel(t, links, "brinedemo", "1.0")
	venv := filepath.Join(t.TempDir(), "venv")
	args := map[string]any{"pip_pkgs": []any{"brinedemo"}, "find_links": links, "no_index": true}
	run := func(t *testing.T) func(bool) Result {
		return func(test bool) Result { return fileCall(t, "", "virtualenv.managed", venv, args, test) }
	}
	fidRunAll(t, []fidCase{{
		// Salt's dry run reports no changes; its real run's "new" is what
		// python -V writes on stderr: nothing for Python 3.
		name:          "virtualenv.managed: created, with a package",
		salt:          "states/virtualenv_mod.py managed(); modules/virtualenv_mod.py create(); modules/pip.py install(), freeze()",
		setup:         func(t *testing.T) func(bool) Result { return run(t) },
		test:          fidW(None, "Virtualenv "+venv+" is set to be created", map[string]any{"new": ""}),
		real:          fidW(True, "Created new virtualenv", map[string]any{"new": "", "packages": map[string]any{"new": []any{"brinedemo==1.0"}, "old": ""}}),
		rerun:         fidW(True, "virtualenv exists", nil),
		retest:        fidW(True, "Virtualenv "+venv+" is already created", nil),
		unforeseeable: true,
	}})
}

// The patch of Salt's own tests (tests/pytests/functional/states/file/
// test_patch.py), for a file and for a directory.
const (
	fidNumbers      = "one\ntwo\nthree\n\n1\n2\n3\n"
	fidNumbersPatch = "--- a/foo/numbers.txt\t2018-04-09 18:43:58.014272504 -0500\n+++ b/foo/numbers.txt\t2018-04-09 18:44:46.487905044 -0500\n@@ -1,7 +1,7 @@\n-one\n-two\n three\n+two\n+one\n \n-1\n-2\n 3\n+2\n+1\n"
)

func TestSaltFidelityFilePatch(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch is not installed")
	}
	files := map[string]string{"srv/foo/numbers.txt": fidNumbers, "srv/numbers.patch": fidNumbersPatch}
	ran := map[string]any{"pid": fidAny, "retcode": 0, "stdout": fidAny, "stderr": ""}
	fidRunAll(t, []fidCase{{
		// Salt's changes are patch's run: its pid and output differ
		// between the check and the real run.
		name:          "file.patch: a file",
		salt:          "states/file.py patch(); modules/file.py patch()",
		setup:         fidFile("file.patch", "/srv/foo/numbers.txt", map[string]any{"source": "/srv/numbers.patch"}, files),
		test:          fidW(None, "The patch would be applied", ran),
		real:          fidW(True, "Patch successfully applied", ran),
		rerun:         fidW(True, "Patch was already applied", nil),
		retest:        fidW(True, "Patch was already applied", nil),
		unforeseeable: true,
	}, {
		name:          "file.patch: a directory, strip from options",
		salt:          "patch(), the -p/--strip parsing and -d",
		setup:         fidFile("file.patch", "/srv", map[string]any{"source": "/srv/numbers.patch", "options": "-p1"}, files),
		test:          fidW(None, "The patch would be applied", ran),
		real:          fidW(True, "Patch successfully applied", ran),
		rerun:         fidW(True, "Patch was already applied", nil),
		unforeseeable: true,
	}, {
		name:  "file.patch: a refused option",
		salt:  "patch(), the blacklisted options",
		setup: fidFile("file.patch", "/srv/foo/numbers.txt", map[string]any{"source": "/srv/numbers.patch", "options": "-N -o out"}, files),
		test:  fidW(False, "The following CLI options are not allowed: -N, -o", nil),
		real:  fidW(False, "The following CLI options are not allowed: -N, -o", nil),
	}, {
		name:  "file.patch: no such file",
		salt:  "patch(), the name checks",
		setup: fidFile("file.patch", "/srv/nope.txt", map[string]any{"source": "/srv/numbers.patch"}, files),
		test:  fidW(False, "/srv/nope.txt does not exist", nil),
		real:  fidW(False, "/srv/nope.txt does not exist", nil),
	}})
}

// A patch that does not apply fails with patch's check in Salt's nested
// layout, and changes nothing.
func TestFilePatchDoesNotApply(t *testing.T) {
	if _, err := exec.LookPath("patch"); err != nil {
		t.Skip("patch is not installed")
	}
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/foo/numbers.txt"), "")
	fileWriteT(t, filepath.Join(root, "srv/numbers.patch"), fidNumbersPatch)
	r := fileCall(t, root, "file.patch", "/srv/foo/numbers.txt", map[string]any{"source": "/srv/numbers.patch"}, false)
	want := "Patch would not apply cleanly, no changes made. Results of dry-run are below. Run state again using the reject_file option to save rejects to a persistent file.\n\n              ----------\n              pid:\n"
	if r.Result != False || !strings.HasPrefix(r.Comment, want) || !strings.Contains(r.Comment, "\n              retcode:\n                  1\n") {
		t.Errorf("file.patch = %v %q; want False, starting %q", r.Result, r.Comment, want)
	}
	if b := iniRootFile(t, root, "srv/foo/numbers.txt"); b != "" {
		t.Errorf("the file changed: %q", b)
	}
}

func TestSaltFidelityFileTidied(t *testing.T) {
	files := map[string]string{"srv/t/a.log": "12345", "srv/t/b.txt": "x", "srv/t/sub/c.log": "", "srv/t/sub/keep.log": "k", "srv/t/empty": "<dir>"}
	fidRunAll(t, []fidCase{{
		name:   "file.tidied: matches and exclude",
		salt:   "states/file.py tidied()",
		setup:  fidFile("file.tidied", "/srv/t", map[string]any{"matches": []any{`.*\.log`}, "exclude": []any{"keep"}}, files),
		test:   fidW(None, "/srv/t is set for tidy", map[string]any{"removed": []any{"/srv/t/sub/c.log", "/srv/t/a.log"}}),
		real:   fidW(True, "Removed 2 files or directories from directory /srv/t", map[string]any{"removed": []any{"/srv/t/sub/c.log", "/srv/t/a.log"}}),
		rerun:  fidW(True, "Nothing to remove from directory /srv/t", nil),
		retest: fidW(True, "Nothing to remove from directory /srv/t", nil),
	}, {
		// size only: a.log (5 bytes) goes, the others are smaller; age
		// does not count.
		name:  "file.tidied: size only",
		salt:  "tidied(age_size_only='size')",
		setup: fidFile("file.tidied", "/srv/t", map[string]any{"size": "5", "age_size_only": "size", "rmdirs": true}, files),
		test:  fidW(None, "/srv/t is set for tidy", map[string]any{"removed": []any{"/srv/t/a.log"}}),
		real:  fidW(True, "Removed 1 files or directories from directory /srv/t", map[string]any{"removed": []any{"/srv/t/a.log"}}),
		rerun: fidW(True, "Nothing to remove from directory /srv/t", nil),
	}, {
		name:  "file.tidied: directories too",
		salt:  "tidied(rmdirs=True), everything matching with age and size 0",
		setup: fidFile("file.tidied", "/srv/t", map[string]any{"rmdirs": true, "matches": []any{"e", "s"}}, files),
		test:  fidW(None, "/srv/t is set for tidy", map[string]any{"removed": []any{"/srv/t/empty", "/srv/t/sub"}}),
		real:  fidW(True, "Removed 2 files or directories from directory /srv/t", map[string]any{"removed": []any{"/srv/t/empty", "/srv/t/sub"}}),
		rerun: fidW(True, "Nothing to remove from directory /srv/t", nil),
	}, {
		name:  "file.tidied: not a directory",
		salt:  "tidied(), the isdir check",
		setup: fidFile("file.tidied", "/srv/t/b.txt", nil, files),
		test:  fidW(False, "/srv/t/b.txt does not exist or is not a directory.", nil),
		real:  fidW(False, "/srv/t/b.txt does not exist or is not a directory.", nil),
	}})
}

func TestSaltFidelityFileDecode(t *testing.T) {
	// "hello\n" and its md5; "bye\n"'s md5.
	const enc, sum = "aGVsbG8K", "b1946ac92492d2347c6235b4d2611184"
	oldSum := fmt.Sprintf("%x", md5.Sum([]byte("bye\n")))
	fidRunAll(t, []fidCase{{
		// Salt's dry run of a new file reports no changes; brine's the
		// real run's.
		name:   "file.decode: a new file",
		salt:   "states/file.py decode(); modules/hashutil.py base64_decodefile(), digest_file()",
		setup:  fidFile("file.decode", "/etc/hello", map[string]any{"encoded_data": enc}, map[string]string{"etc/.keep": ""}),
		test:   fidW(None, "File is set to be updated.", map[string]any{"old": nil, "new": sum}),
		real:   fidW(True, "File was updated.", map[string]any{"old": nil, "new": sum}),
		rerun:  fidW(True, "File is in the correct state.", nil),
		retest: fidW(True, "File is in the correct state.", nil),
	}, {
		name:  "file.decode: a file that differs",
		salt:  "decode(), the insum != outsum branch",
		setup: fidFile("file.decode", "/etc/hello", map[string]any{"encoded_data": enc}, map[string]string{"etc/hello": "bye\n"}),
		test:  fidW(None, "File is set to be updated.", map[string]any{"old": oldSum, "new": sum}),
		real:  fidW(True, "File was updated.", map[string]any{"old": oldSum, "new": sum}),
		rerun: fidW(True, "File is in the correct state.", nil),
	}, {
		name:  "file.decode: no data",
		salt:  "decode(), the argument checks",
		setup: fidFile("file.decode", "/etc/hello", nil, nil),
		test:  fidW(False, "Specify either the 'encoded_data' or 'contents_pillar' argument.", nil),
		real:  fidW(False, "Specify either the 'encoded_data' or 'contents_pillar' argument.", nil),
	}})
}

// eventFake answers event.send with sent.
type eventFake struct {
	sent bool
	kw   map[string]any
}

func (f *eventFake) Has(fun string) bool { return fun == "event.send" }
func (f *eventFake) Call(_ context.Context, fun string, args []any, kwargs map[string]any) (any, bool) {
	f.kw = kwargs
	return f.sent, true
}

func TestSaltFidelityEventSend(t *testing.T) {
	data := map[string]any{"data": map[string]any{"app": "web"}}
	want := map[string]any{"tag": "myco/deploy/done", "data": map[string]any{"app": "web"}}
	run := func(sent bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			return func(test bool) Result {
				fn, err := Lookup("event.send")
				if err != nil {
					t.Fatal(err)
				}
				return fn(context.Background(), &Request{ID: "e", Name: "myco/deploy/done", Func: "event.send", Args: NewArgs(fileCopyArgs(data)), Test: test, Env: &Env{Exec: &eventFake{sent: sent}}})
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:  "event.send: sent",
		salt:  "states/event.py send()",
		setup: run(true),
		test:  fidW(None, "Event would have been fired", want),
		real:  fidW(True, "Event fired", want),
	}, {
		// Salt masterless: event.send returns False, and the state fails
		// with the same comment.
		name:  "event.send: no master",
		salt:  "send(), the result of modules/event.py send()",
		setup: run(false),
		test:  fidW(None, "Event would have been fired", want),
		real:  fidW(False, "Event fired", want),
	}})
}

func TestSaltFidelitySaltutil(t *testing.T) {
	var cases []fidCase
	for _, kind := range append([]string{"all"}, saltutilSyncKinds...) {
		cases = append(cases, fidCase{
			name:  "saltutil.sync_" + kind,
			salt:  "states/saltutil.py sync_all(), _sync_single() with nothing new",
			setup: fidFile("saltutil.sync_"+kind, "sync", map[string]any{"refresh": true}, nil),
			test:  fidW(None, "saltutil.sync_"+kind+" would have been run", nil),
			real:  fidW(True, "No updates to sync", nil),
		})
	}
	fidRunAll(t, cases)
}

func TestSaltFidelityKeyboard(t *testing.T) {
	const debian = "# KEYBOARD CONFIGURATION FILE\n\nXKBMODEL=\"pc105\"\nXKBLAYOUT=\"us\"\nXKBVARIANT=\"\"\nXKBOPTIONS=\"\"\n\nBACKSPACE=\"guess\"\n"
	want := strings.Replace(debian, `XKBLAYOUT="us"`, "XKBLAYOUT=de", 1)
	fidRunAll(t, []fidCase{{
		name: "keyboard.system: changed",
		salt: "states/keyboard.py system(); modules/keyboard.py get_sys(), set_sys() on Debian",
		setup: func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			fileWriteT(t, filepath.Join(root, "etc/default/keyboard"), debian)
			return func(test bool) Result {
				r := fileCall(t, root, "keyboard.system", "de", nil, test)
				if got := iniRootFile(t, root, "etc/default/keyboard"); !test && got != want {
					t.Errorf("keyboard file = %q; want %q", got, want)
				}
				return r
			}
		},
		test:   fidW(None, "System layout de needs to be set", map[string]any{"layout": "de"}),
		real:   fidW(True, "Set system keyboard layout de", map[string]any{"layout": "de"}),
		rerun:  fidW(True, "System layout de already set", nil),
		retest: fidW(True, "System layout de already set", nil),
	}, {
		name:  "keyboard.system: already set",
		salt:  "system(), get_sys() == name",
		setup: fidFile("keyboard.system", "us", nil, map[string]string{"etc/default/keyboard": debian}),
		test:  fidW(True, "System layout us already set", nil),
		real:  fidW(True, "System layout us already set", nil),
	}})
}

// fidGitSource makes a repository with a commit on main and a branch
// dev, for git.cloned to clone.
func fidGitSource(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	src := filepath.Join(t.TempDir(), "src")
	for _, args := range [][]string{
		{"init", "-q", "-b", "main", src},
		{"-C", src, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "--allow-empty", "-m", "one"},
		{"-C", src, "branch", "dev"},
	} {
		if out, err := exec.Command("git", args...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v: %s", args, err, out)
		}
	}
	return src
}

func TestSaltFidelityGitCloned(t *testing.T) {
	src := fidGitSource(t)
	cloned := func(args map[string]any, pre bool) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			if pre {
				if out, err := exec.Command("git", "clone", "-q", src, filepath.Join(root, "srv/app")).CombinedOutput(); err != nil {
					t.Fatalf("git clone: %v: %s", err, out)
				}
			}
			return func(test bool) Result { return fileCall(t, root, "git.cloned", src, args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "git.cloned: cloned",
		salt:   "states/git.py cloned(); modules/git.py clone()",
		setup:  cloned(map[string]any{"target": "/srv/app"}, false),
		test:   fidW(None, src+" would be cloned to /srv/app", map[string]any{"new": src + " => /srv/app"}),
		real:   fidW(True, src+" cloned to /srv/app", map[string]any{"new": src + " => /srv/app"}),
		rerun:  fidW(True, "Repository already exists at /srv/app", nil),
		retest: fidW(True, "Repository already exists at /srv/app", nil),
	}, {
		name:  "git.cloned: cloned with a branch",
		salt:  "cloned(branch=...), clone --branch",
		setup: cloned(map[string]any{"target": "/srv/app", "branch": "dev"}, false),
		test:  fidW(None, src+" would be cloned to /srv/app with branch 'dev'", map[string]any{"new": src + " => /srv/app"}),
		real:  fidW(True, src+" cloned to /srv/app with branch 'dev'", map[string]any{"new": src + " => /srv/app"}),
		rerun: fidW(True, "Repository already exists at /srv/app and is checked out to branch 'dev'", nil),
	}, {
		name:   "git.cloned: branch changed",
		salt:   "cloned(), the current_branch != branch path: checkout -b from origin",
		setup:  cloned(map[string]any{"target": "/srv/app", "branch": "dev"}, true),
		test:   fidW(None, "Branch would be changed to 'dev'", map[string]any{"branch": map[string]any{"old": "main", "new": "dev"}}),
		real:   fidW(True, "Branch changed to 'dev'", map[string]any{"branch": map[string]any{"old": "main", "new": "dev"}}),
		rerun:  fidW(True, "Repository already exists at /srv/app and is checked out to branch 'dev'", nil),
		retest: fidW(True, "Repository already exists at /srv/app and is checked out to branch 'dev'", nil),
	}, {
		name:  "git.cloned: a relative target",
		salt:  "cloned(), the target checks",
		setup: cloned(map[string]any{"target": "srv/app"}, false),
		test:  fidW(False, "'target' path must be absolute", nil),
		real:  fidW(False, "'target' path must be absolute", nil),
	}})
}

func TestSaltFidelityCronFileState(t *testing.T) {
	const tab = "MAILTO=\"\"\n0 * * * * /usr/bin/true\n"
	cronFileRun := func(user string, args map[string]any, tabs map[string]string) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := cronRoot(t, tabs)
			fileWriteT(t, filepath.Join(root, "srv/app.cron"), tab)
			a := map[string]any{"user": user}
			for k, v := range args {
				a[k] = v
			}
			return func(test bool) Result {
				r := fileCall(t, root, "cron.file", "/srv/app.cron", a, test)
				if !test && r.Result == True && len(r.Changes) > 0 {
					got := iniRootFile(t, root, "var/spool/cron/crontabs/"+user)
					if cronListed([]byte(got)) != tab || !strings.HasPrefix(got, cronHeader+"\n") {
						t.Errorf("crontab after the real run = %q", got)
					}
				}
				return r
			}
		}
	}
	spool := "/var/spool/cron/crontabs/"
	fidRunAll(t, []fidCase{{
		name:   "cron.file: a user's new crontab",
		salt:   "states/cron.py file(); modules/file.py check_managed(), manage_file()",
		setup:  cronFileRun("alice", nil, nil),
		test:   fidW(None, "The file "+spool+"alice is set to be changed"+fidTestNote, map[string]any{"diff": fidAny, "user": "alice", "group": "alice"}),
		real:   fidW(True, "Crontab for user alice was updated", map[string]any{"diff": fidAny, "user": "alice", "group": "alice"}),
		rerun:  fidW(True, "Crontab for user alice is in the correct state", nil),
		retest: fidW(True, "The file "+spool+"alice is in the correct state", nil),
	}, {
		name:  "cron.file: root's crontab replaced",
		salt:  "file(), root: no owner changes",
		setup: cronFileRun("root", nil, map[string]string{"root": "# old\n"}),
		test:  fidW(None, "The file "+spool+"root is set to be changed"+fidTestNote, map[string]any{"diff": fidAny}),
		real:  fidW(True, "Crontab for user root was updated", map[string]any{"diff": fidAny}),
		rerun: fidW(True, "Crontab for user root is in the correct state", nil),
	}, {
		name:  "cron.file: replace False",
		salt:  "file(replace=False): the copy it tests is never empty",
		setup: cronFileRun("alice", map[string]any{"replace": false}, nil),
		test:  fidW(True, "User alice already has a crontab. No changes made", nil),
		real:  fidW(True, "User alice already has a crontab. No changes made", nil),
	}, {
		name:  "cron.file: no such user",
		salt:  "file(), user.info failing",
		setup: cronFileRun("nobody-here", nil, nil),
		test:  fidW(False, "Could not identify group for user nobody-here", nil),
		real:  fidW(False, "Could not identify group for user nobody-here", nil),
	}})
}

// fidACL runs fun on /srv/f (a file) or /srv/d (a directory) of a root,
// after the setfacl commands of pre; it needs getfacl and setfacl, and a
// file system with ACLs. Names are the host's (nobody, nogroup), as
// setfacl looks them up there.
func fidACL(fun, name string, args map[string]any, pre ...string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		if aclTools() != nil {
			t.Skip("getfacl and setfacl are not installed (Debian's acl package)")
		}
		root := fileTestRoot(t)
		fileWriteT(t, filepath.Join(root, "srv/f"), "x")
		os.MkdirAll(filepath.Join(root, "srv/d/sub"), 0o755)
		for _, spec := range pre {
			target := filepath.Join(root, name)
			if out, err := exec.Command("setfacl", "-m", spec, target).CombinedOutput(); err != nil {
				t.Skipf("setfacl on %s: %v: %s (no ACLs on this file system?)", target, err, out)
			}
		}
		return func(test bool) Result { return fileCall(t, root, fun, name, args, test) }
	}
}

func TestSaltFidelityACL(t *testing.T) {
	acl := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	part := func(name, typ, perms string) map[string]any {
		return map[string]any{"acl_name": name, "acl_type": typ, "perms": perms}
	}
	fidRunAll(t, []fidCase{{
		name:   "acl.present: a new entry",
		salt:   "states/linux_acl.py present(); modules/linux_acl.py getfacl(), modfacl()",
		setup:  fidACL("acl.present", "/srv/f", acl("acl_type", "user", "acl_name", "nobody", "perms", "rw")),
		test:   fidW(None, "New permissions will be applied for nobody: rw", map[string]any{"new": part("nobody", "user", "rw")}),
		real:   fidW(True, "Applied new permissions for nobody", map[string]any{"new": part("nobody", "user", "rw")}),
		rerun:  fidW(True, "Permissions are in the desired state", nil),
		retest: fidW(True, "Permissions are in the desired state", nil),
	}, {
		// Salt's old perms come from its reversed table: r-- reads --x.
		name:  "acl.present: an entry changed",
		salt:  "present(), the need_refresh branch and its _octal_lookup",
		setup: fidACL("acl.present", "/srv/f", acl("acl_type", "user", "acl_name", "nobody", "perms", "rwx"), "u:nobody:r"),
		test: fidW(None, "Updated permissions will be applied for nobody: --x -> rwx", map[string]any{
			"new": part("nobody", "user", "rwx"), "old": part("nobody", "user", "--x")}),
		real: fidW(True, "Updated permissions for nobody", map[string]any{
			"new": part("nobody", "user", "rwx"), "old": part("nobody", "user", "--x")}),
		rerun: fidW(True, "Permissions are in the desired state", nil),
	}, {
		name:  "acl.present: a default entry of a directory, recursively",
		salt:  "present(default:group, recurse=True)",
		setup: fidACL("acl.present", "/srv/d", acl("acl_type", "default:group", "acl_name", "nogroup", "perms", "rx", "recurse", true)),
		test:  fidW(None, "New permissions will be applied for nogroup: rx", map[string]any{"new": part("nogroup", "default:group", "rx")}),
		real:  fidW(True, "Applied new permissions for nogroup", map[string]any{"new": part("nogroup", "default:group", "rx")}),
		rerun: fidW(True, "Permissions are in the desired state", nil),
	}, {
		name:   "acl.absent",
		salt:   "states/linux_acl.py absent(); modules/linux_acl.py delfacl()",
		setup:  fidACL("acl.absent", "/srv/f", acl("acl_type", "user", "acl_name", "nobody"), "u:nobody:rw"),
		test:   fidW(None, "Removing permissions", nil),
		real:   fidW(True, "Removing permissions", nil),
		rerun:  fidW(True, "Permissions are in the desired state", nil),
		retest: fidW(True, "Permissions are in the desired state", nil),
	}, {
		name:  "acl.present: a type getfacl does not list",
		salt:  "present(), the 'ACL Type does not exist' branch",
		setup: fidACL("acl.present", "/srv/f", acl("acl_type", "u", "acl_name", "nobody", "perms", "r")),
		test:  fidW(False, "ACL Type does not exist", nil),
		real:  fidW(False, "ACL Type does not exist", nil),
	}})
}

// blockdev.formatted on an image file of a root (mkfs and blkid work on
// files as on devices).
func TestSaltFidelityBlockdevFormatted(t *testing.T) {
	for _, tool := range []string{"blkid", "mkfs", "mkfs.ext4"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	image := func(args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			root := fileTestRoot(t)
			f, err := os.Create(filepath.Join(root, "disk.img"))
			if err != nil {
				t.Fatal(err)
			}
			f.Truncate(8 << 20)
			f.Close()
			return func(test bool) Result { return fileCall(t, root, "blockdev.formatted", "/disk.img", args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		// Salt reads the type again after mkfs and reports it as old too.
		name:   "blockdev.formatted: an empty device",
		salt:   "states/blockdev.py formatted(), _checkblk(); modules/disk.py format_()",
		setup:  image(map[string]any{"fs_type": "ext4"}),
		test:   fidW(None, "Changes to /disk.img will be applied ", map[string]any{"new": "ext4", "old": "ext4"}),
		real:   fidW(True, "/disk.img has been formatted with ext4", map[string]any{"new": "ext4", "old": "ext4"}),
		rerun:  fidW(True, "/disk.img already formatted with ext4", nil),
		retest: fidW(True, "/disk.img already formatted with ext4", nil),
	}, {
		name:  "blockdev.formatted: an unknown type",
		salt:  "formatted(), the mkfs.<type> check",
		setup: image(map[string]any{"fs_type": "nosuchfs"}),
		test:  fidW(False, "Invalid fs_type: nosuchfs", nil),
		real:  fidW(False, "Invalid fs_type: nosuchfs", nil),
	}})
}

// pip.uptodate against a virtualenv whose pip reads a local directory
// (PIP_FIND_LINKS, PIP_NO_INDEX), with brinedemo 1.0 installed and 2.0
// there.
func TestSaltFidelityPipUptodate(t *testing.T) {
	venv := pipTestVenv(t)
	links := t.TempDir()
	pipTestWheel(t, links, "brinedemo", "1.0")
	if out, err := exec.Command(filepath.Join(venv, "bin/pip"), "install", "-q", "--no-index", "--find-links", links, "brinedemo==1.0").CombinedOutput(); err != nil {
		t.Fatalf("pip install: %v: %s", err, out)
	}
	pipTestWheel(t, links, "brinedemo", "2.0")
	t.Setenv("PIP_FIND_LINKS", links)
	t.Setenv("PIP_NO_INDEX", "1")
	// pip and setuptools of the venv must not look outdated: the local
	// directory has none of them.
	run := func(t *testing.T) func(bool) Result {
		return func(test bool) Result {
			return fileCall(t, "", "pip.uptodate", "up", map[string]any{"bin_env": venv}, test)
		}
	}
	fidRunAll(t, []fidCase{{
		// Salt's dry run reports no changes: it does not run the upgrade.
		name:          "pip.uptodate",
		salt:          "states/pip_state.py uptodate(); modules/pip.py list_upgrades(), upgrade()",
		setup:         func(t *testing.T) func(bool) Result { return run(t) },
		test:          fidW(None, "System update will be performed", nil),
		real:          fidW(True, "Upgrade successful.", map[string]any{"brinedemo": map[string]any{"old": "1.0", "new": "2.0"}}),
		rerun:         fidW(True, "System is already up-to-date.", nil),
		retest:        fidW(True, "System is already up-to-date.", nil),
		unforeseeable: true,
	}})
}

// Under --root the host's python is not the root's: pip states without
// bin_env refuse to run, and never reach the host's pip.
func TestPipUnderRootNeedsBinEnv(t *testing.T) {
	for _, fun := range []string{"pip.installed", "pip.removed", "pip.uptodate"} {
		r := fileCall(t, fileTestRoot(t), fun, "brinedemo", nil, true)
		if r.Result != False || !strings.Contains(r.Comment, "under --root, name the root's virtualenv or python") {
			t.Errorf("%s under --root without bin_env = %v %q; want a failure naming bin_env", fun, r.Result, r.Comment)
		}
	}
}
