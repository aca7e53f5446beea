package states

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func cmdCall(t *testing.T, root, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	return fileCall(t, root, fun, name, args, test)
}

func TestCmdRun(t *testing.T) {
	tests := []struct {
		name, cmd   string
		args        map[string]any
		wantResult  Outcome
		wantStdout  string
		wantRetcode int
		wantComment string
	}{
		{name: "stdout is trimmed", cmd: "echo hello; echo", wantResult: True, wantStdout: "hello", wantComment: `Command "echo hello; echo" run`},
		{name: "non-zero exit fails with changes", cmd: "echo out; echo err >&2; exit 3", wantResult: False, wantStdout: "out", wantRetcode: 3, wantComment: `Command "echo out; echo err >&2; exit 3" run`},
		// Salt's cmdmod._run turns a success retcode into 0.
		{name: "success_retcodes", cmd: "exit 3", args: map[string]any{"success_retcodes": []any{2, "3"}}, wantResult: True, wantRetcode: 0},
		{name: "single success_retcode", cmd: "exit 2", args: map[string]any{"success_retcodes": 2}, wantResult: True, wantRetcode: 0},
		{name: "other retcode", cmd: "exit 4", args: map[string]any{"success_retcodes": 2}, wantResult: False, wantRetcode: 4},
		{name: "success_stdout found", cmd: "echo 'already exists: x'; exit 1", args: map[string]any{"success_stdout": []any{"already exists"}}, wantResult: True, wantStdout: "already exists: x"},
		{name: "success_stderr found", cmd: "echo busy >&2; exit 1", args: map[string]any{"success_stderr": "busy"}, wantResult: True},
		{name: "success_stdout not found", cmd: "echo no; exit 1", args: map[string]any{"success_stdout": []any{"yes"}}, wantResult: False, wantStdout: "no", wantRetcode: 1},
		{name: "prepend_path", cmd: "echo ${PATH%%:*}", args: map[string]any{"prepend_path": "/opt/app/bin"}, wantResult: True, wantStdout: "/opt/app/bin"},
		{name: "umask", cmd: "umask", args: map[string]any{"umask": "027"}, wantResult: True, wantStdout: "0027"},
		{name: "clean_env", cmd: "echo ${HOME:-none}-$A", args: map[string]any{"clean_env": true, "env": map[string]any{"A": "a"}}, wantResult: True, wantStdout: "none-a"},
		{name: "ignore_timeout", cmd: "sleep 5", args: map[string]any{"timeout": 1, "ignore_timeout": true}, wantResult: True},
		{name: "Salt's use_vt and user accepted", cmd: "true", args: map[string]any{"use_vt": true, "user": "nobody"}, wantResult: True},
		{name: "env mapping", cmd: "echo $A-$B", args: map[string]any{"env": map[string]any{"A": "1", "B": true}}, wantResult: True, wantStdout: "1-True"},
		{name: "env list of mappings", cmd: "echo $A", args: map[string]any{"env": []any{map[string]any{"A": "x"}}}, wantResult: True, wantStdout: "x"},
		{name: "shell", cmd: "echo ${BASH_VERSION:+bash}", args: map[string]any{"shell": "/bin/bash"}, wantResult: True, wantStdout: "bash"},
		{name: "stdin", cmd: "tr a-z A-Z", args: map[string]any{"stdin": "abc"}, wantResult: True, wantStdout: "ABC"},
		{name: "hide_output", cmd: "echo secret", args: map[string]any{"hide_output": true}, wantResult: True, wantStdout: ""},
		{name: "runas", cmd: "id -un", args: map[string]any{"runas": "nobody"}, wantResult: True, wantStdout: "nobody"},
		{name: "runas uid", cmd: "id -u; pwd", args: map[string]any{"runas": "65534"}, wantResult: True, wantStdout: "65534\n/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := ""
			res := cmdCall(t, root, "cmd.run", tt.cmd, tt.args, false)
			if res.Result != tt.wantResult {
				t.Fatalf("result %v (%s); want %v", res.Result, res.Comment, tt.wantResult)
			}
			if res.Changes["stdout"] != tt.wantStdout || res.Changes["retcode"] != tt.wantRetcode {
				t.Errorf("changes = %#v; want stdout %q retcode %d", res.Changes, tt.wantStdout, tt.wantRetcode)
			}
			if pid, _ := res.Changes["pid"].(int); pid <= 0 {
				t.Errorf("pid = %v", res.Changes["pid"])
			}
			if tt.wantComment != "" && res.Comment != tt.wantComment {
				t.Errorf("comment = %q; want %q", res.Comment, tt.wantComment)
			}
		})
	}
}

func TestCmdRunTestModeAndRoot(t *testing.T) {
	root := fileTestRoot(t)
	cmd := "pwd > made-by-cmd"
	res := cmdCall(t, root, "cmd.run", cmd, nil, true)
	if res.Result != None || len(res.Changes) != 0 || res.Comment != `Command "pwd > made-by-cmd" would have been executed` {
		t.Fatalf("test mode = %v %q %#v", res.Result, res.Comment, res.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "made-by-cmd")); err == nil {
		t.Fatal("test mode ran the command")
	}
	// With --root the command runs in the root directory.
	res = cmdCall(t, root, "cmd.run", cmd, nil, false)
	if res.Result != True {
		t.Fatalf("run = %v %q", res.Result, res.Comment)
	}
	if got := strings.TrimSpace(fileReadT(t, filepath.Join(root, "made-by-cmd"))); got != root {
		t.Errorf("cwd = %q; want the root %q", got, root)
	}
	// cwd is rebased under the root.
	os.MkdirAll(filepath.Join(root, "srv"), 0o755)
	res = cmdCall(t, root, "cmd.run", "pwd", map[string]any{"cwd": "/srv"}, false)
	if res.Changes["stdout"] != filepath.Join(root, "srv") {
		t.Errorf("cwd /srv: stdout %v", res.Changes["stdout"])
	}
	// creates: all exist, so nothing runs, even for real.
	for _, test := range []bool{true, false} {
		res = cmdCall(t, root, "cmd.run", "exit 1", map[string]any{"creates": []any{"/made-by-cmd", "/etc/passwd"}}, test)
		if res.Result != True || len(res.Changes) != 0 || res.Comment != "All files in creates exist" {
			t.Errorf("creates test=%v = %v %q", test, res.Result, res.Comment)
		}
	}
	res = cmdCall(t, root, "cmd.run", "true", map[string]any{"creates": "/not/there"}, false)
	if res.Result != True || len(res.Changes) == 0 {
		t.Errorf("creates missing = %v %#v", res.Result, res.Changes)
	}
}

// TestCmdRunTimeout: at the timeout the whole process group is killed,
// a child left in the background included (it would otherwise hold the
// state for its 30 s).
func TestCmdRunTimeout(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "pid")
	res := cmdCall(t, "", "cmd.run", "sleep 30 & echo $! > "+pidfile+"; sleep 30", map[string]any{"timeout": 1}, false)
	if res.Result != False || !strings.Contains(res.Comment, "timed out after 1s") {
		t.Fatalf("timeout = %v %q", res.Result, res.Comment)
	}
	b, err := os.ReadFile(pidfile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// The kill is sent before cmd.run returns; the kernel may take a
	// moment to make the child a zombie (or reap it).
	for deadline := time.Now().Add(30 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("the background child %d outlived the timeout", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alive: the process exists and is not a zombie.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestCmdRunStateful: stateful output read as Salt's _reinterpreted_state
// reads it (salt/states/cmd.py).
func TestCmdRunStateful(t *testing.T) {
	tests := []struct {
		cmd         string
		wantResult  Outcome
		wantComment string
		wantChanges map[string]any // pid and retcode left out
	}{
		{`echo work; echo "changed=no comment='all good'"`, True, "all good", nil},
		// the pairs become changes; stdout keeps what came before them
		{`printf 'hello\nchanged=yes comment="all good" extra=1\n'`, True, "all good",
			map[string]any{"changed": "yes", "extra": "1", "stdout": "hello", "stderr": ""}},
		// a single line: Salt's slice leaves all but its last character
		{`echo changed=yes`, True, "", map[string]any{"changed": "yes", "stdout": "changed=ye", "stderr": ""}},
		{`echo '{"changed": true, "comment": "did it", "n": 2}'`, True, "did it",
			map[string]any{"changed": true, "n": float64(2), "stdout": "", "stderr": ""}},
		{`printf '{\n "changed": "yes"\n}\n'`, True, "", map[string]any{"changed": "yes", "stdout": "", "stderr": ""}},
		{`echo '{"changed": false}'`, True, "", nil},
		{`echo no_flag=1`, True, "", nil},    // changed missing: no
		{`true`, True, "", nil},              // no output at all
		{`echo oops >&2`, True, "oops", nil}, // the comment is stderr
		{`echo '[1]'`, False, "script JSON output must be a JSON object (e.g., {})!", nil},
		{`echo nothing useful`, False, "Failed parsing script output! Stdout must be JSON or a line of name=value pairs.", nil},
		{`echo changed=maybe`, False, "Failed parsing boolean value: maybe", nil},
		{`echo changed=yes; exit 3`, False, "", map[string]any{"changed": "yes", "stdout": "changed=ye", "stderr": ""}},
	}
	for _, tt := range tests {
		res := cmdCall(t, "", "cmd.run", tt.cmd, map[string]any{"stateful": true}, false)
		got := map[string]any{}
		for k, v := range res.Changes {
			if k != "pid" && k != "retcode" {
				got[k] = v
			}
		}
		if res.Result != tt.wantResult || res.Comment != tt.wantComment {
			t.Errorf("%s: %v %q; want %v %q", tt.cmd, res.Result, res.Comment, tt.wantResult, tt.wantComment)
		}
		if tt.wantChanges != nil && !reflect.DeepEqual(got, tt.wantChanges) || tt.wantChanges == nil && len(got) > 0 && tt.wantResult == True {
			t.Errorf("%s: changes %v; want %v", tt.cmd, got, tt.wantChanges)
		}
	}
}

func TestCmdRunBadArgs(t *testing.T) {
	tests := []struct {
		cmd  string
		args map[string]any
		want string
	}{
		{"", nil, `argument "name"`},
		{"true", map[string]any{"shell": "bash"}, `argument "shell"`},
		{"true", map[string]any{"timeout": -1}, `argument "timeout"`},
		{"true", map[string]any{"timeout": "soon"}, `argument "timeout"`},
		{"true", map[string]any{"success_retcodes": []any{"x"}}, `argument "success_retcodes"`},
		// Salt's cmdmod raises this, and its cmd states report it.
		{"true", map[string]any{"runas": "no-such-user-here"}, `User 'no-such-user-here' is not available`},
		{"true", map[string]any{"env": map[string]any{"A=B": "x"}}, `argument "env"`},
		{"true", map[string]any{"env": "A=B"}, `argument "env"`},
		{"true", map[string]any{"creates": "relative"}, `argument "creates"`},
		{"true", map[string]any{"cwd": "/does/not/exist"}, `Desired working directory "/does/not/exist" is not available`},
	}
	for _, tt := range tests {
		res := cmdCall(t, "", "cmd.run", tt.cmd, tt.args, false)
		if res.Result != False || !strings.Contains(res.Comment, tt.want) {
			t.Errorf("cmd.run %q %v = %v %q; want False with %q", tt.cmd, tt.args, res.Result, res.Comment, tt.want)
		}
	}
}

// TestCmdRunasMissing: a runas user the host does not have fails the
// state with Salt's comment when the command would run, not in a dry run
// (Salt's cmd.run returns before it calls cmdmod), and nothing runs.
func TestCmdRunasMissing(t *testing.T) {
	args := map[string]any{"runas": "no-such-user-here"}
	if res := cmdCall(t, "", "cmd.run", "true", args, true); res.Result != None || res.Comment != `Command "true" would have been executed` {
		t.Errorf("test run = %v %q", res.Result, res.Comment)
	}
	if res := cmdCall(t, "", "cmd.run", "true", args, false); res.Result != False || res.Comment != "User 'no-such-user-here' is not available" || len(res.Changes) != 0 {
		t.Errorf("real run = %v %q %v", res.Result, res.Comment, res.Changes)
	}
	req := &Request{Name: "true", Func: "cmd.run", Args: NewArgs(args)}
	var nu *NoUserError
	if _, err := RunCmd(context.Background(), req, "true"); !errors.As(err, &nu) || nu.User != "no-such-user-here" {
		t.Errorf("RunCmd error = %v; want a NoUserError", err)
	}
}

func TestCmdWaitAndWatch(t *testing.T) {
	root := fileTestRoot(t)
	res := cmdCall(t, root, "cmd.wait", "touch waited", nil, false)
	if res.Result != True || len(res.Changes) != 0 {
		t.Fatalf("cmd.wait = %v %#v", res.Result, res.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "waited")); err == nil {
		t.Fatal("cmd.wait ran without a watch")
	}
	watch, ok := Watcher("cmd")
	if !ok {
		t.Fatal("no mod_watch for cmd")
	}
	req := fileReq(root, "cmd.wait", "touch waited", nil, true)
	if r := watch(context.Background(), req); r.Result != None {
		t.Fatalf("watch under test = %v %q", r.Result, r.Comment)
	}
	req = fileReq(root, "cmd.wait", "touch waited", nil, false)
	if r := watch(context.Background(), req); r.Result != True || r.Changes["retcode"] != 0 {
		t.Fatalf("watch = %v %q %#v", r.Result, r.Comment, r.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "waited")); err != nil {
		t.Fatal("watch did not run the command")
	}
}

func TestCmdScript(t *testing.T) {
	res := cmdCall(t, "", "cmd.script", "hello", map[string]any{"source": "salt://scripts/hello.sh", "args": "'big world'"}, false)
	if res.Result != True || res.Changes["stdout"] != "hello big world" {
		t.Fatalf("cmd.script = %v %q %#v", res.Result, res.Comment, res.Changes)
	}
	res = cmdCall(t, "", "cmd.script", "salt://scripts/hello.sh", nil, true)
	if res.Result != None {
		t.Fatalf("cmd.script test = %v %q", res.Result, res.Comment)
	}
	res = cmdCall(t, "", "cmd.script", "salt://scripts/missing.sh", nil, false)
	if res.Result != False || !strings.Contains(res.Comment, `argument "source"`) {
		t.Fatalf("missing script = %v %q", res.Result, res.Comment)
	}
}

// TestCmdRootEscape: cwd and creates resolve inside --root; one that
// would leave it fails before the command runs (its mark, the file "ran"
// in its working directory, would show outside).
func TestCmdRootEscape(t *testing.T) {
	run := func(args map[string]any) func(string) Result {
		return func(root string) Result { return cmdCall(t, root, "cmd.run", "touch ran", args, false) }
	}
	escapeRun(t, []escapeCase{
		{name: "cwd climbs out", run: run(map[string]any{"cwd": "/../../../outside"}), arg: "cwd"},
		{name: "cwd links out", links: map[string]string{"work": "$REL"}, run: run(map[string]any{"cwd": "/work"}), arg: "cwd"},
		{name: "creates climbs out", run: run(map[string]any{"creates": "/../../../outside/keep"}), arg: "creates"},
		{name: "creates links out", links: map[string]string{"etc/flag": "$REL/keep"}, run: run(map[string]any{"creates": []any{"/etc/flag"}}), arg: "creates"},
		{name: "absolute link stays in", files: map[string]string{"$OUT/.keep": ""}, links: map[string]string{"work": "$OUT"}, run: run(map[string]any{"cwd": "/work"}), inside: "$OUT/ran"},
		{name: "script source climbs out", run: func(root string) Result {
			return cmdCall(t, root, "cmd.script", "s", map[string]any{"source": "/../../../outside/keep"}, false)
		}, arg: "source"},
		{name: "plain image", files: map[string]string{"work/.keep": ""}, run: run(map[string]any{"cwd": "/work", "creates": "/work/ran"}), inside: "/work/ran"},
	})
}

// TestCmdRunShellGrain: with no shell argument a command runs with the
// host's shell grain, as Salt's cmd states do; /bin/sh without one.
func TestCmdRunShellGrain(t *testing.T) {
	for _, tt := range []struct {
		grains map[string]any
		args   map[string]any
		want   string
	}{
		{map[string]any{"shell": "/bin/bash"}, nil, "/bin/bash"},
		{nil, nil, "/bin/sh"},
		{map[string]any{"shell": "bash"}, nil, "/bin/sh"}, // not a path: ignored
		{map[string]any{"shell": "/bin/bash"}, map[string]any{"shell": "/bin/sh"}, "/bin/sh"},
	} {
		fn, err := Lookup("cmd.run")
		if err != nil {
			t.Fatal(err)
		}
		req := fileReq("", "cmd.run", "echo $0", fileCopyArgs(tt.args), false)
		req.Env = &Env{Grains: tt.grains}
		res := fn(context.Background(), req)
		if res.Result != True || res.Changes["stdout"] != tt.want {
			t.Errorf("grains %v, args %v: %s %#v; want stdout %q", tt.grains, tt.args, res.Result, res.Changes, tt.want)
		}
	}
}

// TestCmdStatefulTestName is Salt's stateful: [{test_name: CMD}]: a dry
// run runs CMD and reads what it says would change; the real run runs
// the state's own command.
func TestCmdStatefulTestName(t *testing.T) {
	args := map[string]any{"stateful": []any{map[string]any{"test_name": "echo \"changed=yes comment='would migrate'\""}}}
	dry := cmdCall(t, "", "cmd.run", "echo changed=yes comment=migrated", args, true)
	if dry.Result != None || dry.Comment != "would migrate" || dry.Changes["changed"] != "yes" {
		t.Errorf("dry run = %v %q %v", dry.Result, dry.Comment, dry.Changes)
	}
	real := cmdCall(t, "", "cmd.run", "echo changed=yes comment=migrated", args, false)
	if real.Result != True || real.Comment != "migrated" {
		t.Errorf("real run = %v %q %v", real.Result, real.Comment, real.Changes)
	}
	quiet := cmdCall(t, "", "cmd.run", "true", map[string]any{"stateful": []any{map[string]any{"test_name": "echo changed=no"}}}, true)
	if quiet.Result != True || len(quiet.Changes) != 0 {
		t.Errorf("nothing to do = %v %q %v", quiet.Result, quiet.Comment, quiet.Changes)
	}
	if r := cmdCall(t, "", "cmd.run", "true", map[string]any{"stateful": []any{map[string]any{"test_name": 5}}}, true); r.Result != False || !strings.Contains(r.Comment, `argument "stateful"`) {
		t.Errorf("bad test_name = %v %q", r.Result, r.Comment)
	}
}

// As Salt's cmd states (through cmd.run_all): the locale variables env
// does not set are C, and a \n written in stdin is a newline.
func TestCmdRunLocaleAndStdin(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		args map[string]any
		want string
	}{
		{"echo $LC_MESSAGES $LANGUAGE", nil, "C C"},
		{"echo $LC_MESSAGES", map[string]any{"env": map[string]any{"LC_MESSAGES": "de_DE.UTF-8"}}, "de_DE.UTF-8"},
		{"echo ${LC_MESSAGES:-unset}", map[string]any{"reset_system_locale": false, "clean_env": true}, "unset"},
		{"cat", map[string]any{"stdin": `a\nb`}, "a\nb"},
		{"cat", map[string]any{"stdin": `a\nb`, "stdin_raw_newlines": true}, `a\nb`},
	} {
		r := cmdCall(t, "", "cmd.run", c.cmd, c.args, false)
		if r.Result != True || r.Changes["stdout"] != c.want {
			t.Errorf("%s %v = %v %#v; want stdout %q", c.cmd, c.args, r.Result, r.Changes, c.want)
		}
	}
}
