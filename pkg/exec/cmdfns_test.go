package exec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/fileroot"
)

// TestCmdFunctions pins the cmd.* functions' returns and retcodes against
// Salt 3006's cmdmod: Retcode is brine's (1 when the command failed),
// Code the command's own status (salt-call --retcode-passthrough).
func TestCmdFunctions(t *testing.T) {
	h := liveHost(t)
	tests := []struct {
		fun     string
		words   []string
		want    any
		retcode int
		code    int
	}{
		{"cmd.run", []string{"echo a | tr a b"}, "b", 0, 0},
		// stdout and stderr interleave as written, as Salt's STDOUT merge.
		{"cmd.run", []string{"echo a; echo b >&2; echo c"}, "a\nb\nc", 0, 0},
		{"cmd.run", []string{"no-such-program-here"}, "/bin/sh: 1: no-such-program-here: not found", 1, 127},
		{"cmd.run", []string{"echo a | tr a b", "python_shell=False"}, "a | tr a b", 0, 0},
		{"cmd.run", []string{`echo "$HOME" 'x  y' \*`, "python_shell=False"}, "$HOME x  y *", 0, 0},
		{"cmd.run", []string{"pwd", "/tmp"}, "/tmp", 0, 0}, // cwd is the second positional, as Salt's
		{"cmd.run", []string{"exit 3"}, "", 1, 3},
		{"cmd.run", []string{"exit 3", "ignore_retcode=True"}, "", 0, 0},
		{"cmd.run", []string{"echo hi", "hide_output=True"}, "", 0, 0},
		{"cmd.run", []string{"echo out; echo err >&2; exit 2", "raise_err=True"}, "ERROR: out\nerr", 1, 2},
		{"cmd.run", []string{"echo out; exit 2", "raise_err=True", "hide_output=True"}, "ERROR: ", 1, 2},
		{"cmd.shell", []string{"echo a | tr a b"}, "b", 0, 0},
		{"cmd.run_stdout", []string{"echo out; echo err >&2"}, "out", 0, 0},
		{"cmd.run_stderr", []string{"echo out; echo err >&2"}, "err", 0, 0},
		{"cmd.retcode", []string{"exit 4"}, 4, 1, 4},
		{"cmd.retcode", []string{"exit 4", "ignore_retcode=True"}, 4, 0, 0},
		{"cmd.retcode", []string{"true"}, 0, 0, 0},
		// Salt's TimedProc turns a typed \n into a newline; its _run sets
		// the locale variables env does not to C.
		{"cmd.run", []string{"cat", `stdin=a\nb`}, "a\nb", 0, 0},
		{"cmd.run", []string{"cat", `stdin=a\nb`, "stdin_raw_newlines=True"}, `a\nb`, 0, 0},
		{"cmd.run", []string{"echo $LC_TIME $LANGUAGE"}, "C C", 0, 0},
		{"cmd.run", []string{"echo $LC_TIME", "env={LC_TIME: de_DE.UTF-8}"}, "de_DE.UTF-8", 0, 0},
		{"cmd.run", []string{"echo ${LC_TIME:-unset}", "reset_system_locale=False", "clean_env=True"}, "unset", 0, 0},
		{"cmd.run", []string{"no-such-program-here x", "python_shell=False"}, "ERROR: Unable to run command '['no-such-program-here', 'x']', reason: [Errno 2] No such file or directory: 'no-such-program-here'", 1, 0},
		{"cmd.run", []string{"echo {{ grains['os'] }}", "template=jinja"}, "Debian", 0, 0},
		{"cmd.has_exec", []string{"sh"}, true, 0, 0},
		{"cmd.has_exec", []string{"no-such-program-here"}, false, 0, 0},
		{"cmd.which", []string{"no-such-program-here"}, nil, 0, 0},
		{"cmd.which_bin", []string{"[no-such-program-here]"}, nil, 0, 0},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != tt.retcode || ret.Code != tt.code {
			t.Errorf("%s %q = %#v (retcode %d, code %d); want %#v (%d, %d)", tt.fun, tt.words, ret.Value, ret.Retcode, ret.Code, tt.want, tt.retcode, tt.code)
		}
	}
	ret := callWords(t, h, "cmd.run_all", "echo out; echo err >&2; exit 3", "ignore_retcode=True")
	m, _ := ret.Value.(map[string]any)
	if m["retcode"] != 3 || m["stdout"] != "out" || m["stderr"] != "err" || ret.Retcode != 0 {
		t.Errorf("cmd.run_all with ignore_retcode = %#v (%d); want retcode 3 kept, the call a success", ret.Value, ret.Retcode)
	}
	ret = callWords(t, h, "cmd.run_all", "echo err >&2; echo out", "redirect_stderr=True")
	if m, _ := ret.Value.(map[string]any); m["stdout"] != "err\nout" || m["stderr"] != "" {
		t.Errorf("cmd.run_all redirect_stderr=True = %#v; want stderr in stdout", ret.Value)
	}
	if ret := callWords(t, h, "cmd.which", "sh"); ret.Value == nil {
		t.Errorf("cmd.which sh = None")
	}
}

func TestPosixShell(t *testing.T) {
	h := testHost(t)
	for _, tt := range []struct {
		shell string
		want  bool
	}{{"", true}, {"/bin/bash", true}, {"/usr/bin/zsh", true}, {"/bin/csh", false}, {"/usr/bin/fish", false}} {
		c := &call{host: h, kw: map[string]any{"shell": tt.shell}}
		if got := posixShell(c); got != tt.want {
			t.Errorf("posixShell(%q) = %v; want %v", tt.shell, got, tt.want)
		}
	}
}

func TestLogCmd(t *testing.T) {
	for in, want := range map[string]string{"mysql -psecret -e 'x'": "mysql", "  exit 3": "exit", "": ""} {
		if got := logCmd(in); got != want {
			t.Errorf("logCmd(%q) = %q; want %q", in, got, want)
		}
	}
}

func TestShlexSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		bad  bool
	}{
		{"a b  c", []string{"a", "b", "c"}, false},
		{`echo 'a  b' "c \"d\" \$e \x"`, []string{"echo", "a  b", `c "d" $e \x`}, false},
		{`a\ b c\\d`, []string{"a b", `c\d`}, false},
		{`x''y ""`, []string{"xy", ""}, false},
		{`'open`, nil, true},
		{`"open`, nil, true},
		{`end\`, nil, true},
	}
	for _, tt := range tests {
		got, err := shlexSplit(tt.in)
		if (err != nil) != tt.bad || (!tt.bad && !reflect.DeepEqual(got, tt.want)) {
			t.Errorf("shlexSplit(%q) = %q, %v; want %q (error %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

// TestTestFunctionsAsSalt: the test.* functions Salt users try first.
func TestTestFunctionsAsSalt(t *testing.T) {
	h := testHost(t)
	tests := []struct {
		fun     string
		words   []string
		want    any
		retcode int
		code    int
	}{
		{"test.kwarg", []string{"a=1", "b=two"}, map[string]any{"a": 1, "b": "two"}, 0, 0},
		{"test.false", nil, false, 0, 0},
		{"test.retcode", nil, true, 1, 42},
		{"test.retcode", []string{"3"}, true, 1, 3},
		{"test.retcode", []string{"0"}, true, 0, 0},
		{"test.exception", []string{"boom"}, "The minion function caused an exception: Exception: boom", 1, 0},
		{"test.outputter", []string{"{a: [1, 2]}"}, map[string]any{"a": []any{1, 2}}, 0, 0},
		{"test.arg_type", []string{"1", "a", "1.5", "k=True"}, map[string]any{"args": []any{"<class 'int'>", "<class 'str'>", "<class 'float'>"}, "kwargs": map[string]any{"k": "<class 'bool'>"}}, 0, 0},
		{"test.arg_repr", []string{"1", "a", "k=True", "j=[1]"}, map[string]any{"args": "(1, 'a')", "kwargs": "{'j': [1], 'k': True}"}, 0, 0},
		{"test.arg_repr", []string{"1"}, map[string]any{"args": "(1,)", "kwargs": "{}"}, 0, 0},
		{"test.arg_repr", nil, map[string]any{"args": "()", "kwargs": "{}"}, 0, 0},
		{"test.arg_clean", []string{"1", "k=v"}, map[string]any{"args": []any{1}, "kwargs": map[string]any{"k": "v"}}, 0, 0},
		{"test.assertion", []string{"False"}, "The minion function caused an exception: AssertionError", 1, 0},
		{"test.assertion", []string{"x"}, nil, 0, 0},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != tt.retcode || ret.Code != tt.code {
			t.Errorf("%s %q = %#v (retcode %d, code %d); want %#v (%d, %d)", tt.fun, tt.words, ret.Value, ret.Retcode, ret.Code, tt.want, tt.retcode, tt.code)
		}
	}
}

// TestMissingFunctionDocs: a name that starts functions' names (a
// module's, test) returns their docs, with the name itself not
// available, as Salt's minion does; retcode 1 either way.
func TestMissingFunctionDocs(t *testing.T) {
	h := testHost(t)
	ret := callWords(t, h, "test")
	m, _ := ret.Value.(map[string]any)
	if ret.Retcode != RetError || ret.NotRun || m["test"] != "'test' is not available." || m["test.ping"] == nil || m["grains.get"] != nil {
		t.Errorf("test = %#v (%d)", ret.Value, ret.Retcode)
	}
	ret = callWords(t, h, "test.nosuch")
	if s, _ := ret.Value.(string); ret.Retcode != RetError || !ret.NotRun || !strings.HasPrefix(s, "'test.nosuch' is not available.") {
		t.Errorf("test.nosuch = %#v (%d)", ret.Value, ret.Retcode)
	}
}

// TestInvalidArgsAsSalt: arguments that do not bind read as a Salt
// minion's TypeError return: "Passed invalid arguments to FUN: ...", then
// the usage; each argument's error once, without the function again.
func TestInvalidArgsAsSalt(t *testing.T) {
	h := testHost(t)
	tests := []struct {
		fun   string
		words []string
		want  string
	}{
		{"test.echo", nil, "Passed invalid arguments to test.echo: argument \"text\": required\n\nUsage:\nReturn the argument given, as given: test.echo TEXT.\n"},
		{"test.ping", []string{"x"}, "Passed invalid arguments to test.ping: test.ping takes no positional arguments, got 1: x\n\nUsage:\nReturn True: the minion is up and answering.\n"},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		msg, _ := ret.Value.(string)
		if ret.Retcode != RetError || !strings.HasPrefix(msg, tt.want) {
			t.Errorf("%s %q = %q (%d); want it to start %q", tt.fun, tt.words, msg, ret.Retcode, tt.want)
		}
	}
}

// TestCmdScript: cmd.script fetches the script from the tree, runs it with
// args, returns run_all's mapping; a script the tree lacks is Salt's
// cache_error return.
func TestCmdScript(t *testing.T) {
	h := liveHost(t)
	tree := h.Files.(*fileroot.Source).Roots["base"][0]
	if err := os.WriteFile(filepath.Join(tree, "s.sh"), []byte("#!/bin/sh\necho \"args: $*\"\necho oops >&2\nexit ${EXIT:-0}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tree, "t.sh"), []byte("#!/bin/sh\necho {{ grains['os'] }}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ret := callWords(t, h, "cmd.script", "salt://s.sh", "args=a 'b c'")
	m, _ := ret.Value.(map[string]any)
	if ret.Retcode != 0 || m["stdout"] != "args: a b c" || m["stderr"] != "oops" || m["retcode"] != 0 {
		t.Errorf("cmd.script = %#v (%d)", ret.Value, ret.Retcode)
	}
	ret = callWords(t, h, "cmd.script", "salt://s.sh", `env={EXIT: "3"}`)
	if m, _ := ret.Value.(map[string]any); ret.Retcode != RetError || ret.Code != 3 || m["retcode"] != 3 {
		t.Errorf("a failing cmd.script = %#v (%d, %d)", ret.Value, ret.Retcode, ret.Code)
	}
	if ret := callWords(t, h, "cmd.script_retcode", "salt://s.sh", `env={EXIT: "4"}`); ret.Value != 4 {
		t.Errorf("cmd.script_retcode = %#v", ret.Value)
	}
	if ret := callWords(t, h, "cmd.script", "salt://t.sh", "template=jinja"); ret.Value.(map[string]any)["stdout"] != "Debian" {
		t.Errorf("cmd.script with a template = %#v", ret.Value)
	}
	want := map[string]any{"pid": 0, "retcode": 1, "stdout": "", "stderr": "", "cache_error": true}
	if ret := callWords(t, h, "cmd.script", "salt://nope.sh"); !reflect.DeepEqual(ret.Value, want) || ret.Retcode != RetError {
		t.Errorf("cmd.script of no script = %#v; want %#v", ret.Value, want)
	}
}

// TestCmdRunBg: cmd.run_bg returns {pid} at once and the command runs on.
func TestCmdRunBg(t *testing.T) {
	h := liveHost(t)
	done := filepath.Join(t.TempDir(), "done")
	ret := callWords(t, h, "cmd.run_bg", "sleep 0.2; echo ran > "+done)
	m, _ := ret.Value.(map[string]any)
	pid, _ := m["pid"].(int)
	if ret.Retcode != 0 || pid <= 0 {
		t.Fatalf("cmd.run_bg = %#v (%d); want {pid}", ret.Value, ret.Retcode)
	}
	var got []byte
	for i := 0; i < 200 && len(got) == 0; i++ {
		time.Sleep(50 * time.Millisecond)
		got, _ = os.ReadFile(done)
	}
	if strings.TrimSpace(string(got)) != "ran" {
		t.Errorf("the background command wrote %q; want it to have run", got)
	}
	h.Root = t.TempDir()
	if err := os.MkdirAll(filepath.Join(h.Root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.Root, "etc", "shells"), []byte("# /etc/shells\n/bin/sh\n\n/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if ret := callWords(t, h, "cmd.shells"); !reflect.DeepEqual(ret.Value, []string{"/bin/sh", "/bin/bash"}) {
		t.Errorf("cmd.shells = %#v", ret.Value)
	}
}
