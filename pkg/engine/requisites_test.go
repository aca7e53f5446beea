package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// The target's outcome in the matrix.
var targets = map[string]struct {
	args map[string]any
	test bool
}{
	"ok":      {args: map[string]any{}},
	"changed": {args: map[string]any{"changed": true}},
	"failed":  {args: map[string]any{"fail": true}},
	"none":    {args: map[string]any{"changed": true}, test: true}, // None under test
}

// want is what happens to the dependent state D.
type want struct {
	ran     bool   // D's module was called
	watched bool   // mod_watch was called for D
	result  string // D's result
	comment string // a substring of D's comment
}

var (
	ran       = want{ran: true, result: "True", comment: "D is in the correct state"}
	ranTest   = want{ran: true, result: "True", comment: "D is in the correct state"}
	reqFailed = want{result: "False", comment: "One or more requisite failed: t.T"}
	noChanges = want{result: "True", comment: cmtOnchanges}
	noFail    = want{result: "True", comment: cmtOnfail}
)

func TestRequisiteMatrix(t *testing.T) {
	watched := want{ran: true, watched: true, result: "True", comment: "D restarted"}
	watchedTest := want{ran: true, watched: true, result: "None", comment: "D would restart"}
	matrix := map[string]map[string]want{
		"require":       {"ok": ran, "changed": ran, "failed": reqFailed, "none": ranTest},
		"require_any":   {"ok": ran, "changed": ran, "failed": reqFailed, "none": ranTest},
		"watch":         {"ok": ran, "changed": watched, "failed": reqFailed, "none": watchedTest},
		"watch_any":     {"ok": ran, "changed": watched, "failed": reqFailed, "none": watchedTest},
		"onchanges":     {"ok": noChanges, "changed": ran, "failed": reqFailed, "none": ranTest},
		"onchanges_any": {"ok": noChanges, "changed": ran, "failed": reqFailed, "none": ranTest},
		// Salt: a None target is not a success, so onfail runs (in test).
		"onfail":     {"ok": noFail, "changed": noFail, "failed": ran, "none": ranTest},
		"onfail_any": {"ok": noFail, "changed": noFail, "failed": ran, "none": ranTest},
		"onfail_all": {"ok": noFail, "changed": noFail, "failed": ran, "none": ranTest},
	}
	for kind, row := range matrix {
		for tgt, w := range row {
			t.Run(kind+"/"+tgt, func(t *testing.T) {
				tc := targets[tgt]
				got := run(t, Options{Test: tc.test}, ch("T", tc.args), ch("D", nil, req(kind, "T")))
				d, ok := got["D"]
				if !ok {
					t.Fatalf("no result for D: %v", got)
				}
				c := calls()
				dTag := "D"
				if tc.test {
					dTag = "D(test)"
				}
				if gotRan := strings.Contains(" "+c+" ", " "+dTag+" "); gotRan != w.ran {
					t.Errorf("D ran = %v, want %v (calls %q)", gotRan, w.ran, c)
				}
				if gotW := strings.Contains(c, "watch:D"); gotW != w.watched {
					t.Errorf("mod_watch called = %v, want %v (calls %q)", gotW, w.watched, c)
				}
				if d.Result.Result.String() != w.result {
					t.Errorf("D result = %s, want %s (comment %q)", d.Result.Result, w.result, d.Comment)
				}
				if !strings.Contains(d.Comment, w.comment) {
					t.Errorf("D comment = %q, want it to contain %q", d.Comment, w.comment)
				}
			})
		}
	}
}

func TestRequisiteSeveralTargets(t *testing.T) {
	ok, chg, bad := map[string]any{}, map[string]any{"changed": true}, map[string]any{"fail": true}
	tests := []struct {
		kind     string
		a, b     map[string]any
		w        want
		failedIn string // for reqFailed: the failed targets listed
	}{
		{"require", bad, ok, reqFailed, "t.A"},
		{"require", bad, bad, reqFailed, "t.A, t.B"},
		{"require_any", bad, ok, ran, ""},
		{"require_any", bad, bad, reqFailed, "t.A, t.B"},
		{"onchanges", ok, chg, ran, ""},
		{"onchanges", ok, ok, noChanges, ""},
		{"onchanges", bad, chg, reqFailed, "t.A"},
		{"onchanges_any", bad, chg, ran, ""},
		{"onfail", ok, bad, ran, ""},
		{"onfail", ok, ok, noFail, ""},
		{"onfail_any", ok, bad, ran, ""},
		{"onfail_all", ok, bad, noFail, ""},
		{"onfail_all", bad, bad, ran, ""},
		{"watch_any", bad, chg, want{ran: true, watched: true, result: "True", comment: "D restarted"}, ""},
		{"watch", bad, chg, reqFailed, "t.A"},
	}
	for _, tc := range tests {
		got := run(t, Options{}, ch("A", tc.a), ch("B", tc.b), ch("D", nil, req(tc.kind, "A", "B")))
		d := got["D"]
		c := calls()
		name := tc.kind + " " + c
		if gotRan := strings.Contains(" "+c+" ", " D "); gotRan != tc.w.ran {
			t.Errorf("%s: D ran = %v, want %v", name, gotRan, tc.w.ran)
		}
		if gotW := strings.Contains(c, "watch:D"); gotW != tc.w.watched {
			t.Errorf("%s: watched = %v, want %v", name, gotW, tc.w.watched)
		}
		if d.Result.Result.String() != tc.w.result {
			t.Errorf("%s: result %s, want %s (%q)", name, d.Result.Result, tc.w.result, d.Comment)
		}
		wantC := tc.w.comment
		if tc.failedIn != "" {
			wantC = cmtFailed + tc.failedIn
		}
		if tc.failedIn != "" && d.Comment != wantC || !strings.Contains(d.Comment, wantC) {
			t.Errorf("%s: comment %q, want %q", name, d.Comment, wantC)
		}
	}
}

// TestSkippedMeetsNoAnyRequisite: a state an onchanges kept from running
// is True but did not run (Salt's __state_ran__: False), so it meets no
// require_any: with the other target failed, the requisite fails. A plain
// require of it alone is met, as in Salt.
func TestSkippedMeetsNoAnyRequisite(t *testing.T) {
	skipped := ch("S", nil, req("onchanges", "Q"))
	got := run(t, Options{}, ch("Q", nil), skipped, ch("B", args("fail", true)), ch("D", nil, req("require_any", "S", "B")))
	if d := got["D"]; d.Result.Result != states.False || d.Comment != cmtFailed+"t.B" {
		t.Errorf("D = %s %q; want False %q", d.Result.Result, d.Comment, cmtFailed+"t.B")
	}
	got = run(t, Options{}, ch("Q", nil), ch("S", nil, req("onchanges", "Q")), ch("D", nil, req("require", "S")))
	if d := got["D"]; d.Result.Result != states.True || !strings.Contains(calls(), "D") {
		t.Errorf("require of a skipped state: D = %s %q, calls %q; want it run", d.Result.Result, d.Comment, calls())
	}
}

func TestWatchWithoutModWatchIsRequire(t *testing.T) {
	d := ch("D", nil, req("watch", "T"))
	d.State = "fake2"
	got := run(t, Options{}, ch("T", args("changed", true)), d)
	if c := calls(); c != "T D" {
		t.Errorf("calls = %q, want %q", c, "T D")
	}
	if r := got["D"]; r.Result.Result != states.True || r.Comment != "D is in the correct state" {
		t.Errorf("D = %s %q", r.Result.Result, r.Comment)
	}
}

func TestWatchNotFiredWhenStateChanged(t *testing.T) {
	// The state's own change (a service just started) makes the restart
	// needless.
	run(t, Options{}, ch("T", args("changed", true)), ch("D", args("changed", true), req("watch", "T")))
	if c := calls(); c != "T D" {
		t.Errorf("changed watcher: calls = %q, want %q", c, "T D")
	}
	// A state that failed without changes is still watched, as Salt's
	// call_chunk does (a service that failed to start is restarted):
	// the mod_watch's result is the state's.
	got := run(t, Options{}, ch("T", args("changed", true)), ch("D", args("fail", true), req("watch", "T")))
	if c := calls(); c != "T D watch:D" {
		t.Errorf("failed watcher: calls = %q, want %q", c, "T D watch:D")
	}
	if got["D"].Result.Result != states.True || got["D"].Comment != "D restarted" {
		t.Errorf("failed watcher result = %s %q", got["D"].Result.Result, got["D"].Comment)
	}
}

func TestOrderWithRecursiveRequisites(t *testing.T) {
	// A needs B, B needs C; D is independent. Definition order A B C D.
	out := run(t, Options{},
		ch("A", nil, req("require", "B")),
		ch("B", nil, req("require", "C")),
		ch("C", nil),
		ch("D", nil),
	)
	if c := calls(); c != "C B A D" {
		t.Errorf("calls = %q, want %q", c, "C B A D")
	}
	for id, n := range map[string]int{"C": 0, "B": 1, "A": 2, "D": 3} {
		if out[id].RunNum != n {
			t.Errorf("%s RunNum = %d, want %d", id, out[id].RunNum, n)
		}
	}
}

func TestRecursiveRequisiteLoop(t *testing.T) {
	got := run(t, Options{}, ch("A", nil, req("require", "B")), ch("B", nil, req("require", "A")))
	if c := calls(); c != "" {
		t.Errorf("calls = %q, want none", c)
	}
	if b := got["B"]; b.Result.Result != states.False || !strings.HasPrefix(b.Comment, cmtRecursive) {
		t.Errorf("B = %s %q", b.Result.Result, b.Comment)
	}
	if a := got["A"]; a.Comment != cmtFailed+"t.B" {
		t.Errorf("A = %s %q", a.Result.Result, a.Comment)
	}
}

// TestRecursiveRequisiteLongLoop is Salt's call_chunk on a loop its
// verify_high leaves to the run: the state that closes the loop fails
// "Recursive requisite found", the others of the loop fail on it, in
// that order, and the rest of the run goes on. A state requiring itself
// fails the same way.
func TestRecursiveRequisiteLongLoop(t *testing.T) {
	out := Run(context.Background(), chunks(
		ch("A", nil, req("require", "B")),
		ch("B", nil, req("require", "C")),
		ch("C", nil, req("require", "A")),
		ch("S", nil, req("require", "S")),
		ch("D", nil),
	), Options{})
	var got []string
	for _, r := range out {
		got = append(got, r.ID+" "+r.Result.Result.String()+" "+r.Comment)
	}
	want := []string{
		"C False " + cmtRecursive,
		"B False " + cmtFailed + "t.C",
		"A False " + cmtFailed + "t.B",
		"S False " + cmtRecursive,
		"D True D is in the correct state",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMissingTargetAndUnknownKind(t *testing.T) {
	bad := req("require", "ghost")
	got := run(t, Options{}, ch("A", nil, bad), ch("B", nil, req("use", "A")))
	if c := calls(); c != "" {
		t.Errorf("calls = %q, want none", c)
	}
	if a := got["A"]; a.Result.Result != states.False || !strings.Contains(a.Comment, "is not in this run") || !strings.Contains(a.Comment, `state "A" in t.sls:1`) {
		t.Errorf("A = %s %q", a.Result.Result, a.Comment)
	}
	if b := got["B"]; b.Result.Result != states.False || !strings.Contains(b.Comment, `unknown requisite "use"`) {
		t.Errorf("B = %s %q", b.Result.Result, b.Comment)
	}
}

func TestPrereq(t *testing.T) {
	chg := map[string]any{"changed": true}
	tests := []struct {
		name   string
		test   bool
		a, t   map[string]any
		tFirst bool // T is defined before A
		calls  string
		aRes   string
		aCmt   string
		tRes   string
		tCmt   string
		order  string // IDs by RunNum
	}{
		{name: "target would change", a: nil, t: chg, calls: "T(test) A T", aRes: "True", aCmt: "A is in the correct state", tRes: "True", tCmt: "T changed", order: "A T"},
		{name: "target defined first", a: nil, t: chg, tFirst: true, calls: "T(test) A T", aRes: "True", aCmt: "A is in the correct state", tRes: "True", tCmt: "T changed", order: "A T"},
		{name: "target in correct state", a: nil, t: nil, calls: "T(test) T", aRes: "True", aCmt: cmtPre, tRes: "True", tCmt: "T is in the correct state", order: "A T"},
		// Salt's call_chunk shows the target's test run ("tag in self.pre"),
		// its None and comment, without the changes (none was made).
		{name: "prereq state fails", a: map[string]any{"fail": true}, t: chg, calls: "T(test) A", aRes: "False", aCmt: "A failed", tRes: "None", tCmt: "T would change", order: "A T"},
		{name: "target test run fails", a: nil, t: map[string]any{"fail": true}, calls: "T(test)", aRes: "False", aCmt: cmtFailed + "t.T", tRes: "False", tCmt: "T failed", order: "A T"},
		{name: "test mode", test: true, a: nil, t: chg, calls: "T(test) A(test) T(test)", aRes: "True", aCmt: "A is in the correct state", tRes: "None", tCmt: "T would change", order: "A T"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := ch("A", tc.a, req("prereq", "T"))
			tg := ch("T", tc.t)
			cs := []any{a, tg}
			_ = cs
			var out map[string]StateResult
			if tc.tFirst {
				out = run(t, Options{Test: tc.test}, tg, a)
			} else {
				out = run(t, Options{Test: tc.test}, a, tg)
			}
			if c := calls(); c != tc.calls {
				t.Errorf("calls = %q, want %q", c, tc.calls)
			}
			if r := out["A"]; r.Result.Result.String() != tc.aRes || r.Comment != tc.aCmt {
				t.Errorf("A = %s %q, want %s %q", r.Result.Result, r.Comment, tc.aRes, tc.aCmt)
			}
			if r := out["T"]; r.Result.Result.String() != tc.tRes || r.Comment != tc.tCmt {
				t.Errorf("T = %s %q, want %s %q", r.Result.Result, r.Comment, tc.tRes, tc.tCmt)
			}
			if (tc.tRes == "False" || tc.name == "prereq state fails") && len(out["T"].Changes) != 0 {
				t.Errorf("T changes = %v, want none: nothing was changed", out["T"].Changes)
			}
			byNum := make([]string, len(out))
			for id, r := range out {
				byNum[r.RunNum] = id
			}
			if got := strings.Join(byNum, " "); got != tc.order {
				t.Errorf("run order = %q, want %q", got, tc.order)
			}
		})
	}
}

func TestListen(t *testing.T) {
	// D listens to T: D runs in order (before T here), and its mod_watch
	// runs once at the end because T changed. E listens to a clean state.
	resetRec()
	out := Run(context.Background(), chunks(
		ch("D", nil, req("listen", "T")),
		ch("E", nil, req("listen", "C")),
		ch("T", args("changed", true)),
		ch("C", nil),
	), Options{})
	if c := calls(); c != "D E T C watch:D" {
		t.Errorf("calls = %q", c)
	}
	last := out[len(out)-1]
	if len(out) != 5 || last.ID != "listener_D" || last.Func != "fake.mod_watch" || last.Key != "fake_|-listener_D_|-D_|-mod_watch" || last.RunNum != 4 || last.Comment != "D restarted" {
		t.Errorf("listener result = %+v", last)
	}
	resetRec()
	d := ch("D", nil, req("listen", "T"))
	d.State = "fake2"
	out = Run(context.Background(), chunks(d, ch("T", args("changed", true))), Options{Test: true})
	if last := out[len(out)-1]; last.ID != "listener_D" || last.Result.Result != states.False || last.Comment != "State 'fake2.mod_watch' was not found in SLS 't'\nReason: 'fake2.mod_watch' is not available.\n" {
		t.Errorf("listener without mod_watch = %+v", last)
	}
}

// A listener's own unless (or onlyif, creates) holds for its mod_watch
// too: Salt's call_listen keeps them, and call() checks them first.
func TestListenerChecks(t *testing.T) {
	resetRec()
	out := Run(context.Background(), chunks(
		ch("D", args("unless", "true"), req("listen", "T")),
		ch("T", args("changed", true)),
	), Options{})
	if c := calls(); c != "T" {
		t.Errorf("calls = %q; want T only (D and its mod_watch skipped by unless)", c)
	}
	if last := out[len(out)-1]; last.ID != "listener_D" || last.Result.Result != states.True || last.Comment != "unless condition is true" {
		t.Errorf("listener = %+v", last)
	}
}

// A requisite the compiler could not match fails only its own state, in
// Salt's words, and the run goes on.
func TestRequisiteNotFound(t *testing.T) {
	lost := func(kind, module, ref string) sls.Requisite {
		return sls.Requisite{Kind: kind, Module: module, Ref: ref, Targets: []string{"(not found: t.sls:3: no state declares it)"}}
	}
	pad := func(n int) string { return strings.Repeat(" ", n) }
	tests := []struct {
		name    string
		state   string // module of A
		reqs    []sls.Requisite
		comment string
	}{
		{"one require", "fake", []sls.Requisite{lost("require", "file", "nothere")},
			"The following requisites were not found:\n" + pad(19) + "require:\n" + pad(23) + "file: nothere\n"},
		{"kinds in Salt's order, a bare ID as id", "fake", []sls.Requisite{lost("onchanges", "id", "x"), lost("require", "file", "a"), req("watch", "B"), lost("watch", "pkg", "b"), lost("require", "sls", "web")},
			"The following requisites were not found:\n" + pad(19) + "require:\n" + pad(23) + "file: a\n" + pad(23) + "sls: web\n" +
				pad(19) + "watch:\n" + pad(23) + "pkg: b\n" + pad(19) + "onchanges:\n" + pad(23) + "id: x\n"},
		// fake2 has no mod_watch: Salt has made its watch a require.
		{"a watch without mod_watch is a require", "fake2", []sls.Requisite{lost("watch", "file", "a")},
			"The following requisites were not found:\n" + pad(19) + "require:\n" + pad(23) + "file: a\n"},
		// call_chunk does not look for onfail_all: it recurses to its limit.
		{"onfail_all", "fake", []sls.Requisite{lost("onfail_all", "file", "a")}, "Recursive requisite found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := ch("A", nil, tc.reqs...)
			a.State = tc.state
			res := Run(context.Background(), chunks(a, ch("B", nil)), Options{Env: &states.Env{}})
			byID := map[string]StateResult{}
			for _, r := range res {
				byID[r.ID] = r
			}
			if got := byID["A"]; got.Result.Result != states.False || got.Comment != tc.comment {
				t.Errorf("A = %v %q; want False %q", got.Result.Result, got.Comment, tc.comment)
			}
			if got := byID["B"]; got.Result.Result != states.True {
				t.Errorf("B = %v %q; want the run to go on", got.Result.Result, got.Comment)
			}
		})
	}
}

// TestListenNotFound is Salt's call_listen: a listen (or a listen_in
// whose state changed) naming a state that does not exist is an error
// result of its own after the listeners; the state itself runs. A bare
// ID that names nothing is passed over.
func TestListenNotFound(t *testing.T) {
	lost := func(kind, module, ref string) sls.Requisite {
		return sls.Requisite{Kind: kind, Module: module, Ref: ref, Targets: []string{"(not found: t.sls:3: no state declares it)"}}
	}
	out := Run(context.Background(), chunks(
		ch("A", args("changed", true), lost("listen_in", "service", "nginx")),
		ch("B", nil, lost("listen", "fake", "nosuch"), lost("listen", "id", "bare")),
		ch("C", nil, lost("listen_in", "service", "unchanged")),
		ch("D", nil, req("listen", "A")),
	), Options{Env: &states.Env{}})
	var got []string
	for _, r := range out {
		got = append(got, fmt.Sprintf("%d %s %v %s %q", r.RunNum, r.Key, r.Result.Result, r.Result.Name, r.Comment))
	}
	want := []string{
		`0 fake_|-A_|-A_|-set True A "A changed"`,
		`1 fake_|-B_|-B_|-set True B "B is in the correct state"`,
		`2 fake_|-C_|-C_|-set True C "C is in the correct state"`,
		`3 fake_|-D_|-D_|-set True D "D is in the correct state"`,
		`4 fake_|-listener_D_|-D_|-mod_watch True D "D restarted"`,
		`5 Listen_Error_|-listen_nginx_|-listen_service_|-Listen_Error False listen_service:nginx "Referenced state service: nginx does not exist"`,
		`6 Listen_Error_|-listen_nosuch_|-listen_fake_|-Listen_Error False listen_fake:nosuch "Referenced state fake: nosuch does not exist"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A mod_watch learns which watched states changed: Salt's test.mod_watch
// lists them as "Requisites with changes".
func TestModWatchSeesChangedTargets(t *testing.T) {
	chunks := []sls.Chunk{
		{ID: "A", Name: "A", State: "test", Fun: "succeed_with_changes", SLS: "t"},
		{ID: "Q", Name: "Q", State: "test", Fun: "succeed_without_changes", SLS: "t"},
		{ID: "W", Name: "W", State: "test", Fun: "succeed_without_changes", SLS: "t",
			Requisites: []sls.Requisite{{Kind: "watch", Module: "test", Ref: "A", Targets: []string{"test_|-A_|-A_|-succeed_with_changes"}},
				{Kind: "watch", Module: "test", Ref: "Q", Targets: []string{"test_|-Q_|-Q_|-succeed_without_changes"}}}},
	}
	res := Run(context.Background(), chunks, Options{Env: &states.Env{}})
	w := res[2]
	got, _ := w.Changes["Requisites with changes"].([]string)
	if w.Result.Result != states.True || len(got) != 1 || got[0] != "test: A" {
		t.Fatalf("W = %v %q %v; want its mod_watch to name test: A only", w.Result.Result, w.Comment, w.Changes)
	}
}

// A listener's mod_watch is told of no changed state: Salt's call_listen
// strips its requisites, and test.mod_watch lists none.
func TestListenerModWatchSeesNoRequisites(t *testing.T) {
	chunks := []sls.Chunk{
		{ID: "A", Name: "A", State: "test", Fun: "succeed_with_changes", SLS: "t"},
		{ID: "L", Name: "L", State: "test", Fun: "succeed_without_changes", SLS: "t",
			Requisites: []sls.Requisite{{Kind: "listen", Module: "test", Ref: "A", Targets: []string{"test_|-A_|-A_|-succeed_with_changes"}}}},
	}
	res := Run(context.Background(), chunks, Options{Env: &states.Env{}})
	last := res[len(res)-1]
	got, ok := last.Changes["Requisites with changes"].([]string)
	if last.ID != "listener_L" || !ok || len(got) != 0 {
		t.Fatalf("%s = %v; want listener_L with no requisites with changes", last.ID, last.Changes)
	}
}

// A state is told the names of the states it requires: file.blockreplace
// takes only the accumulators its require_in names (turned around into
// its require).
func TestRequiredNamesReachTheState(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/hosts"), []byte("# A\n# /A\n# B\n# /B\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	acc := func(id, text string) sls.Chunk {
		return sls.Chunk{ID: id, Name: id, State: "file", Fun: "accumulated", SLS: "t",
			Args: map[string]any{"filename": "/etc/hosts", "text": text}}
	}
	block := func(id, start, end, need string) sls.Chunk {
		return sls.Chunk{ID: id, Name: "/etc/hosts", State: "file", Fun: "blockreplace", SLS: "t",
			Args:       map[string]any{"marker_start": start, "marker_end": end, "content": ""},
			Requisites: []sls.Requisite{{Kind: "require", Module: "file", Ref: need, Targets: []string{"file_|-" + need + "_|-" + need + "_|-accumulated"}}}}
	}
	res := Run(context.Background(), []sls.Chunk{acc("for_a", "line for A"), acc("for_b", "line for B"),
		block("block_a", "# A", "# /A", "for_a"), block("block_b", "# B", "# /B", "for_b")},
		Options{Root: root, Env: &states.Env{}})
	for _, r := range res {
		if r.Result.Result != states.True {
			t.Fatalf("%s = %v %q", r.ID, r.Result.Result, r.Comment)
		}
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/hosts"))
	if want := "# A\nline for A\n# /A\n# B\nline for B\n# /B\n"; string(b) != want {
		t.Errorf("hosts = %q; want %q", b, want)
	}
}

// TestStateRanMarksSkips: a state an onchanges or onfail kept from
// running is marked as Salt's __state_ran__: False; others are not.
func TestStateRanMarksSkips(t *testing.T) {
	got := run(t, Options{}, ch("T", nil), ch("A", nil, req("onchanges", "T")), ch("B", nil, req("onfail", "T")), ch("C", nil, req("require", "T")))
	for id, want := range map[string]bool{"T": false, "A": true, "B": true, "C": false} {
		if got[id].NotRun != want {
			t.Errorf("%s: NotRun = %v; want %v (%q)", id, got[id].NotRun, want, got[id].Comment)
		}
	}
}

// TestOnfailStop is Salt's check_result with check_onfail_requisites: a
// failure that an `onfail_stop: False` handler names (module: ID) and
// that handler then succeeded does not fail the run.
func TestOnfailStop(t *testing.T) {
	stop := func(v any, extra ...any) map[string]any { return args(append([]any{"onfail_stop", v}, extra...)...) }
	for _, c := range []struct {
		name   string
		cs     []sls.Chunk
		failed bool
	}{
		{"no handler", []sls.Chunk{ch("F", args("fail", true))}, true},
		{"handler without onfail_stop", []sls.Chunk{ch("F", args("fail", true)), ch("H", nil, req("onfail", "F"))}, true},
		{"onfail_stop True", []sls.Chunk{ch("F", args("fail", true)), ch("H", stop(true), req("onfail", "F"))}, true},
		{"handled", []sls.Chunk{ch("F", args("fail", true)), ch("H", stop(false), req("onfail", "F"))}, false},
		{"the handler failed", []sls.Chunk{ch("F", args("fail", true)), ch("H", stop(false, "fail", true), req("onfail", "F"))}, true},
		{"onfail_any is not looked at", []sls.Chunk{ch("F", args("fail", true)), ch("H", stop(false), req("onfail_any", "F"))}, true},
		{"another failure stands", []sls.Chunk{ch("F", args("fail", true)), ch("G", args("fail", true)), ch("H", stop(false), req("onfail", "F"))}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			resetRec()
			out := Run(context.Background(), chunks(c.cs...), Options{})
			if got := Failed(out); got != c.failed {
				t.Errorf("Failed = %v; want %v (%v)", got, c.failed, out)
			}
		})
	}
	// The last handler decides for F (H1's own failure still fails the run).
	out := Run(context.Background(), chunks(ch("F", args("fail", true)),
		ch("H1", stop(false, "fail", true), req("onfail", "F")), ch("H2", stop(false), req("onfail", "F"))), Options{})
	if !out[0].Handled || out[1].Handled || !Failed(out) {
		t.Errorf("two handlers: F handled %v, H1 handled %v, Failed %v; want true, false, true", out[0].Handled, out[1].Handled, Failed(out))
	}
	// By name, not ID: Salt compares the requisite as written with the ID.
	f := ch("F", args("fail", true))
	f.Name = "/x"
	h := ch("H", stop(false))
	h.Requisites = []sls.Requisite{{Kind: "onfail", Module: "fake", Ref: "/x", Targets: []string{states.Key("fake.set", "F", "/x")}}}
	if out := Run(context.Background(), chunks(f, h), Options{}); !Failed(out) || out[1].Result.Result != states.True {
		t.Errorf("a handler naming the state by name: Failed = false or handler did not run: %v", out)
	}
	// Under test the handler's None does not handle the failure.
	if out := Run(context.Background(), chunks(ch("F", args("fail", true)), ch("H", stop(false, "changed", true), req("onfail", "F"))), Options{Test: true}); !Failed(out) {
		t.Errorf("test run: Failed = false; want true")
	}
}

// TestListenAfterFailhard: Salt's call_high runs call_listen after a
// failhard stop too, for the listeners whose targets changed, run or not.
func TestListenAfterFailhard(t *testing.T) {
	resetRec()
	out := Run(context.Background(), chunks(
		ch("T", args("changed", true)),
		ch("F", args("fail", true, "failhard", true)),
		ch("D", nil, req("listen", "T")),
	), Options{})
	if c := calls(); c != "T F watch:D" {
		t.Errorf("calls = %q; want T F watch:D", c)
	}
	if last := out[len(out)-1]; len(out) != 3 || last.ID != "listener_D" || last.Comment != "D restarted" {
		t.Errorf("results = %+v", out)
	}
}

// TestWatchAnyChanges: the watch action is told only of the changed
// targets of plain watch, as Salt's test.mod_watch reads __reqs__["watch"]
// (watch_any's are kept apart there).
func TestWatchAnyChanges(t *testing.T) {
	resetRec()
	watchSeen = nil
	w := func(id string, r sls.Requisite) sls.Chunk {
		c := ch(id, nil, r)
		c.State = "fake3"
		return c
	}
	Run(context.Background(), chunks(ch("T", args("changed", true)), w("A", req("watch_any", "T")), w("B", req("watch", "T"))), Options{})
	if seen := watchSeen; len(seen) != 2 || len(seen[0]) != 0 || len(seen[1]) != 1 || seen[1][0] != "fake: T" {
		t.Errorf("watch changes = %q; want [] then [fake: T]", seen)
	}
}

// TestListenOrder is Salt's call_listen order: listeners fire in the
// order of the requisites that name them, a listen where its state
// stands, a listen_in where the state that wrote it stands; a listener
// fired twice runs once, at its first place.
func TestListenOrder(t *testing.T) {
	in := func(id string) sls.Requisite {
		r := req("listen", id)
		r.In = true
		return r
	}
	out := Run(context.Background(), chunks(
		ch("svcA", nil, in("confA")),
		ch("svcB", nil, in("confB")),
		ch("svcC", nil, req("listen", "confA")),
		ch("confB", args("changed", true)),
		ch("confA", args("changed", true)),
		ch("svcD", nil, in("confB"), req("listen", "confA")),
	), Options{})
	var got []string
	for _, r := range out {
		got = append(got, fmt.Sprintf("%d:%s", r.RunNum, r.ID))
	}
	want := "0:svcA 1:svcB 2:svcC 3:confB 4:confA 5:svcD 6:listener_svcC 7:listener_svcB 8:listener_svcD 9:listener_svcA"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("run order\n%s\nwant\n%s", g, want)
	}
}

// TestRecursiveStopsAtFirstActive is Salt's call_chunk: a state whose
// requisites name a state already on the stack (itself, through `- sls:`
// of its own SLS or a glob) fails "Recursive requisite found" there; the
// targets after it run in their turn, not ahead of it.
func TestRecursiveStopsAtFirstActive(t *testing.T) {
	own := sls.Requisite{Kind: "require", Module: "sls", Ref: "t"}
	for _, id := range []string{"S1", "S2", "S3"} {
		own.Targets = append(own.Targets, states.Key("fake.set", id, id))
	}
	out := Run(context.Background(), chunks(ch("S1", nil), ch("S2", nil, own), ch("S3", nil), ch("S4", nil, req("require", "S2"))), Options{})
	var got []string
	for _, r := range out {
		got = append(got, fmt.Sprintf("%d:%s:%s:%s", r.RunNum, r.ID, r.Result.Result, r.Comment))
	}
	want := "0:S1:True:S1 is in the correct state 1:S2:False:Recursive requisite found 2:S3:True:S3 is in the correct state 3:S4:False:One or more requisite failed: t.S2"
	if g := strings.Join(got, " "); g != want {
		t.Errorf("got\n%s\nwant\n%s", g, want)
	}
}
