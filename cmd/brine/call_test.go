package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tree writes files (name → content) under a new directory.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// brine runs the command in-process and returns stdout, stderr and the
// exit status.
func brine(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, &streams{in: strings.NewReader(""), out: &out, err: &errb})
	return out.String(), errb.String(), code
}

var sampleTree = map[string]string{
	"top.sls": "base:\n  '*':\n    - web\n  'db*':\n    - db\n",
	"web/init.sls": `
site:
  file.directory:
    - name: /srv/www
    - makedirs: True
index:
  file.managed:
    - name: /srv/www/index.html
    - source: salt://web/index.html.j2
    - template: jinja
    - context:
        title: {{ pillar.get('title', 'hello') }}
    - require:
      - file: site
`,
	"web/index.html.j2": "<h1>{{ title }} from {{ grains['id'] }}</h1>\n",
	"db.sls":            "dbconf:\n  file.managed:\n    - name: /etc/db.conf\n    - contents: db\n    - makedirs: True\n",
	"broken.sls":        "a:\n  file.managed:\n    - name: /x\n  b: [\n",
	"failing.sls":       "bad:\n  file.managed:\n    - name: /no/such/dir/f\n    - contents: x\n",
	"badarg.sls":        "m:\n  file.managed:\n    - name: /m\n    - contents: x\n    - mode: rwx\n",
}

// saltJSON decodes --out json: {id: {key: {result, changes, …}}}.
func saltJSON(t *testing.T, s string) map[string]map[string]map[string]any {
	t.Helper()
	var v map[string]map[string]map[string]any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("--out json is not Salt's shape: %v\n%s", err, s)
	}
	return v
}

func TestCallHighstateTestThenReal(t *testing.T) {
	files := tree(t, sampleTree)
	root := t.TempDir()
	base := []string{"call", "--local", "--id", "web1", "--file-root", files, "--root", root, "--out", "json"}

	out, errOut, code := brine(t, append(base, "state.apply", "test=True")...)
	if code != 0 {
		t.Fatalf("test=True exit %d; want 0\n%s%s", code, out, errOut)
	}
	dry := saltJSON(t, out)["local"] // salt-call prints under local
	if len(dry) != 2 {
		t.Fatalf("test=True ran %d states; want 2 (web only, not db): %v", len(dry), dry)
	}
	for k, r := range dry {
		if r["result"] != nil {
			t.Errorf("test=True %s result = %v; want null (would change)", k, r["result"])
		}
	}
	if _, err := os.Stat(filepath.Join(root, "srv")); !os.IsNotExist(err) {
		t.Fatalf("test=True changed the root")
	}

	out, errOut, code = brine(t, append(base, "state.apply")...)
	if code != 0 {
		t.Fatalf("real run exit %d; want 0\n%s%s", code, out, errOut)
	}
	real := saltJSON(t, out)["local"]
	for k, r := range real {
		if r["result"] != true {
			t.Errorf("real %s result = %v; want true", k, r["result"])
		}
		got, _ := json.Marshal(r["changes"])
		want, _ := json.Marshal(dry[k]["changes"])
		if string(got) != string(want) {
			t.Errorf("%s: dry run predicted changes %s; the real run made %s", k, want, got)
		}
		for _, field := range []string{"__id__", "__sls__", "__run_num__", "start_time", "duration", "name", "comment"} {
			if _, ok := r[field]; !ok {
				t.Errorf("%s lacks %s", k, field)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(root, "srv/www/index.html"))
	if err != nil || string(b) != "<h1>hello from web1</h1>\n" {
		t.Fatalf("index.html = %q, %v", b, err)
	}

	out, _, code = brine(t, append(base, "state.apply")...)
	if code != 0 {
		t.Fatalf("rerun exit %d", code)
	}
	for k, r := range saltJSON(t, out)["web1"] {
		if ch, _ := r["changes"].(map[string]any); r["result"] != true || len(ch) != 0 {
			t.Errorf("rerun %s = %v %v; want true with no changes", k, r["result"], r["changes"])
		}
	}
}

func TestCallExitCodes(t *testing.T) {
	files := tree(t, sampleTree)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"ok", []string{"state.apply", "db"}, 0, "Succeeded: 1 (changed=1)"},
		{"state failed", []string{"state.apply", "failing"}, 2, "Parent directory not present"},
		{"render error names file and line", []string{"state.apply", "broken"}, 1, "broken.sls:"},
		{"bad argument names state and argument", []string{"state.apply", "badarg"}, 2, `argument "mode"`},
		{"missing sls", []string{"state.apply", "nope"}, 1, "nope"},
		{"unknown function", []string{"nosuch.fun"}, 1, "not available"},
		{"ping", []string{"test.ping"}, 0, "True"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"call", "--local", "--id", "db1", "--file-root", files, "--root", t.TempDir(), "--no-color"}, tt.args...)
			out, errOut, code := brine(t, args...)
			if code != tt.code {
				t.Fatalf("exit %d; want %d\n%s%s", code, tt.code, out, errOut)
			}
			if !strings.Contains(out+errOut, tt.want) {
				t.Fatalf("output lacks %q:\n%s%s", tt.want, out, errOut)
			}
		})
	}
}

func TestCallShowFunctions(t *testing.T) {
	files := tree(t, sampleTree)
	base := []string{"call", "--local", "--id", "db1", "--file-root", files, "--out", "json"}
	out, _, code := brine(t, append(base, "state.show_top")...)
	if code != 0 || !strings.Contains(out, `"web"`) || !strings.Contains(out, `"db"`) {
		t.Fatalf("show_top = %d\n%s", code, out)
	}
	out, _, code = brine(t, append(base, "state.show_lowstate")...)
	if code != 0 || !strings.Contains(out, `"__id__": "dbconf"`) {
		t.Fatalf("show_lowstate = %d\n%s", code, out)
	}
	out, _, code = brine(t, append(base, "state.show_sls", "web")...)
	if code != 0 || !strings.Contains(out, `"index"`) {
		t.Fatalf("show_sls = %d\n%s", code, out)
	}
	out, _, code = brine(t, append(base, "state.show_highstate")...)
	if code != 0 || !strings.Contains(out, `"site"`) {
		t.Fatalf("show_highstate = %d\n%s", code, out)
	}
	out, _, code = brine(t, append(base, "grains.items")...)
	if code != 0 || !strings.Contains(out, `"os_family"`) {
		t.Fatalf("grains.items = %d\n%s", code, out)
	}
}

// salt-call's nested outputter keeps the order of an OrderedDict, and
// high data is OrderedDicts at every level: show_sls prints the file's
// own IDs before its includes', each state's module before __sls__ and
// __env__, where a plain dict (grains) prints sorted.
func TestCallShowSLSNestedOrder(t *testing.T) {
	files := tree(t, map[string]string{
		"a.sls": "include:\n  - b\nzz:\n  test.nop: []\naa:\n  test.nop: []\n",
		"b.sls": "mm:\n  test.nop: []\n",
	})
	out, errOut, code := brine(t, "call", "--local", "--file-root", files, "--no-color", "state.show_sls", "a")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	var keys []string
	for _, l := range strings.Split(out, "\n") {
		if k, ok := strings.CutSuffix(l, ":"); ok && (strings.HasPrefix(l, "    ") && !strings.HasPrefix(l, "     ") || strings.HasPrefix(l, "        _") || strings.HasPrefix(l, "        test")) {
			keys = append(keys, strings.TrimSpace(k))
		}
	}
	want := "zz test __sls__ __env__ aa test __sls__ __env__ mm test __sls__ __env__"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("show_sls keys in order:\n got %s\nwant %s\n%s", got, want, out)
	}
}

func TestCallGrainsFileAndPillarRoot(t *testing.T) {
	files := tree(t, sampleTree)
	pillar := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - p\n", "p.sls": "title: welcome\n"})
	gf := filepath.Join(t.TempDir(), "grains.yaml")
	if err := os.WriteFile(gf, []byte("role: web\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	out, errOut, code := brine(t, "call", "--local", "--id", "w", "--grains-file", gf, "--file-root", files, "--pillar-root", pillar, "--root", root, "state.apply", "web")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	b, _ := os.ReadFile(filepath.Join(root, "srv/www/index.html"))
	if string(b) != "<h1>welcome from w</h1>\n" {
		t.Fatalf("index.html = %q; want the pillar title", b)
	}
	out, _, _ = brine(t, "call", "--local", "--id", "w", "--grains-file", gf, "--file-root", files, "--out", "json", "grains.get", "role")
	if !strings.Contains(out, `"web"`) {
		t.Fatalf("grains.get role = %s", out)
	}
}

func TestCallNeedsLocal(t *testing.T) {
	_, errOut, code := brine(t, "call", "test.ping")
	if code != int(ExitUsage) || !strings.Contains(errOut, "--local") {
		t.Fatalf("call without --local = %d %q", code, errOut)
	}
}

// States declared in a loop over a pillar dict run in the pillar file's
// order, as in Salt, not in sorted key order.
func TestCallPillarLoopKeepsFileOrder(t *testing.T) {
	files := tree(t, map[string]string{
		"users.sls": "{% for name, u in pillar['users'].items() %}\nhome-{{ name }}:\n  file.directory:\n    - name: /home/{{ name }}\n    - makedirs: True\n{% endfor %}\n",
	})
	pillar := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - users\n", "users.sls": "users:\n  zed: {}\n  amy: {}\n  mike: {}\n"})
	out, errOut, code := brine(t, "call", "--local", "--id", "h", "--file-root", files, "--pillar-root", pillar, "--root", t.TempDir(), "--out", "json", "state.apply", "users")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	iz, ia, im := strings.Index(out, "home-zed"), strings.Index(out, "home-amy"), strings.Index(out, "home-mike")
	if iz < 0 || ia < 0 || im < 0 || !(iz < ia && ia < im) {
		t.Fatalf("states ran out of pillar order (want zed, amy, mike):\n%s", out)
	}
}

// file.recurse copies a salt:// directory from the local tree.
func TestCallFileRecurse(t *testing.T) {
	files := tree(t, map[string]string{
		"conf.sls":            "conf:\n  file.recurse:\n    - name: /etc/app\n    - source: salt://files/app\n    - makedirs: True\n",
		"files/app/a.conf":    "a\n",
		"files/app/sub/b.txt": "b\n",
	})
	root := t.TempDir()
	out, errOut, code := brine(t, "call", "--local", "--id", "h", "--file-root", files, "--root", root, "state.apply", "conf")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	for name, want := range map[string]string{"etc/app/a.conf": "a\n", "etc/app/sub/b.txt": "b\n"} {
		if b, err := os.ReadFile(filepath.Join(root, name)); err != nil || string(b) != want {
			t.Errorf("%s = %q, %v; want %q", name, b, err, want)
		}
	}
}

// Under call --local the pillar is compiled in the process, as salt-call
// --local compiles it: its dicts below the top are the YAML loader's
// OrderedDicts, which Salt's yaml filter writes in the pillar file's
// order; the top is a plain dict (render_pillar merges into {}), written
// sorted.
func TestCallLocalPillarYAMLKeepsFileOrder(t *testing.T) {
	files := tree(t, map[string]string{
		"out.sls": "out:\n  file.managed:\n    - name: /out.txt\n    - contents: {{ ((pillar.app | yaml) ~ ' ' ~ (salt['pillar.get']('app:alpha') | yaml) ~ ' ' ~ (pillar | yaml)) | json }}\n",
	})
	pillar := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - p\n", "p.sls": "zz: 1\napp:\n  zeta: 1\n  alpha:\n    y: 1\n    x: 2\n"})
	root := t.TempDir()
	out, errOut, code := brine(t, "call", "--local", "--id", "h", "--file-root", files, "--pillar-root", pillar, "--root", root, "state.apply", "out")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(root, "out.txt"))
	if err != nil {
		t.Fatal(err)
	}
	want := "{zeta: 1, alpha: {y: 1, x: 2}} {y: 1, x: 2} {app: {zeta: 1, alpha: {y: 1, x: 2}}, zz: 1}"
	if got := strings.TrimSpace(string(b)); got != want {
		t.Fatalf("out.txt = %q; want %q", got, want)
	}
}

// TestCallTreeOnlyWhenNeeded: as salt-call --local, a function that needs
// no state tree runs without one; a tree the command line names must
// exist.
func TestCallTreeOnlyWhenNeeded(t *testing.T) {
	out, errOut, code := brine(t, "call", "--local", "--id", "w", "--out", "json", "test.ping")
	if code != 0 || !strings.Contains(out, "true") {
		t.Fatalf("test.ping with no --file-root = %d %q %q", code, out, errOut)
	}
	missing := filepath.Join(t.TempDir(), "nope")
	_, errOut, code = brine(t, "call", "--local", "--file-root", missing, "test.ping")
	if code != int(ExitUsage) || !strings.Contains(errOut, "--file-root "+missing+": not a directory") {
		t.Fatalf("a missing --file-root = %d %q", code, errOut)
	}
}

// TestShowHighstateKeepsExtend: show_highstate shows the top's SLS as
// rendered, extend: apart (Salt's compile_highstate does not reconcile),
// as show_sls does; a run applies the extend.
func TestShowHighstateKeepsExtend(t *testing.T) {
	files := tree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n    - b\n",
		"a.sls":   "motd:\n  file.managed:\n    - name: /etc/motd\n    - contents: v1\n",
		"b.sls":   "include:\n  - a\nextend:\n  motd:\n    file.managed:\n      - contents: v2\n",
	})
	base := []string{"call", "--local", "--id", "h1", "--file-root", files, "--out", "json"}
	out, _, code := brine(t, append(base, "state.show_highstate")...)
	if code != 0 || !strings.Contains(out, `"__extend__"`) || !strings.Contains(out, `"v1"`) {
		t.Fatalf("show_highstate = %d; want motd as written and an __extend__ with v2\n%s", code, out)
	}
	out, _, code = brine(t, append(base, "state.show_lowstate")...)
	if code != 0 || !strings.Contains(out, `"v2"`) || strings.Contains(out, `"v1"`) {
		t.Fatalf("show_lowstate = %d; want the extended contents only\n%s", code, out)
	}
}

// TestCallSaltCallFlags: salt-call's --retcode-passthrough is accepted
// (brine call always passes the retcode through) and a log level that is
// none refused, as salt-call's optparse refuses it.
func TestCallSaltCallFlags(t *testing.T) {
	files := tree(t, map[string]string{"bad.sls": "x:\n  test.fail_without_changes: []\n"})
	_, _, code := brine(t, "call", "--local", "--file-root", files, "--retcode-passthrough", "-l", "warning", "state.apply", "bad")
	if code != 2 {
		t.Errorf("--retcode-passthrough with a failed state: exit %d; want 2", code)
	}
	// As salt-call's: --retcode-passthrough exits with the function's own
	// code (a command's exit status), without it a failed function is 1.
	for _, tt := range []struct {
		args []string
		code int
	}{
		{[]string{"--retcode-passthrough", "cmd.run", "exit 7"}, 7},
		{[]string{"cmd.run", "exit 7"}, 1},
		{[]string{"--retcode-passthrough", "cmd.run", "exit 7", "ignore_retcode=True"}, 0},
		{[]string{"--retcode-passthrough", "test.retcode", "5"}, 5},
		{[]string{"--retcode-passthrough", "test.retcode", "0"}, 0},
	} {
		if _, errOut, code := brine(t, append([]string{"call", "--local", "--file-root", files, "-l", "quiet"}, tt.args...)...); code != tt.code {
			t.Errorf("brine call %q: exit %d; want %d\n%s", tt.args, code, tt.code, errOut)
		}
	}
	// As salt-call: a function that does not run says why on stderr;
	// stdout gets nothing, or the function's usage when its arguments
	// did not bind.
	for _, tt := range []struct {
		args      []string
		want, out string
	}{
		{[]string{"test.nosuch"}, "'test.nosuch' is not available.", ""},
		// A CommandExecutionError (salt/cli/caller.py): "Error running
		// 'FUN': MESSAGE" on stderr, no return on stdout.
		{[]string{"cmd.run", "echo boom; exit 3", "raise_err=True"}, "Error running 'cmd.run': boom\n", ""},
		{[]string{"file.get_mode", "/no/such/file"}, "Error running 'file.get_mode': Path not found: /no/such/file\n", ""},
		// A SaltInvocationError: the message alone.
		{[]string{"sdb.get", "plain", "strict=True"}, `SDB uri must start with "sdb://"` + "\n", ""},
		{[]string{"test.echo"}, "Passed invalid arguments to test.echo: argument \"text\": required", "Return the argument given, as given: test.echo TEXT.\n\nArguments:\n  - text (any, required): the text (or, read as YAML, a number or a list).\n"},
	} {
		out, errOut, code := brine(t, append([]string{"call", "--local", "--file-root", files, "--out", "json"}, tt.args...)...)
		if code != 1 || out != tt.out || !strings.Contains(errOut, tt.want) || strings.Contains(errOut, "Arguments:") {
			t.Errorf("brine call %q: exit %d, stdout %q, stderr %q; want 1, %q, %q", tt.args, code, out, errOut, tt.out, tt.want)
		}
	}
	_, errOut, code := brine(t, "call", "--local", "--file-root", files, "-l", "bogus", "test.ping")
	if code != 64 || !strings.Contains(errOut, "--log-level") {
		t.Errorf("-l bogus: exit %d\n%s; want a usage error", code, errOut)
	}
}

// TestSaltOutputFlagSpellings: salt and salt-call spell the output flags
// their own ways, and --state-verbose takes its value as the next word;
// none of them may become the function's argument.
func TestSaltOutputFlagSpellings(t *testing.T) {
	files := tree(t, map[string]string{"s.sls": "quiet:\n  test.succeed_without_changes: []\nloud:\n  test.succeed_with_changes: []\n"})
	out, errOut, code := brine(t, "call", "--local", "--file-root", files, "--no-colour", "state.apply", "s", "--state_output", "Terse", "--state-verbose", "False")
	if code != 0 || strings.Contains(out, "quiet") || !strings.Contains(out, "Name: loud - Function: test.succeed_with_changes - Result: Changed") {
		t.Errorf("--state_output Terse --state-verbose False: exit %d\n%s%s", code, out, errOut)
	}
	out, _, code = brine(t, "call", "--local", "--output", "json", "--output-indent", "-1", "test.arg", "1")
	if code != 0 || out != `{"local": {"args": [1], "kwargs": {}}}`+"\n" {
		t.Errorf("--output json --output-indent -1: exit %d %q", code, out)
	}
	out, _, _ = brine(t, "call", "--local", "--out", "json", "--out-indent", "0", "test.arg", "1")
	if out != "{\n\"local\": {\n\"args\": [\n1\n],\n\"kwargs\": {}\n}\n}\n" {
		t.Errorf("--out-indent 0 = %q", out)
	}
	if _, errOut, code := brine(t, "call", "--local", "--out-indent", "x", "test.true"); code != 64 {
		t.Errorf("--out-indent x: exit %d %s", code, errOut)
	}
}

// TestCallHighstateNoTopMatch: a host top.sls gives nothing gets Salt's
// failed "no.None" state and exit 2, and a missing SLS Salt's words.
func TestCallHighstateNoTopMatch(t *testing.T) {
	files := tree(t, map[string]string{"top.sls": "base:\n  'web*':\n    - web\n", "web.sls": "x:\n  test.nop: []\n"})
	out, _, code := brine(t, "call", "--local", "--file-root", files, "--id", "zzz", "--out", "json", "state.apply")
	got := saltJSON(t, out)["local"]["no_|-states_|-states_|-None"]
	if code != 2 || got == nil || got["result"] != false || got["name"] != "No States" ||
		got["comment"] != "No Top file or master_tops data matches found. Please see master log for details." {
		t.Errorf("no top match: exit %d\n%s", code, out)
	}
	out, _, code = brine(t, "call", "--local", "--file-root", files, "state.apply", "nosuch")
	if code != 1 || !strings.Contains(out, "No matching sls found for 'nosuch' in env 'base'") {
		t.Errorf("missing SLS: exit %d\n%s", code, out)
	}
}

// TestCallBrokenPillar: as salt-call --local, a pillar SLS that fails to
// render leaves the rest of the pillar and its error under _errors;
// functions run, and state runs refuse with Salt's words.
func TestCallBrokenPillar(t *testing.T) {
	files := tree(t, map[string]string{"s.sls": "x:\n  test.nop: []\n"})
	pil := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - a\n    - bad\n", "a.sls": "a: 1\n", "bad.sls": "x: {{ nosuch.var }}\n"})
	out, errOut, code := brine(t, "call", "--local", "--file-root", files, "--pillar-root", pil, "test.ping")
	if code != 0 || !strings.Contains(out, "True") {
		t.Errorf("test.ping with a broken pillar: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = brine(t, "call", "--local", "--file-root", files, "--pillar-root", pil, "--out", "json", "pillar.items")
	if code != 0 || !strings.Contains(out, `"a": 1`) || !strings.Contains(out, `"Rendering SLS 'bad' failed. Please see master log for details."`) {
		t.Errorf("pillar.items: exit %d\n%s", code, out)
	}
	if !strings.Contains(errOut, "nosuch") {
		t.Errorf("pillar.items: the render error is not logged: %q", errOut)
	}
	out, _, code = brine(t, "call", "--local", "--file-root", files, "--pillar-root", pil, "state.apply", "s")
	if code != 1 || !strings.Contains(out, "Data failed to compile:") || !strings.Contains(out, "Pillar failed to render with the following messages:") {
		t.Errorf("state.apply: exit %d\n%s", code, out)
	}
	// Salt's retcode for it is EX_PILLAR_FAILURE, 5, and force=True runs
	// the states with the pillar as it is (_get_pillar_errors).
	_, _, code = brine(t, "call", "--local", "--file-root", files, "--pillar-root", pil, "--retcode-passthrough", "state.apply", "s")
	if code != 5 {
		t.Errorf("state.apply --retcode-passthrough: exit %d; want 5", code)
	}
	out, _, code = brine(t, "call", "--local", "--file-root", files, "--pillar-root", pil, "state.apply", "s", "force=True")
	if code != 0 || !strings.Contains(out, "Succeeded: 1") {
		t.Errorf("state.apply force=True: exit %d\n%s", code, out)
	}
}

// salt-call's -g and -d: the grains, and sys.doc of the functions named.
func TestCallGrainsAndDoc(t *testing.T) {
	out, errOut, code := brine(t, "call", "--local", "-g", "--out", "json")
	if code != 0 || !strings.Contains(out, `"kernel": "Linux"`) {
		t.Errorf("call -g: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = brine(t, "call", "--local", "-d", "test.ping")
	if code != 0 || !strings.Contains(out, "test.ping:") || strings.Contains(out, "test.echo") {
		t.Errorf("call -d test.ping: exit %d\n%s%s", code, out, errOut)
	}
}

// salt-call's pillar_roots are base's whatever the saltenv: a run with
// --saltenv dev reads base's pillar top and files.
func TestCallPillarRootsAreBase(t *testing.T) {
	pillar := tree(t, map[string]string{"top.sls": "base:\n  '*':\n    - p\n", "p.sls": "x: 1\n"})
	files := tree(t, map[string]string{"s.sls": "s:\n  test.nop: []\n"})
	out, errOut, code := brine(t, "call", "--local", "--id", "h", "--file-root", files, "--pillar-root", pillar, "--saltenv", "dev", "--out", "json", "pillar.items")
	if code != 0 || strings.Contains(out, "_errors") || !strings.Contains(out, `"x": 1`) {
		t.Fatalf("pillar.items --saltenv dev: exit %d\n%s%s", code, out, errOut)
	}
}

// brine call --local reads the minion config, as salt-call reads
// /etc/salt/minion: id, static grains, file_roots and pillar_roots of
// several environments, the top file options and nodegroups; a flag
// wins over the file. No minion.yaml where -c points is an error; none
// in the default directory is no config.
func TestCallReadsMinionConfig(t *testing.T) {
	base := tree(t, map[string]string{
		"top.sls": "base:\n  'web7':\n    - a\n  'N@webs':\n    - b\n",
		"a.sls":   "a:\n  test.nop: []\n",
	})
	dev := tree(t, map[string]string{
		"top.sls": "base:\n  'web7':\n    - c\ndev:\n  'G@role:db':\n    - d\n",
	})
	pil := tree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - p\n",
		"p.sls":   "color: {{ grains['role'] }}\n",
	})
	cfg := tree(t, map[string]string{"minion.yaml": "id: web7\ngrains:\n  role: db\n" +
		"file_roots:\n  base: [" + base + "]\n  dev: [" + dev + "]\n" +
		"pillar_roots:\n  base: [" + pil + "]\n" +
		"nodegroups:\n  webs: 'web*'\n" +
		"top_file_merging_strategy: merge_all\n"})

	out, errb, code := brine(t, "call", "--local", "-c", cfg, "--out", "json", "state.show_top")
	if code != 0 {
		t.Fatalf("show_top: exit %d: %s", code, errb)
	}
	var top map[string]map[string][]string
	if err := json.Unmarshal([]byte(out), &top); err != nil {
		t.Fatal(err)
	}
	if got, want := top["local"], map[string][]string{"base": {"a", "c", "b"}, "dev": {"d"}}; !jsonEqual(got, want) {
		t.Errorf("show_top = %v; want %v", got, want)
	}
	out, errb, code = brine(t, "call", "--local", "-c", cfg, "--out", "json", "pillar.get", "color")
	if code != 0 || !strings.Contains(out, `"db"`) {
		t.Errorf("pillar.get color: exit %d, %s %s; want db, from the config's grains", code, out, errb)
	}
	// --id wins over the file's id.
	out, _, _ = brine(t, "call", "--local", "-c", cfg, "--id", "other", "--out", "json", "grains.get", "id")
	if !strings.Contains(out, `"other"`) {
		t.Errorf("--id other: grains id %s", out)
	}
	if _, errb, code := brine(t, "call", "--local", "-c", t.TempDir(), "test.true"); code == 0 || !strings.Contains(errb, "minion.yaml") {
		t.Errorf("-c with no minion.yaml: exit %d, %q; want an error naming the file", code, errb)
	}
}

func jsonEqual(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// TestCallOutputConfig: minion.yaml's outputter options are brine call's
// defaults, as salt-call reads state_output, state_verbose,
// state_output_diff, state_output_profile, state_output_pct and color
// from the minion config (Salt's highstate outputter reads them from
// __opts__); a flag given wins, and a state_output brine has no form for
// is refused. state_output: filter reads state_output_exclude and
// state_output_terse.
func TestCallOutputConfig(t *testing.T) {
	files := tree(t, map[string]string{"s.sls": "quiet:\n  test.succeed_without_changes: []\nloud:\n  test.succeed_with_changes: []\n"})
	tests := []struct {
		name    string
		config  string
		flags   []string
		want    []string
		notWant []string
	}{
		{"terse and not verbose", "state_output: terse\nstate_verbose: False\n", nil,
			[]string{"  Name: loud - Function: test.succeed_with_changes - Result: Changed Started: - "}, []string{"quiet", "ID: loud"}},
		{"a flag wins", "state_output: terse\nstate_verbose: False\n", []string{"--state-output", "full", "--state-verbose", "True"},
			[]string{"          ID: quiet\n", "          ID: loud\n"}, nil},
		{"diff", "state_output_diff: True\n", nil, []string{"ID: loud"}, []string{"quiet"}},
		{"no profile, pct", "state_output_profile: False\nstate_output_pct: True\n", nil,
			[]string{"Success %: 100.0\nFailure %: 0.0\n"}, []string{"Started:", "Duration:", "Total run time"}},
		{"no color", "color: False\n", []string{"--force-color"}, []string{"\x1b["}, nil},
		{"filter", "state_output: filter\nstate_output_exclude: 'True,'\n", nil, []string{"Total states run:     2"}, []string{"quiet", "loud"}},
		{"filter, terse", "state_output: filter\nstate_output_terse: ['True']\n", nil, []string{"  Name: loud - Function: test.succeed_with_changes - Result: Changed"}, []string{"ID: loud"}},
		{"tabular", "state_output: terse\nstate_tabular: true\nstate_output_profile: false\n", nil,
			[]string{"      test.succeed_with_changes Changed   Name: loud\n"}, []string{" - Function: "}},
		{"filter from the flag", "state_output_exclude: ['True']\n", []string{"--state-output=filter"}, nil, []string{"quiet", "loud"}},
	}
	for _, tc := range tests {
		cfg := tree(t, map[string]string{"minion.yaml": tc.config})
		args := append([]string{"call", "--local", "-c", cfg, "--file-root", files, "state.apply", "s"}, tc.flags...)
		out, errb, code := brine(t, args...)
		if code != 0 {
			t.Errorf("%s: exit %d: %s", tc.name, code, errb)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, out)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(out, w) {
				t.Errorf("%s: output holds %q:\n%s", tc.name, w, out)
			}
		}
	}
	cfg := tree(t, map[string]string{"minion.yaml": "state_output: tabular\n"})
	if _, errb, code := brine(t, "call", "--local", "-c", cfg, "test.true"); code == 0 || !strings.Contains(errb, `state_output "tabular"`) {
		t.Errorf("state_output: tabular: exit %d, %q; want a config error naming it", code, errb)
	}
	cfg = tree(t, map[string]string{"minion.yaml": "state_tabular: '{1}'\n"})
	if _, errb, code := brine(t, "call", "--local", "-c", cfg, "test.true"); code == 0 || !strings.Contains(errb, "state_tabular") {
		t.Errorf("state_tabular a format string: exit %d, %q; want a config error naming it", code, errb)
	}
	cfg = tree(t, map[string]string{"minion.yaml": "state_output_exclude: {a: 1}\n"})
	if _, errb, code := brine(t, "call", "--local", "-c", cfg, "test.true"); code == 0 || !strings.Contains(errb, "state_output_exclude") {
		t.Errorf("state_output_exclude a mapping: exit %d, %q; want a config error naming it", code, errb)
	}
}

// TestCallReadsPillarOptions: a masterless run compiles its pillar with
// the pillar options of minion.yaml, as salt-call --local reads the
// master's options from /etc/salt/minion: the merging strategy,
// pillar_merge_lists, ext_pillar, pillar_safe_render_error and
// pillarenv. A bad option is refused, naming it.
func TestCallReadsPillarOptions(t *testing.T) {
	pil := tree(t, map[string]string{
		"top.sls":    "base:\n  '*':\n    - a\n    - b\n    - broken\n",
		"a.sls":      "pkgs: [vim]\nusers:\n  alice: {uid: 1}\n",
		"b.sls":      "pkgs: [git]\nusers:\n  bob: {uid: 2}\n",
		"broken.sls": "{{ nope( }}\n",
	})
	dev := tree(t, map[string]string{
		"top.sls": "dev:\n  '*':\n    - d\n",
		"d.sls":   "env: dev\n",
	})
	write := func(body string) string {
		return tree(t, map[string]string{"minion.yaml": "id: m1\npillar_roots:\n  base: [" + pil + "]\n  dev: [" + dev + "]\n" + body})
	}
	items := func(cfg string) map[string]any {
		t.Helper()
		out, errb, code := brine(t, "call", "--local", "-c", cfg, "--out", "json", "pillar.items")
		if code != 0 {
			t.Fatalf("pillar.items: exit %d: %s", code, errb)
		}
		var got map[string]map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatal(err)
		}
		return got["local"]
	}
	tests := []struct {
		config string
		key    string
		want   string
	}{
		// Salt's defaults: lists replaced, mappings merged.
		{"", "pkgs", `["git"]`},
		{"", "users", `{"alice":{"uid":1},"bob":{"uid":2}}`},
		{"pillar_merge_lists: true\n", "pkgs", `["vim","git"]`},
		{"pillar_source_merging_strategy: overwrite\n", "users", `{"bob":{"uid":2}}`},
		{"ext_pillar:\n  - cmd_yaml: 'echo \"ext: %s\"'\n", "ext", `"m1"`},
		{"pillarenv: dev\n", "env", `"dev"`},
		{"pillarenv: dev\n", "pkgs", `null`},
	}
	for _, tt := range tests {
		got := items(write(tt.config))
		if b, _ := json.Marshal(got[tt.key]); string(b) != tt.want {
			t.Errorf("minion.yaml %q: pillar %s = %s; want %s", tt.config, tt.key, b, tt.want)
		}
	}
	// pillar_safe_render_error: false shows the render error itself.
	safe, _ := json.Marshal(items(write(""))["_errors"])
	detail, _ := json.Marshal(items(write("pillar_safe_render_error: false\n"))["_errors"])
	if !strings.Contains(string(safe), "Please see master log") || strings.Contains(string(safe), "render error") {
		t.Errorf("default _errors = %s; want Salt's safe words alone", safe)
	}
	if !strings.Contains(string(detail), "render error") {
		t.Errorf("pillar_safe_render_error: false: _errors = %s; want the render error", detail)
	}
	if _, errb, code := brine(t, "call", "--local", "-c", write("pillar_source_merging_strategy: deep\n"), "test.true"); code == 0 || !strings.Contains(errb, "deep") {
		t.Errorf("a bad strategy: exit %d, %q; want it refused by name", code, errb)
	}
}
