package exec

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/states"
)

func TestBind(t *testing.T) {
	params := []states.Param{
		{Name: "cmd", Type: states.String, Required: true, Doc: "x."},
		{Name: "cwd", Type: states.Path, Doc: "x."},
		{Name: "timeout", Type: states.Int, Doc: "x."},
		{Name: "test", Type: states.Bool, Default: false, Doc: "x."},
	}
	many := []states.Param{{Name: "keys", Type: states.String, Many: true, Doc: "x."}}
	rest := []states.Param{{Name: "fun", Type: states.String, Required: true, Doc: "x."}, {Name: "(other)", Rest: true, Doc: "x."}}
	tests := []struct {
		name     string
		params   []states.Param
		words    []string
		want     map[string]any
		wantRest map[string]any
		err      string
	}{
		{"positional", params, []string{"uptime", "/tmp"}, map[string]any{"cmd": "uptime", "cwd": "/tmp", "test": false}, nil, ""},
		{"keywords", params, []string{"cmd=id", "timeout=5", "test=yes"}, map[string]any{"cmd": "id", "timeout": 5, "test": true}, nil, ""},
		{"number as string", params, []string{"42"}, map[string]any{"cmd": "42", "test": false}, nil, ""},
		{"missing", params, []string{"cwd=/tmp"}, nil, nil, `f.x: argument "cmd": required`},
		{"twice", params, []string{"id", "cmd=id"}, nil, nil, `argument "cmd": given twice`},
		{"too many", params, []string{"a", "/b", "3", "True", "extra"}, nil, nil, "f.x takes at most 4 positional argument(s) (cmd, cwd, timeout, test), got 5: extra"},
		{"typo", params, []string{"id", "timout=3"}, nil, nil, `f.x: argument "timout": unknown argument; did you mean timeout?`},
		{"unknown", params, []string{"id", "colour=red"}, nil, nil, `f.x: argument "colour": unknown argument: f.x takes cmd, cwd, timeout, test`},
		{"bad type", params, []string{"id", "timeout=soon"}, nil, nil, `f.x: argument "timeout": want an integer, got soon`},
		{"relative", params, []string{"id", "cwd=tmp"}, nil, nil, `argument "cwd": want an absolute path, got "tmp"`},
		{"bad bool", params, []string{"id", "test=perhaps"}, nil, nil, `argument "test": want true/false`},
		{"many", many, []string{"os", "os_family"}, map[string]any{"keys": []string{"os", "os_family"}}, nil, ""},
		{"many by name", many, []string{"keys=os"}, map[string]any{"keys": []string{"os"}}, nil, ""},
		{"no args", nil, []string{"x"}, nil, nil, "f.x takes no positional arguments, got 1: x"},
		{"no kwargs", nil, []string{"test=True"}, nil, nil, `argument "test": unknown argument: f.x takes none`},
		{"rest", rest, []string{"file.managed", "name=/x", "mode=644"}, map[string]any{"fun": "file.managed"}, map[string]any{"name": "/x", "mode": 644}, ""},
	}
	for _, tt := range tests {
		args, kwargs := ParseArgs(tt.words)
		kw, r, err := bind("f.x", tt.params, args, kwargs)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s: bind(%q) = %v, %v; want error %q", tt.name, tt.words, kw, err, tt.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(kw, tt.want) || !reflect.DeepEqual(r, tt.wantRest) {
			t.Errorf("%s: bind(%q) = %#v, %#v, %v; want %#v, %#v", tt.name, tt.words, kw, r, err, tt.want, tt.wantRest)
		}
	}
	_, _, err := bind("f.x", params, nil, map[string]any{"cmd": "id", "timout": 1})
	var ae *states.ArgError
	if !errors.As(err, &ae) || ae.Func != "f.x" || ae.Arg != "timout" || !errors.Is(err, states.ErrUnknownArg) {
		t.Errorf("bind error = %#v; want an *states.ArgError for timout wrapping ErrUnknownArg", err)
	}
}

// call runs a function as `brine call` would, from command-line words.
func callWords(t *testing.T, h *Host, fun string, words ...string) Return {
	t.Helper()
	args, kwargs := ParseArgs(words)
	return Call(context.Background(), h, fun, args, kwargs)
}

// liveHost runs commands on this host, not under a --root.
func liveHost(t *testing.T) *Host {
	h := testHost(t)
	h.Root = ""
	return h
}

// TestCmdRunHonoursStateArguments: cmd.run takes the arguments of the
// cmd.run state, through its code (tests run as root, with a nobody user).
func TestCmdRunHonoursStateArguments(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("runas needs root")
	}
	h := liveHost(t)
	dir := t.TempDir()
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"id -un", "runas=nobody"}, "nobody"},
		{[]string{"id -un"}, "root"},
		{[]string{`echo "$GREETING, $WHO"`, `env={"GREETING": "hello", "WHO": "world"}`}, "hello, world"},
		{[]string{"pwd", "cwd=" + dir}, dir},
		{[]string{"cat", "stdin=from stdin"}, "from stdin"},
		{[]string{`echo "${BASH_VERSION:+bash}"`, "shell=/bin/bash"}, "bash"},
		{[]string{`echo "${BASH_VERSION:+bash}"`}, ""},
	}
	for _, tt := range tests {
		ret := callWords(t, h, "cmd.run", tt.words...)
		if ret.Value != tt.want || ret.Retcode != 0 {
			t.Errorf("cmd.run %q = %#v (retcode %d); want %q", tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	ret := callWords(t, h, "cmd.run_all", "id -un; exit 3", "runas=nobody")
	all, _ := ret.Value.(map[string]any)
	if all["stdout"] != "nobody" || all["retcode"] != 3 || ret.Retcode != RetError {
		t.Errorf("cmd.run_all runas=nobody = %#v (retcode %d)", ret.Value, ret.Retcode)
	}
}

func TestCmdRunTimeout(t *testing.T) {
	h := liveHost(t)
	// Killed at the timeout, the run returns Salt's TimedProcTimeoutError
	// as its output, with status 1 (a run that was not killed would end
	// after 30 s and print "started").
	ret := callWords(t, h, "cmd.run_all", "echo started; sleep 30 & wait", "timeout=1")
	all, _ := ret.Value.(map[string]any)
	if ret.Retcode != RetError || all["stdout"] != "echo started; sleep 30 & wait : Timed out after 1 seconds" || all["stderr"] != "" || all["retcode"] != 1 {
		t.Errorf("cmd.run_all timeout=1 = %#v (retcode %d); want killed, timed out", ret.Value, ret.Retcode)
	}
	ret = callWords(t, h, "cmd.run", "sleep 30", "timeout=1", "python_shell=False")
	if ret.Value != "['sleep', '30'] : Timed out after 1 seconds" {
		t.Errorf("cmd.run timeout=1 without a shell = %#v; want Salt's message with the words", ret.Value)
	}
}

// TestCmdRunRefusesUnknownArguments: an argument cmd.run does not take is
// an error naming it, not an argument silently left out.
func TestCmdRunRefusesUnknownArguments(t *testing.T) {
	h := liveHost(t)
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"id -un", "rnuas=nobody"}, `cmd.run: argument "rnuas": unknown argument; did you mean runas?`},
		{[]string{"id -un", "user=nobody"}, `cmd.run: argument "user": unknown argument: cmd.run takes cmd, cwd, stdin, runas, shell, python_shell, env`},
		{[]string{"id -un", "timeout=soon"}, `cmd.run: argument "timeout": want an integer, got soon`},
		{[]string{"id -un", "runas=no-such-user-here"}, `ERROR: User 'no-such-user-here' is not available`},
		{[]string{"id -un", "shell=bash"}, `argument "shell": want an absolute path, got "bash"`},
		{[]string{"pwd", "cwd=/does/not/exist"}, `ERROR: Specified cwd '/does/not/exist' either not absolute or does not exist`},
		{nil, `cmd.run: argument "cmd": required`},
	}
	for _, tt := range tests {
		ret := callWords(t, h, "cmd.run", tt.words...)
		msg, _ := ret.Value.(string)
		if ret.Retcode != RetError || !strings.Contains(msg, tt.want) {
			t.Errorf("cmd.run %q = %#v (retcode %d); want an error %q", tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	if ret := callWords(t, h, "test.ping", "test=True"); ret.Retcode != RetError {
		t.Errorf("test.ping test=True = %#v; want an error: test.ping takes no arguments", ret.Value)
	}
}

// TestStateSingleArguments: state.single passes the state's arguments to
// the registry, which fails a typo and warns of an argument far from all.
func TestStateSingleArguments(t *testing.T) {
	h := testHost(t)
	ret := callWords(t, h, "state.single", "file.managed", "name=/motd", "contents=hi", "mdoe=600")
	res, _ := ret.Value.([]engine.StateResult)
	if len(res) != 1 || res[0].Result.Result != states.False || ret.Retcode != RetStateFailure ||
		!strings.Contains(res[0].Comment, `state "/motd" (file.managed): argument "mdoe": unknown argument; did you mean mode?`) {
		t.Fatalf("state.single mdoe=600 = %#v (%d); want False, did you mean mode", ret.Value, ret.Retcode)
	}
	if _, err := os.Stat(h.Root + "/motd"); err == nil {
		t.Error("a refused state wrote /motd")
	}
	// file.touch, as Salt's, takes no **kwargs: an argument it does not
	// know is warned of.
	ret = callWords(t, h, "state.single", "file.touch", "name=/motd", "colour=blue")
	res, _ = ret.Value.([]engine.StateResult)
	if len(res) != 1 || res[0].Result.Result != states.True || ret.Retcode != 0 ||
		!reflect.DeepEqual(res[0].Warnings, []string{"The following arguments are not used by file.touch: colour"}) {
		t.Fatalf("state.single colour=blue = %#v (%d); want True with a warning", ret.Value, ret.Retcode)
	}
}

// TestSysDocListsArguments: sys.doc shows each function's arguments, as
// declared, and a state's.
func TestSysDocListsArguments(t *testing.T) {
	ret := callWords(t, testHost(t), "sys.doc", "cmd.")
	docs, _ := ret.Value.(map[string]any)
	for _, n := range []string{"cmd.run", "cmd.run_all", "cmd.script", "cmd.wait", "cmd.run (state)"} {
		if _, ok := docs[n]; !ok {
			t.Errorf("sys.doc cmd. lacks %s", n)
		}
	}
	run, _ := docs["cmd.run"].(string)
	for _, want := range []string{"Arguments:\n", "  - cmd (string, required): ", "  - runas (string): ", "  - timeout (integer): "} {
		if !strings.Contains(run, want) {
			t.Errorf("sys.doc cmd.run lacks %q:\n%s", want, run)
		}
	}
	for _, n := range Functions() {
		if d, ok := Doc(n); !ok || d == "" {
			t.Errorf("%s has no doc", n)
		}
	}
}

// TestFunctionsDocUpToDate fails when a function or its arguments changed
// without `go generate ./pkg/exec`.
func TestFunctionsDocUpToDate(t *testing.T) {
	got, err := os.ReadFile(MarkdownFile)
	if err != nil {
		t.Fatalf("%v; run go generate ./pkg/exec", err)
	}
	if string(got) != string(Markdown()) {
		t.Errorf("%s is stale; run go generate ./pkg/exec", MarkdownFile)
	}
}
