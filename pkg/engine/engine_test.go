package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

func TestFailhard(t *testing.T) {
	bad := args("fail", true)
	tests := []struct {
		name  string
		opts  Options
		b     map[string]any
		ids   string // results, in order
		calls string
	}{
		{"run option", Options{Failhard: true}, args("fail", true), "A B", "A B"},
		{"per state", Options{}, args("fail", true, "failhard", true), "A B", "A B"},
		{"per state false overrides the run", Options{Failhard: true}, args("fail", true, "failhard", false), "A B C", "A B C"},
		{"off", Options{}, bad, "A B C", "A B C"},
		// Salt ignores failhard under test: State.check_failhard returns
		// False when opts['test'] is set (salt/state.py, 3006 and since).
		{"test mode", Options{Failhard: true, Test: true}, bad, "A B C", "A(test) B(test) C(test)"},
	}
	for _, tc := range tests {
		resetRec()
		out := Run(context.Background(), chunks(ch("A", nil), ch("B", tc.b), ch("C", nil)), tc.opts)
		var ids []string
		for _, r := range out {
			ids = append(ids, r.ID)
		}
		if got := strings.Join(ids, " "); got != tc.ids {
			t.Errorf("%s: results %q, want %q", tc.name, got, tc.ids)
		}
		if c := calls(); c != tc.calls {
			t.Errorf("%s: calls %q, want %q", tc.name, c, tc.calls)
		}
	}
}

func TestFailhardInsideRequisites(t *testing.T) {
	// C needs B, which fails hard: C is not run, nor reported, nor is D.
	resetRec()
	out := Run(context.Background(), chunks(
		ch("A", nil),
		ch("C", nil, req("require", "B")),
		ch("B", args("fail", true, "failhard", true)),
		ch("D", nil),
	), Options{})
	if len(out) != 2 || out[0].ID != "A" || out[1].ID != "B" {
		t.Errorf("results = %v, want A then B", out)
	}
}

func TestChecks(t *testing.T) {
	dir := t.TempDir()
	exists := filepath.Join(dir, "exists")
	if err := os.WriteFile(exists, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name    string
		args    map[string]any
		ran     bool
		comment string // the skip comment
	}{
		{"onlyif true", args("onlyif", "true"), true, ""},
		{"onlyif false", args("onlyif", "false"), false, "onlyif condition is false"},
		{"onlyif all must succeed", args("onlyif", []any{"true", "exit 3"}), false, "onlyif condition is false"},
		{"onlyif all succeed", args("onlyif", []any{"true", "true"}), true, ""},
		{"unless true", args("unless", "true"), false, "unless condition is true"},
		{"unless false", args("unless", "false"), true, ""},
		{"unless any failure runs", args("unless", []any{"true", "false"}), true, ""},
		{"unless all succeed skips", args("unless", []any{"true", "true"}), false, "unless condition is true"},
		{"unless command missing skips", args("unless", "exit 0"), false, "unless condition is true"},
		{"onlyif and unless", args("onlyif", "true", "unless", "true"), false, "onlyif condition is true\nunless condition is true"},
		// Salt 3006's _run_check_onlyif/_run_check_unless: an entry that is
		// neither a command nor a fun: mapping (`onlyif: {{ cond }}` gives a
		// bool) does not skip the state; for unless it only counts as false.
		{"onlyif bool false runs", args("onlyif", false), true, ""},
		{"onlyif bool true runs", args("onlyif", true), true, ""},
		{"onlyif a number runs", args("onlyif", []any{5}), true, ""},
		{"onlyif a bad entry ends the checks", args("onlyif", []any{true, "false"}), true, ""},
		{"onlyif a failing command first skips", args("onlyif", []any{"false", true}), false, "onlyif condition is false"},
		{"onlyif a mapping without fun runs", args("onlyif", map[string]any{"args": []any{1}}), true, ""},
		{"unless bool true runs", args("unless", true), true, ""},
		{"unless bool false runs", args("unless", false), true, ""},
		{"unless a later true entry skips", args("unless", []any{false, "true"}), false, "unless condition is true"},
		{"unless a later bad entry runs", args("unless", []any{"true", false}), true, ""},
		{"unless a mapping without fun runs", args("unless", []any{map[string]any{"args": []any{1}}, "true"}), true, ""},
		{"creates exists", args("creates", exists), false, exists + " exists"},
		{"creates list exists", args("creates", []any{exists, exists}), false, "All files in creates exist"},
		{"creates one missing", args("creates", []any{exists, missing}), true, ""},
		{"creates missing", args("creates", missing), true, ""},
	}
	for _, tc := range tests {
		got := run(t, Options{}, ch("A", tc.args))
		a := got["A"]
		if gotRan := calls() == "A"; gotRan != tc.ran {
			t.Errorf("%s: ran = %v, want %v (%q)", tc.name, gotRan, tc.ran, a.Comment)
			continue
		}
		if tc.ran {
			if a.Comment != "A is in the correct state" {
				t.Errorf("%s: comment %q", tc.name, a.Comment)
			}
			continue
		}
		if a.Result.Result != states.True || a.Comment != tc.comment {
			t.Errorf("%s: %s %q, want True %q", tc.name, a.Result.Result, a.Comment, tc.comment)
		}
	}
}

// TestChecksUseShellGrain: onlyif and unless run with the state's shell
// argument, else the host's shell grain, as Salt's do.
func TestChecksUseShellGrain(t *testing.T) {
	bash := &states.Env{Grains: map[string]any{"shell": "/bin/bash"}}
	const bashOnly = "[[ -n $BASH_VERSION ]]" // a syntax error to dash
	for _, tc := range []struct {
		name string
		env  *states.Env
		args map[string]any
		ran  bool
	}{
		{"the grain's bash", bash, args("onlyif", bashOnly), true},
		{"no grain: /bin/sh", nil, args("onlyif", "[ \"$0\" = /bin/sh ]"), true},
		{"the state's shell first", bash, args("onlyif", bashOnly, "shell", "/bin/sh"), false},
		{"unless with the grain", bash, args("unless", bashOnly), false},
	} {
		run(t, Options{Env: tc.env}, ch("A", tc.args))
		if ran := calls() == "A"; ran != tc.ran {
			t.Errorf("%s: ran = %v, want %v", tc.name, ran, tc.ran)
		}
	}
}

func TestChecksRunUnderTestAndRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "made"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	mark := filepath.Join(t.TempDir(), "ran")
	got := run(t, Options{Test: true, Root: root},
		ch("A", args("unless", "touch "+mark+"; false")),
		ch("B", args("creates", "/made")),
	)
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("unless command did not run under test: %v", err)
	}
	if c := calls(); c != "A(test)" {
		t.Errorf("calls = %q, want A(test)", c)
	}
	if b := got["B"]; b.Comment != "/made exists" {
		t.Errorf("creates under root: %q", b.Comment)
	}
}

func TestCheckSkipsWatch(t *testing.T) {
	got := run(t, Options{}, ch("T", args("changed", true)), ch("D", args("unless", "true"), req("watch", "T")))
	if c := calls(); c != "T" {
		t.Errorf("calls = %q, want only T", c)
	}
	if d := got["D"]; d.Result.Result != states.True || d.Comment != "unless condition is true" {
		t.Errorf("D = %s %q", d.Result.Result, d.Comment)
	}
}

func TestBadCheckFails(t *testing.T) {
	for _, c := range []struct {
		check any
		want  string
	}{
		{[]any{map[string]any{"fun": "no.such"}}, `onlyif: item 0: function "no.such" is not available`},
	} {
		got := run(t, Options{Env: &states.Env{Exec: checkFuncs{}}}, ch("A", args("onlyif", c.check)))
		if a := got["A"]; a.Result.Result != states.False || !strings.Contains(a.Comment, c.want) {
			t.Errorf("A = %s %q; want %q", a.Result.Result, a.Comment, c.want)
		}
		if calls() != "" {
			t.Errorf("module called")
		}
	}
}

// checkFuncs are execution functions for the fun: form of onlyif and
// unless: file.file_exists of a path, and test.ret returning its value.
type checkFuncs struct{}

func (checkFuncs) Has(fun string) bool {
	return fun == "file.file_exists" || fun == "test.ret" || fun == "test.fail"
}

func (checkFuncs) Call(_ context.Context, fun string, args []any, kw map[string]any) (any, bool) {
	switch fun {
	case "file.file_exists":
		path, _ := kw["path"].(string)
		if len(args) > 0 {
			path, _ = args[0].(string)
		}
		_, err := os.Stat(path)
		return err == nil, true
	case "test.ret":
		return kw["value"], true
	}
	return "failed", false
}

// TestCheckFunctions runs Salt's fun: form of onlyif and unless:
// keyword and positional arguments, get_return, and a failed function.
func TestCheckFunctions(t *testing.T) {
	opts := Options{Env: &states.Env{Exec: checkFuncs{}}}
	fn := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name, kind string
		entry      any
		runs       bool
		comment    string
	}{
		{"onlyif true (kwargs)", "onlyif", fn("fun", "file.file_exists", "path", "/"), true, ""},
		{"onlyif false (args)", "onlyif", fn("fun", "file.file_exists", "args", []any{"/no/such"}), false, "onlyif condition is false"},
		{"onlyif get_return", "onlyif", fn("fun", "test.ret", "value", map[string]any{"a": []any{0, "x"}}, "get_return", "a:1"), true, ""},
		{"onlyif get_return false", "onlyif", fn("fun", "test.ret", "value", map[string]any{"a": []any{0, "x"}}, "get_return", "a:0"), false, "onlyif condition is false"},
		{"onlyif failed function", "onlyif", fn("fun", "test.fail"), false, "onlyif condition is false"},
		{"unless true", "unless", fn("fun", "file.file_exists", "path", "/"), false, "unless condition is true"},
		{"unless empty return", "unless", fn("fun", "test.ret", "value", []any{}), true, ""},
		{"mixed with a command", "onlyif", []any{"true", fn("fun", "test.ret", "value", "yes")}, true, ""},
	} {
		got := run(t, opts, ch("A", args(c.kind, c.entry)))
		ran := calls() == "A"
		if a := got["A"]; ran != c.runs || a.Result.Result != states.True || (!c.runs && a.Comment != c.comment) {
			t.Errorf("%s: ran %v, A = %s %q; want ran %v %q", c.name, ran, a.Result.Result, a.Comment, c.runs, c.comment)
		}
	}
}

// TestCheckCommandTakesStateArgs runs onlyif and unless commands with the
// state's env, cwd and prepend_path, as Salt's _run_check passes them.
func TestCheckCommandTakesStateArgs(t *testing.T) {
	dir := t.TempDir()
	got := run(t, Options{}, ch("A", args("unless", `test "$X" = yes && test "$PWD" = `+dir, "env", map[string]any{"X": "yes"}, "cwd", dir)),
		ch("B", args("onlyif", `test "${PATH%%:*}" = /opt/x`, "prepend_path", "/opt/x")))
	if a := got["A"]; a.Comment != "unless condition is true" {
		t.Errorf("A = %s %q; want the unless true with the state's env and cwd", a.Result.Result, a.Comment)
	}
	if b := got["B"]; b.Comment == "onlyif condition is false" {
		t.Errorf("B = %s %q; want the onlyif true with prepend_path", b.Result.Result, b.Comment)
	}
}

// TestCheckCmd is Salt's call(): check_cmd's verdict replaces the
// state's, also when unless, onlyif or creates skipped it (its
// _run_check_cmd runs after them either way); not under test in brine.
func TestCheckCmd(t *testing.T) {
	tests := []struct {
		name    string
		test    bool
		a       map[string]any
		res     states.Outcome
		comment string
		calls   string
	}{
		{"fails", false, args("check_cmd", "false"), states.False, "check_cmd determined the state failed", "A"},
		{"succeeds over a failure", false, args("fail", true, "check_cmd", []any{"true"}), states.True, "check_cmd determined the state succeeded", "A"},
		{"after unless skipped the state", false, args("unless", "true", "check_cmd", "false"), states.False, "check_cmd determined the state failed", ""},
		{"after onlyif skipped the state", false, args("onlyif", "false", "check_cmd", "true"), states.True, "check_cmd determined the state succeeded", ""},
		{"not under test", true, args("unless", "true", "check_cmd", "false"), states.True, "unless condition is true", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := run(t, Options{Test: tc.test}, ch("A", tc.a))
			if a := got["A"]; a.Result.Result != tc.res || a.Comment != tc.comment {
				t.Errorf("A = %s %q; want %s %q", a.Result.Result, a.Comment, tc.res, tc.comment)
			}
			if c := strings.TrimSuffix(calls(), "(test)"); c != tc.calls {
				t.Errorf("calls %q; want %q", c, tc.calls)
			}
		})
	}
}

func TestRetry(t *testing.T) {
	retry := map[string]any{"attempts": 3, "interval": 0}
	got := run(t, Options{}, ch("A", args("flaky", 2, "retry", retry)), ch("B", args("flaky", 5, "retry", retry)))
	if c := calls(); c != "A A A B B B" {
		t.Errorf("calls = %q", c)
	}
	a := got["A"]
	if a.Result.Result != states.True || !strings.HasPrefix(a.Comment, `Attempt 1: Returned a result of "False", with the following comment: "flaky failure 1"`) || !strings.HasSuffix(a.Comment, "flaky ok") {
		t.Errorf("A = %s %q", a.Result.Result, a.Comment)
	}
	if b := got["B"]; b.Result.Result != states.False {
		t.Errorf("B = %s %q", b.Result.Result, b.Comment)
	}
	got = run(t, Options{Test: true}, ch("A", args("retry", true)))
	if a := got["A"]; !strings.HasSuffix(a.Comment, "The state would be retried every 30 seconds (with a splay of up to 0 seconds) a maximum of 2 times or until a result of True is returned") {
		t.Errorf("test-mode retry comment %q", a.Comment)
	}
	got = run(t, Options{}, ch("A", args("retry", map[string]any{"attempt": 3})))
	if a := got["A"]; a.Result.Result != states.False || !strings.Contains(a.Comment, `retry`) {
		t.Errorf("bad retry = %s %q", a.Result.Result, a.Comment)
	}
}

func TestTestMode(t *testing.T) {
	run(t, Options{Test: true}, ch("A", nil))
	run2 := func(opts Options, a map[string]any) bool {
		resetRec()
		Run(context.Background(), chunks(ch("A", a)), opts)
		return rec.seen[0].Test
	}
	if !run2(Options{Test: true}, nil) {
		t.Error("Options.Test did not reach the request")
	}
	if run2(Options{}, nil) {
		t.Error("real run sent Test")
	}
	if !run2(Options{}, args("test", true)) {
		t.Error("per-state test: true ignored")
	}
	if !run2(Options{Test: true}, args("test", false)) {
		t.Error("per-state test: false turned a dry run into a real one")
	}
}

func TestRequestShape(t *testing.T) {
	c := ch("A", args("contents", "x", "unless", "false", "order", 3, "failhard", false, "require", []any{}, "__env__", "base", "reload_modules", true, "parallel", true))
	c.Name = "/etc/a"
	resetRec()
	env := &states.Env{Grains: map[string]any{"os": "Debian"}}
	out := Run(context.Background(), []sls.Chunk{c}, Options{Root: "/mnt", Env: env})
	r := rec.seen[0]
	if got := strings.Join(r.Args.Unknown(), ","); got != "contents" {
		t.Errorf("module saw args %q, want only contents", got)
	}
	if r.ID != "A" || r.Name != "/etc/a" || r.Func != "fake.set" || r.SLS != "t" || r.Root != "/mnt" {
		t.Errorf("request = %+v", r)
	}
	if r.Env == nil || r.Env.Cache == nil || r.Env.Grains["os"] != "Debian" {
		t.Errorf("env = %+v", r.Env)
	}
	if env.Cache != nil {
		t.Error("Run changed the caller's Env")
	}
	o := out[0]
	if o.Key != "fake_|-A_|-/etc/a_|-set" || o.Func != "fake.set" || o.Name != "/etc/a" || o.Changes == nil || o.Start.IsZero() {
		t.Errorf("result = %+v", o)
	}
	// A fresh cache each run; a given one is kept.
	resetRec()
	Run(context.Background(), []sls.Chunk{c}, Options{Env: env})
	if rec.seen[0].Env.Cache == r.Env.Cache {
		t.Error("cache shared between runs")
	}
	cache := &states.RunCache{}
	resetRec()
	Run(context.Background(), []sls.Chunk{c}, Options{Env: &states.Env{Cache: cache}})
	if rec.seen[0].Env.Cache != cache {
		t.Error("given cache not used")
	}
}

func TestModuleErrors(t *testing.T) {
	unknown := ch("U", nil)
	unknown.Fun = "nope"
	unknown.Source = "web/init.sls:12"
	got := run(t, Options{}, unknown, ch("P", args("panic", "boom")), ch("E", args("argerr", true)), ch("N", nil))
	// Salt's verify_data, through call(): each line ends in a newline.
	if u := got["U"]; u.Result.Result != states.False || u.Comment != "State 'fake.nope' was not found in SLS 't'\nReason: 'fake.nope' is not available.\n" {
		t.Errorf("U = %s %q", u.Result.Result, u.Comment)
	}
	// A module brine does not have reads the same; without an SLS
	// (state.single) Salt says "Specified state".
	missing := ch("M", nil)
	missing.State = "boto_s3_bucket"
	missing.Fun = "present"
	missing.SLS = ""
	got = run(t, Options{}, missing)
	if m := got["M"]; m.Result.Result != states.False || m.Comment != "Specified state 'boto_s3_bucket.present' was not found\n" {
		t.Errorf("M = %s %q", m.Result.Result, m.Comment)
	}
	got = run(t, Options{}, unknown, ch("P", args("panic", "boom")), ch("E", args("argerr", true)), ch("N", nil))
	if p := got["P"]; p.Result.Result != states.False || p.Comment != "state module panicked: boom" {
		t.Errorf("P = %s %q", p.Result.Result, p.Comment)
	}
	if e := got["E"]; e.Comment != `E: argument "bogus": want a string` {
		t.Errorf("E = %q", e.Comment)
	}
	if n := got["N"]; n.Result.Result != states.True {
		t.Errorf("run did not go on after a panic: %+v", n)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	resetRec()
	var streamed []string
	out := Run(ctx, chunks(ch("A", nil), ch("B", nil), ch("C", nil, req("require", "B"))), Options{
		OnResult: func(r StateResult) {
			streamed = append(streamed, r.ID)
			cancel()
		},
	})
	if c := calls(); c != "A" {
		t.Errorf("calls = %q, want A only", c)
	}
	if len(out) != 3 {
		t.Fatalf("results = %d, want 3", len(out))
	}
	for _, r := range out[1:] {
		if r.Result.Result != states.False || r.Comment != CommentCancelled {
			t.Errorf("%s = %s %q", r.ID, r.Result.Result, r.Comment)
		}
	}
	if strings.Join(streamed, " ") != "A B C" {
		t.Errorf("OnResult saw %v", streamed)
	}
}

func TestOnResultStreamsInOrder(t *testing.T) {
	resetRec()
	var got []int
	out := Run(context.Background(), chunks(ch("A", nil, req("require", "B")), ch("B", nil)), Options{
		OnResult: func(r StateResult) { got = append(got, r.RunNum) },
	})
	if len(got) != 2 || got[0] != 0 || got[1] != 1 || out[0].ID != "B" {
		t.Errorf("streamed %v, out %v", got, out)
	}
}

func TestDurationMeasured(t *testing.T) {
	out := run(t, Options{}, ch("A", args("onlyif", "sleep 0.05")))
	if d := out["A"].Duration; d < 50*time.Millisecond {
		t.Errorf("duration %v does not include the checks", d)
	}
}

func BenchmarkRun1000(b *testing.B) {
	cs := make([]sls.Chunk, 1000)
	for i := range cs {
		id := "s" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + itoa(i)
		cs[i] = sls.Chunk{ID: id, Name: id, State: "fake", Fun: "noop", SLS: "bench", Order: i, Args: map[string]any{"a": 1, "b": "x"}}
		if i > 0 {
			cs[i].Requisites = []sls.Requisite{{Kind: "require", Module: "fake", Ref: cs[i-1].ID, Targets: []string{cs[i-1].Key()}}}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		out := Run(context.Background(), cs, Options{})
		if len(out) != 1000 || out[999].Result.Result != states.True {
			b.Fatalf("bad run: %d results", len(out))
		}
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

// TestRunNumGaps is Salt's __run_num__: every call of a state function
// takes the next number, so a state whose watch fired carries its
// mod_watch's number, and a retried state its last attempt's.
func TestRunNumGaps(t *testing.T) {
	retry := map[string]any{"attempts": 3, "interval": 0}
	resetRec()
	out := Run(context.Background(), chunks(
		ch("A", args("changed", true)),
		ch("B", nil, req("watch", "A")),
		ch("C", args("flaky", 2, "retry", retry)),
		ch("D", nil),
	), Options{})
	var got []string
	for _, r := range out {
		got = append(got, fmt.Sprintf("%s=%d", r.ID, r.RunNum))
	}
	if s := strings.Join(got, " "); s != "A=0 B=2 C=5 D=6" {
		t.Errorf("run numbers %s; want A=0 B=2 C=5 D=6", s)
	}
}

// TestSkipWatch: a state an onlyif, unless or creates check skipped
// carries Salt's skip_watch; one that ran does not.
func TestSkipWatch(t *testing.T) {
	got := run(t, Options{}, ch("A", args("onlyif", "false")), ch("B", args("unless", "false")))
	if !got["A"].SkipWatch || got["B"].SkipWatch {
		t.Errorf("SkipWatch A %v, B %v; want true, false", got["A"].SkipWatch, got["B"].SkipWatch)
	}
}

// TestFireEvent is what Salt's State.event gets of fire_event: True is
// the result's name, a string is itself, anything else is nothing; a
// listener keeps its state's.
func TestFireEvent(t *testing.T) {
	out := run(t, Options{},
		ch("A", args("fire_event", true)),
		ch("B", args("fire_event", "deploy/done")),
		ch("C", args("fire_event", false)),
		ch("D", args("fire_event", 1)),
		ch("E", args("fire_event", true, "fail", true), req("require", "A")),
		ch("L", args("fire_event", "heard"), req("listen", "T")),
		ch("T", args("changed", true)),
	)
	want := map[string]string{"A": "A", "B": "deploy/done", "C": "", "D": "", "E": "E", "L": "heard", "T": "", "listener_L": "heard"}
	for id, w := range want {
		if got := out[id].FireEvent; got != w {
			t.Errorf("%s: FireEvent %q; want %q", id, got, w)
		}
	}
}

// TestParallelMark is Salt's call_parallel: the result of a state with
// parallel: True whose function ran carries __parallel__, a state a check
// skipped or a requisite stopped does not.
func TestParallelMark(t *testing.T) {
	for _, test := range []bool{false, true} {
		out := run(t, Options{Test: test},
			ch("A", args("parallel", true)),
			ch("B", args("parallel", true, "onlyif", "false")),
			ch("C", args("fail", true)),
			ch("D", args("parallel", true), req("require", "C")),
			ch("E", nil),
		)
		want := map[string]bool{"A": true, "B": false, "C": false, "D": false, "E": false}
		for id, w := range want {
			if got := out[id].Parallel; got != w {
				t.Errorf("test=%v %s: Parallel %v; want %v", test, id, got, w)
			}
		}
	}
}
