package output

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func at(h, m, s, us int) time.Time { return time.Date(2026, 11, 22, h, m, s, us*1000, time.UTC) }

func ms(f float64) time.Duration { return time.Duration(f * float64(time.Millisecond)) }

func sr(runNum int, fun, id, name, sls string, out states.Outcome, comment string, changes map[string]any, start time.Time, dur time.Duration) engine.StateResult {
	return engine.StateResult{
		Key: states.Key(fun, id, name), ID: id, Name: name, Func: fun, SLS: sls, RunNum: runNum,
		Result: states.Result{Name: name, Result: out, Comment: comment, Changes: changes},
		Start:  start, Duration: dur,
	}
}

// sample is the run behind SALT-NOTES.md's measured highstate output.
func sample() []engine.StateResult {
	return []engine.StateResult{
		sr(0, "file.managed", "sample_file", "/tmp/x/sample.conf", "sample", states.True, "File /tmp/x/sample.conf updated",
			map[string]any{"diff": "New file", "mode": "0644"}, at(5, 31, 39, 976036), ms(41.329)),
		sr(1, "cmd.run", "sample_run", "echo hi", "sample", states.True, `Command "echo hi" run`,
			map[string]any{"pid": 4242, "retcode": 0, "stdout": "hi", "stderr": ""}, at(5, 31, 40, 17400), ms(12)),
		sr(2, "cmd.run", "sample_fail", "false", "sample", states.False, `Command "false" run`,
			map[string]any{"pid": 4243, "retcode": 1, "stdout": "", "stderr": ""}, at(5, 31, 40, 29500), ms(1.958)),
		sr(3, "file.managed", "sample_dep", "/tmp/x/dep.conf", "sample", states.False, "One or more requisite failed: sample.sample_fail",
			map[string]any{}, at(5, 31, 40, 32282), ms(0.004)),
	}
}

// mixed has every kind of result, out of run order, with a multi-line
// comment, a diff, nested changes and a state whose ID is its name.
func mixed() []engine.StateResult {
	diff := "--- \n+++ \n@@ -1 +1 @@\n-old\n+new\n"
	return []engine.StateResult{
		sr(3, "service.running", "nginx", "nginx", "web", states.True, "Service restarted",
			map[string]any{"nginx": true}, at(10, 0, 1, 500000), ms(812.25)),
		sr(0, "pkg.installed", "web_pkgs", "web_pkgs", "web", states.True, "All specified packages are already installed",
			map[string]any{}, at(10, 0, 0, 0), ms(3.5)),
		sr(1, "file.managed", "nginx_conf", "/etc/nginx/nginx.conf", "web", states.True, "File /etc/nginx/nginx.conf updated",
			map[string]any{"diff": diff, "mode": "0644", "user": map[string]any{"old": "root", "new": "www-data"}, "groups": []any{"a", []any{"b", "c"}, map[string]any{"k": 1.5}}}, at(10, 0, 0, 3600), ms(10.001)),
		sr(2, "mount.mounted", "data", "/srv/data", "web", states.False, "mount: /srv/data: special device /dev/sdz does not exist.\nSee dmesg.",
			map[string]any{}, at(10, 0, 0, 14000), ms(200)),
		sr(4, "sysctl.present", "swappiness", "vm.swappiness", "web", states.True, "Sysctl value vm.swappiness = 10 is already set",
			nil, at(10, 0, 2, 312999), ms(0.5)),
	}
}

// testRun is a test=True run: would-change states are None.
func testRun() []engine.StateResult {
	return []engine.StateResult{
		sr(0, "file.managed", "a", "/etc/a", "t", states.None, "The file /etc/a is set to be changed\nNote: No changes made, actual changes may be different due to other states.",
			map[string]any{"newfile": "/etc/a"}, at(1, 2, 3, 4), ms(1)),
		sr(1, "file.managed", "b", "/etc/b", "t", states.True, "File /etc/b is in the correct state", map[string]any{}, at(1, 2, 3, 5), ms(1)),
		sr(2, "service.running", "c", "c", "t", states.None, "Service c is set to be restarted", map[string]any{}, at(1, 2, 3, 6), ms(1)),
		sr(3, "pkg.installed", "d", "d", "t", states.False, "Package d is not available", map[string]any{}, at(1, 2, 3, 7), ms(1)),
	}
}

// warned is a run whose states carry warnings: a clean state, a changed
// one whose warnings wrap past 80 columns, a failed one whose warning
// holds a terminal escape and a tab, and a clean one without.
func warned() []engine.StateResult {
	rs := []engine.StateResult{
		sr(0, "file.managed", "motd", "/etc/motd", "base", states.True, "File /etc/motd is in the correct state",
			map[string]any{}, at(10, 0, 0, 0), ms(1.5)),
		sr(1, "file.managed", "nginx_conf", "/etc/nginx/nginx.conf", "web", states.True, "File /etc/nginx/nginx.conf updated",
			map[string]any{"mode": "0644"}, at(10, 0, 0, 1500), ms(10)),
		sr(2, "service.running", "nginx", "nginx", "web", states.False, "Service nginx failed to start",
			map[string]any{}, at(10, 0, 0, 11500), ms(200)),
		sr(3, "pkg.installed", "curl", "curl", "base", states.True, "All specified packages are already installed",
			map[string]any{}, at(10, 0, 0, 211500), ms(3)),
	}
	rs[0].Warnings = []string{"The following arguments are not used by file.managed: colour"}
	rs[1].Warnings = []string{
		"The following arguments are not used by file.managed: backup-mode, user_name, template-vars, the-quick-brown-fox-jumps-over-the-lazy-dog",
		"The following arguments are not used by file.managed: listen_port",
	}
	rs[2].Warnings = []string{"The following arguments are not used by service.running: \x1b]0;pwned\x07reload\ttimeout"}
	return rs
}

func render(t *testing.T, minion string, ret any, o Options) string {
	t.Helper()
	var b bytes.Buffer
	if err := Print(&b, minion, ret, o); err != nil {
		t.Fatalf("Print: %v", err)
	}
	return b.String()
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestSaltSample(t *testing.T) {
	want, err := os.ReadFile("testdata/salt_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := render(t, "m001", sample(), Options{}); got != string(want) {
		t.Errorf("highstate does not match Salt's sample:\n--- got\n%s\n--- want\n%s", got, want)
	}
}

func TestGolden(t *testing.T) {
	ping := true
	grains := map[string]any{
		"os": "Debian", "osrelease": "12", "num_cpus": 2, "mem_total": 1983.5,
		"ipv4": []string{"10.0.0.5", "127.0.0.1"}, "biosversion": nil,
		"locale_info": map[string]any{"defaultencoding": "UTF-8", "timezone": "UTC"},
		"motd":        "line one\nline two",
	}
	tests := []struct {
		name   string
		minion string
		ret    any
		o      Options
	}{
		{"full", "web1", mixed(), Options{}},
		{"full_color", "web1", mixed(), Options{Color: true}},
		{"terse", "web1", mixed(), Options{StateOutput: "terse"}},
		{"terse_color", "web1", mixed(), Options{StateOutput: "terse", Color: true}},
		{"mixed", "web1", mixed(), Options{StateOutput: "mixed"}},
		{"changes", "web1", mixed(), Options{StateOutput: "changes"}},
		{"full_id", "web1", mixed(), Options{StateOutput: "full_id"}},
		{"terse_id", "web1", mixed(), Options{StateOutput: "terse_id"}},
		{"hide_clean", "web1", mixed(), Options{HideClean: true}},
		{"warnings_full", "web1", warned(), Options{}},
		{"warnings_full_color", "web1", warned(), Options{Color: true}},
		{"warnings_terse", "web1", warned(), Options{StateOutput: "terse"}},
		{"warnings_terse_color", "web1", warned(), Options{StateOutput: "terse", Color: true}},
		{"warnings_mixed", "web1", warned(), Options{StateOutput: "mixed"}},
		{"warnings_changes", "web1", warned(), Options{StateOutput: "changes"}},
		{"warnings_hide_clean", "web1", warned(), Options{HideClean: true}},
		{"json_warnings", "web1", warned(), Options{Out: OutJSON}},
		{"test_full", "m1", testRun(), Options{Test: true}},
		{"test_color", "m1", testRun(), Options{Test: true, Color: true}},
		{"empty_run", "m1", []engine.StateResult{}, Options{}},
		{"compile_error", "m001", CompileErrors{"Rendering SLS 'base:web' failed: Jinja variable 'pillar' is undefined; line 3", "SLS 'db' is not available"}, Options{}},
		{"compile_error_color", "m001", CompileErrors{"Rendering SLS 'base:web' failed"}, Options{Color: true}},
		{"compile_error_list", "m001", []any{"No Top file or master_tops data matches found."}, Options{Out: OutHighstate}},
		{"nested_ping", "m001", ping, Options{}},
		{"nested_grains", "m001", grains, Options{}},
		{"nested_grains_color", "m001", grains, Options{Color: true}},
		{"nested_states", "web1", mixed(), Options{Out: OutNested}},
		{"json_states", "web1", mixed(), Options{Out: OutJSON}},
		{"json_ping", "m001", ping, Options{Out: OutJSON}},
		{"json_grains", "m001", grains, Options{Out: OutJSON}},
		{"json_compile_error", "m001", CompileErrors{"SLS 'db' is not available"}, Options{Out: OutJSON}},
		{"yaml_states", "web1", mixed(), Options{Out: OutYAML}},
		{"yaml_grains", "m001", grains, Options{Out: OutYAML}},
		{"raw_ping", "m001", ping, Options{Out: OutRaw}},
		{"raw_grains", "m001", grains, Options{Out: OutRaw}},
		{"raw_states", "m1", testRun(), Options{Out: OutRaw}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.minion, tc.ret, tc.o)
			golden(t, tc.name, got)
			// Idempotent: printing again gives the same text (no state
			// is kept between calls, maps print in a fixed order).
			if again := render(t, tc.minion, tc.ret, tc.o); again != got {
				t.Errorf("second print differs")
			}
		})
	}
}

func TestQuiet(t *testing.T) {
	if got := render(t, "m1", mixed(), Options{Out: OutQuiet}); got != "" {
		t.Errorf("quiet printed %q", got)
	}
}

func TestUnknownOutputter(t *testing.T) {
	err := Print(&bytes.Buffer{}, "m1", true, Options{Out: "xml"})
	if err == nil || !strings.Contains(err.Error(), `unknown outputter "xml"`) {
		t.Errorf("err = %v", err)
	}
}

func TestPrinterStreamsAndStatic(t *testing.T) {
	var b bytes.Buffer
	p := NewPrinter(&b, Options{Out: OutJSON})
	if err := p.Print("b", true); err != nil {
		t.Fatal(err)
	}
	if b.String() != "{\n    \"b\": true\n}\n" {
		t.Errorf("streamed json = %q", b.String())
	}
	p.Print("a", false)
	p.Flush()
	if strings.Count(b.String(), "{\n") != 2 {
		t.Errorf("want one document per minion, got %q", b.String())
	}

	b.Reset()
	p = NewPrinter(&b, Options{Out: OutJSON, Static: true})
	p.Print("b", true)
	p.Print("a", sample()[:1])
	if b.Len() != 0 {
		t.Errorf("static printed before Flush: %q", b.String())
	}
	if err := p.Flush(); err != nil {
		t.Fatal(err)
	}
	golden(t, "json_static", b.String())
}

func TestSummaryCounts(t *testing.T) {
	// 3 would change (two None, one None without changes), 2 clean, 1 failed.
	var rs []engine.StateResult
	outs := []states.Outcome{states.None, states.True, states.None, states.False, states.True, states.None}
	for i, o := range outs {
		ch := map[string]any{}
		if o == states.None && i != 5 {
			ch["x"] = 1
		}
		rs = append(rs, sr(i, "file.managed", "s"+string(rune('a'+i)), "n", "t", o, "", ch, at(1, 0, 0, 1), ms(1)))
	}
	got := render(t, "m", rs, Options{Test: true, StateOutput: "terse"})
	for _, want := range []string{"Succeeded: 5 (unchanged=2, changed=3)\n", "Failed:    1\n", "Total states run:     6\n", "Total run time:   6.000 ms\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("summary lacks %q:\n%s", want, got)
		}
	}
	// Over a second the total is in seconds; wide counts widen the block.
	rs = nil
	for i := range 120 {
		rs = append(rs, sr(i, "file.managed", "s"+strings.Repeat("x", i), "n", "t", states.True, "", nil, at(1, 0, 0, 1), ms(10)))
	}
	got = render(t, "m", rs, Options{HideClean: true})
	want := "m:\n\nSummary for m\n--------------\nSucceeded: 120\nFailed:      0\n--------------\nTotal states run:     120\nTotal run time:     1.200 s\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestSummaryWarnings(t *testing.T) {
	// Salt's block: Warnings after Failed, in light red, not a state of
	// its own in Total states run.
	got := render(t, "web1", warned(), Options{})
	want := "\nSummary for web1\n------------\nSucceeded: 3 (changed=1)\nFailed:    1\nWarnings:  3\n------------\nTotal states run:     4\n"
	if !strings.Contains(got, want) {
		t.Errorf("summary:\n%s\nwant it to hold\n%s", got, want)
	}
	if got := render(t, "web1", warned(), Options{Color: true}); !strings.Contains(got, "\x1b[1;31mWarnings:  3\x1b[0m\n") {
		t.Errorf("Warnings line not in light red:\n%q", got)
	}
	// No line when no state has warnings, nor when those that have
	// print terse: Salt counts them where it prints them in full.
	if got := render(t, "web1", mixed(), Options{}); strings.Contains(got, "Warnings") {
		t.Errorf("a run without warnings shows some:\n%s", got)
	}
	if got := render(t, "web1", warned(), Options{StateOutput: "terse"}); strings.Contains(got, "Warnings: ") {
		t.Errorf("terse counts warnings:\n%s", got)
	}
	// The count widens the block as Salt's does (it is one of rcounts):
	// 6 succeeded and 5 failed, each with a warning.
	var rs []engine.StateResult
	for i := range 11 {
		out := states.True
		if i >= 6 {
			out = states.False
		}
		r := sr(i, "file.managed", "s"+strings.Repeat("x", i), "n", "t", out, "", nil, at(1, 0, 0, 1), ms(1))
		r.Warnings = []string{"w"}
		rs = append(rs, r)
	}
	got = render(t, "m", rs, Options{})
	want = "Succeeded:  6\nFailed:     5\nWarnings:  11\n-------------\nTotal states run:     11\n"
	if !strings.Contains(got, want) {
		t.Errorf("wide summary:\n%s\nwant it to hold\n%s", got, want)
	}
}

func TestSaltShapeWarnings(t *testing.T) {
	js := JSON(OrderedMap{{"web1", SaltShape(warned())}})
	var decoded map[string]any
	if err := json.Unmarshal([]byte(js), &decoded); err != nil {
		t.Fatalf("our JSON does not parse: %v\n%s", err, js)
	}
	back, ok := States(decoded["web1"])
	if !ok {
		t.Fatal("decoded return not seen as states")
	}
	for i, r := range warned() {
		if !reflect.DeepEqual(back[i].Warnings, r.Warnings) {
			t.Errorf("state %d: warnings after a round trip = %q; want %q", i, back[i].Warnings, r.Warnings)
		}
	}
	for _, o := range []Options{{}, {StateOutput: "terse"}, {Color: true}} {
		if got, want := render(t, "web1", back, o), render(t, "web1", warned(), o); got != want {
			t.Errorf("%+v after a JSON round trip:\n%s\nwant\n%s", o, got, want)
		}
	}
	// One warning given as a string, not a list, is read all the same.
	one := map[string]any{"file_|-a_|-/a_|-managed": map[string]any{
		"result": true, "__run_num__": 0.0, "comment": "", "changes": map[string]any{}, "warnings": "just one",
	}}
	rs, ok := States(one)
	if !ok || len(rs) != 1 || !reflect.DeepEqual(rs[0].Warnings, []string{"just one"}) {
		t.Fatalf("single-string warnings read as %+v (ok %v)", rs, ok)
	}
	if got := render(t, "m", one, Options{}); !strings.Contains(got, "    Warnings: just one\n") {
		t.Errorf("single-string warning not shown:\n%s", got)
	}
}

func TestSaltShapeRoundTrip(t *testing.T) {
	js := JSON(OrderedMap{{"web1", SaltShape(mixed())}})
	var decoded map[string]any
	if err := json.Unmarshal([]byte(js), &decoded); err != nil {
		t.Fatalf("our JSON does not parse: %v\n%s", err, js)
	}
	back, ok := States(decoded["web1"])
	if !ok {
		t.Fatal("decoded return not seen as states")
	}
	want := render(t, "web1", mixed(), Options{})
	if got := render(t, "web1", back, Options{}); got != want {
		t.Errorf("after a JSON round trip:\n%s\nwant\n%s", got, want)
	}
	if _, ok := States(map[string]any{"a": 1}); ok {
		t.Error("a plain map taken for states")
	}
	if _, ok := States(map[string]any{"x_|-y_|-z_|-w": map[string]any{"result": true}}); ok {
		t.Error("a state without __run_num__ accepted")
	}
}

func TestScalars(t *testing.T) {
	floats := map[float64]string{41.329: "41.329", 1000: "1000.0", 0.004: "0.004", 1e-5: "1e-05", 1e16: "1e+16", -2.5: "-2.5", 0: "0.0"}
	for f, want := range floats {
		if got := pyfmt.Float(f); got != want {
			t.Errorf("pyfmt.Float(%v) = %q, want %q", f, got, want)
		}
	}
	strs := map[string]string{"a": "'a'", "it's": `"it's"`, `both ' "`: `'both \' "'`, "a\nb\\": `'a\nb\\'`, "\x1b": `'\x1b'`, "é": "'é'"}
	for s, want := range strs {
		if got := pyfmt.Quote(s); got != want {
			t.Errorf("pyfmt.Quote(%q) = %s, want %s", s, got, want)
		}
	}
	if got := StartTime(time.Date(2026, 1, 1, 5, 6, 7, 0, time.UTC)); got != "05:06:07" {
		t.Errorf("StartTime on a whole second = %q", got)
	}
	if got := strings.Join(splitLines("a\r\nb\n\n"), "|"); got != "a|b|" {
		t.Errorf("splitLines = %q", got)
	}
	if splitLines("") != nil {
		t.Error("empty string has lines")
	}
}

// wireState mirrors the wire's state result (pkg/proto), which the CLI
// may hand over as a typed map.
type wireState struct {
	ID       string         `json:"__id__"`
	Name     string         `json:"name"`
	SLS      string         `json:"__sls__"`
	RunNum   int            `json:"__run_num__"`
	Result   *bool          `json:"result"`
	Comment  string         `json:"comment"`
	Changes  map[string]any `json:"changes"`
	Start    string         `json:"start_time"`
	Duration float64        `json:"duration"`
}

func TestTypedWireMap(t *testing.T) {
	f := false
	m := map[string]wireState{}
	for _, r := range sample() {
		var res *bool
		if r.Result.Result == states.True {
			tr := true
			res = &tr
		} else {
			res = &f
		}
		m[r.Key] = wireState{ID: r.ID, Name: r.Name, SLS: r.SLS, RunNum: r.RunNum, Result: res, Comment: r.Comment,
			Changes: r.Changes, Start: StartTime(r.Start), Duration: DurationMS(r.Duration)}
	}
	want, err := os.ReadFile("testdata/salt_sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	if got := render(t, "m001", m, Options{}); got != string(want) {
		t.Errorf("typed wire map:\n%s\nwant\n%s", got, want)
	}
}

// TestBigIntsStayWhole: an integer past int64 from the wire (a
// json.Number) prints whole in every outputter, as Python's int does.
func TestBigIntsStayWhole(t *testing.T) {
	v := map[string]any{"n": json.Number("20261206060000123456")}
	y, err := YAML(v)
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]string{"json": JSON(v), "line": JSONLine(v), "yaml": y} {
		if !strings.Contains(got, "20261206060000123456") {
			t.Errorf("%s: %q lost digits", name, got)
		}
	}
	if got := JSONLine(map[string]any{"b": []any{1, "x"}, "a": map[string]any{}}); got != `{"a": {}, "b": [1, "x"]}` {
		t.Errorf("JSONLine = %s", got)
	}
}

// TestStateRanInSaltShape: Salt's __state_ran__: false goes out with a
// skipped state and comes back in.
func TestStateRanInSaltShape(t *testing.T) {
	rs := []engine.StateResult{
		{Key: "cmd_|-a_|-a_|-run", ID: "a", Name: "a", Func: "cmd.run", RunNum: 0, Result: states.Result{Result: states.True}, NotRun: true},
		{Key: "cmd_|-b_|-b_|-run", ID: "b", Name: "b", Func: "cmd.run", RunNum: 1, Result: states.Result{Result: states.True}},
		// Salt's skip_watch: True, on a state a check skipped.
		{Key: "cmd_|-c_|-c_|-run", ID: "c", Name: "c", Func: "cmd.run", RunNum: 2, Result: states.Result{Result: states.True}, SkipWatch: true},
		// Salt's __parallel__: True, on a state with parallel: True that ran.
		{Key: "cmd_|-d_|-d_|-run", ID: "d", Name: "d", Func: "cmd.run", RunNum: 3, Result: states.Result{Result: states.True}, Parallel: true},
	}
	js := JSON(SaltShape(rs))
	if strings.Count(js, `"__parallel__": true`) != 1 {
		t.Fatalf("JSON = %s; want __parallel__ on d alone", js)
	}
	if strings.Count(js, `"__state_ran__": false`) != 1 {
		t.Fatalf("JSON = %s; want __state_ran__ on a alone", js)
	}
	if strings.Count(js, `"skip_watch": true`) != 1 {
		t.Fatalf("JSON = %s; want skip_watch on c alone", js)
	}
	// No SLS (state.single): Salt's low.get("__sls__") is None.
	if strings.Count(js, `"__sls__": null`) != 4 {
		t.Fatalf("JSON = %s; want __sls__ null for states of no SLS", js)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatal(err)
	}
	back, ok := FromSaltShape(m)
	if !ok || len(back) != 4 {
		t.Fatalf("FromSaltShape = %v %v", back, ok)
	}
	for _, r := range back {
		if r.NotRun != (r.ID == "a") || r.SkipWatch != (r.ID == "c") || r.Parallel != (r.ID == "d") {
			t.Errorf("%s: NotRun = %v, SkipWatch = %v, Parallel = %v after the round trip", r.ID, r.NotRun, r.SkipWatch, r.Parallel)
		}
	}
}

// TestParallelRunTime pins Salt's total for states that ran in parallel:
// the durations of the others summed, plus the longest parallel one
// (_format_host since PR #62000; the runs are those of Salt's
// test_parallel_summary_output and test_summary_output, which expect
// 10.010 s and 30.025 s).
func TestParallelRunTime(t *testing.T) {
	run := func(parallel bool) []engine.StateResult {
		rs := []engine.StateResult{
			sr(0, "test.nop", "barrier", "barrier", "t", states.True, "Success!", nil, at(15, 11, 31, 459770), ms(0.698)),
			sr(1, "cmd.run", "blah-1", "sleep 10", "t", states.True, `Command "sleep 10" run`, map[string]any{"retcode": 0}, at(15, 11, 31, 496410), ms(10007.711)),
			sr(2, "cmd.run", "blah-2", "sleep 10", "t", states.True, `Command "sleep 10" run`, map[string]any{"retcode": 0}, at(15, 11, 31, 537001), ms(10007.264)),
			sr(3, "cmd.run", "blah-3", "sleep 10", "t", states.True, `Command "sleep 10" run`, map[string]any{"retcode": 0}, at(15, 11, 31, 577076), ms(10008.646)),
			sr(4, "test.nop", "barrier2", "barrier2", "t", states.True, "Success!", nil, at(15, 11, 41, 619874), ms(0.762)),
		}
		for i := 1; i <= 3; i++ {
			rs[i].Parallel = parallel
		}
		return rs
	}
	tests := []struct {
		parallel bool
		want     string
	}{
		{true, "Total run time:  10.010 s\n"},
		{false, "Total run time:  30.025 s\n"},
	}
	for _, tc := range tests {
		for _, so := range []string{"full", "terse"} {
			got := render(t, "local", run(tc.parallel), Options{StateOutput: so})
			if !strings.Contains(got, "Succeeded: 5 (changed=3)\n") || !strings.HasSuffix(got, tc.want) {
				t.Errorf("parallel=%v, %s: summary\n%s\nwant it to end with %q", tc.parallel, so, got, tc.want)
			}
		}
	}
}

// TestChangesLine pins the label line of a state's changes as Salt's
// _format_host writes it, "     Changes:   " and then the changes' text,
// so that three blanks end the line with or without changes; and the
// 14 blanks _format_changes puts before every line of an orchestration
// step's minion block, its empty line too.
func TestChangesLine(t *testing.T) {
	inner := []engine.StateResult{
		sr(0, "test.succeed_without_changes", "x", "x", "t", states.True, "Success!", nil, at(1, 0, 0, 1), ms(1)),
	}
	step := sr(0, "salt.state", "deploy", "deploy", "orch", states.True, "States ran successfully. Updating m1.",
		map[string]any{"out": "highstate", "ret": map[string]any{"m1": inner}}, at(1, 0, 0, 1), ms(2))
	tests := []struct {
		name string
		rs   []engine.StateResult
		want []string // whole lines the output holds
	}{
		{"no changes", inner, []string{"     Changes:   "}},
		{"changes", mixed(), []string{"     Changes:   ", "              ----------"}},
		{"orchestration step", []engine.StateResult{step}, []string{
			"     Changes:   ",
			"              m1:",
			"                   Changes:   ",
			"              ",
			"              Summary for m1",
		}},
	}
	for _, tc := range tests {
		lines := strings.Split(render(t, "m", tc.rs, Options{}), "\n")
		for _, w := range tc.want {
			if !slices.Contains(lines, w) {
				t.Errorf("%s: no line %q in\n%s", tc.name, w, strings.Join(lines, "\n"))
			}
		}
	}
}

// TestProfileAndPct pins Salt's state_output_profile: False (no Started
// or Duration in a state's full or terse form, no Total run time:
// _format_host and _format_terse test it) and state_output_pct (after
// Failed, "Success %" and "Failure %" as round(x, 2) of the states run,
// through _counts: Salt's test_pct_summary_output and test__compress_ids
// expect "Success %: 100.0", "Failure %: 0.0", "Success %: 86.67" and
// "Failure %: 13.33").
func TestProfileAndPct(t *testing.T) {
	ok := sr(0, "test.nop", "a", "a", "t", states.True, "Success!", nil, at(1, 0, 0, 1), ms(1))
	many := func(nOK, nFail int) []engine.StateResult {
		var rs []engine.StateResult
		for i := range nOK + nFail {
			out := states.True
			if i >= nOK {
				out = states.False
			}
			rs = append(rs, sr(i, "test.nop", "s"+strings.Repeat("x", i), "n", "t", out, "", nil, at(1, 0, 0, 1), ms(1)))
		}
		return rs
	}
	tests := []struct {
		name    string
		rs      []engine.StateResult
		o       Options
		want    []string
		notWant []string
	}{
		{"profile off, full", []engine.StateResult{ok}, Options{NoProfile: true},
			[]string{"     Comment: Success!\n     Changes:   \n", "Total states run:     1"},
			[]string{"Started", "Duration", "Total run time"}},
		{"profile off, terse", []engine.StateResult{ok}, Options{NoProfile: true, StateOutput: "terse"},
			[]string{"  Name: a - Function: test.nop - Result: Clean\n"},
			[]string{"Started", "Duration", "Total run time"}},
		{"profile on", []engine.StateResult{ok}, Options{},
			[]string{"     Started: 01:00:00.000001\n    Duration: 1.0 ms\n", "Total run time:   1.000 ms"}, nil},
		{"pct, one state", []engine.StateResult{ok}, Options{Pct: true},
			[]string{"Failed:    0\nSuccess %: 100.0\nFailure %: 0.0\n------------\nTotal states run:     1\n"}, nil},
		{"pct, 13 and 2", many(13, 2), Options{Pct: true},
			[]string{"Succeeded: 13\nFailed:     2\nSuccess %: 86.67\nFailure %: 13.33\n-------------\n"}, nil},
		{"pct, none run", []engine.StateResult{}, Options{Pct: true}, nil, []string{"%"}},
		{"pct off", many(1, 1), Options{}, nil, []string{"%"}},
	}
	for _, tc := range tests {
		got := render(t, "m", tc.rs, tc.o)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.name, w, got)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(got, w) {
				t.Errorf("%s: output holds %q:\n%s", tc.name, w, got)
			}
		}
	}
	if got := render(t, "m", many(1, 1), Options{Pct: true, Color: true}); !strings.Contains(got, "\x1b[32mSuccess %: 50.0\x1b[0m\n\x1b[31mFailure %: 50.0\x1b[0m\n") {
		t.Errorf("pct colours (green, and red with a failure):\n%q", got)
	}
}

// TestFilterOutput pins Salt's state_output: filter (_format_host):
// a state whose str(result) is in state_output_terse prints terse, else
// one in state_output_exclude is left out (and still counted), else it
// prints in full; a string of them is split at its commas, and a list
// matches by its strings alone (Salt looks str(result) up in it).
func TestFilterOutput(t *testing.T) {
	tests := []struct {
		name            string
		exclude, terse  []string
		full, short, no []string // IDs printed in full, terse, not at all
	}{
		{"no filters: full", nil, nil, []string{"web_pkgs", "nginx_conf", "data", "nginx", "swappiness"}, nil, nil},
		{"exclude True", []string{"True", ""}, nil, []string{"data"}, nil, []string{"web_pkgs", "nginx_conf", "nginx", "swappiness"}},
		{"terse True", nil, []string{"True"}, []string{"data"}, []string{"web_pkgs", "nginx_conf", "nginx", "swappiness"}, nil},
		{"terse wins over exclude", []string{"True", "False"}, []string{"False"}, nil, []string{"data"}, []string{"web_pkgs", "nginx"}},
	}
	names := map[string]string{}
	for _, r := range mixed() {
		names[r.ID] = r.Name
	}
	for _, tc := range tests {
		got := render(t, "web1", mixed(), Options{StateOutput: "filter", FilterExclude: tc.exclude, FilterTerse: tc.terse})
		for _, id := range tc.full {
			if !strings.Contains(got, "      ID: "+id+"\n") {
				t.Errorf("%s: %s not in full:\n%s", tc.name, id, got)
			}
		}
		for _, id := range tc.short {
			if strings.Contains(got, "      ID: "+id+"\n") || !strings.Contains(got, "  Name: "+names[id]+" - Function: ") {
				t.Errorf("%s: %s not terse:\n%s", tc.name, id, got)
			}
		}
		for _, id := range tc.no {
			if strings.Contains(got, "      ID: "+id+"\n") {
				t.Errorf("%s: %s printed:\n%s", tc.name, id, got)
			}
		}
		if !strings.Contains(got, "Succeeded: 4 (changed=2)\nFailed:    1\n") || !strings.Contains(got, "Total states run:     5\n") {
			t.Errorf("%s: a filtered state is not counted:\n%s", tc.name, got)
		}
	}
}

// TestTabular pins Salt's state_tabular: True (_format_terse's
// "{0}{6[start_time]!s} [{6[duration]!s:>7} ms] {2:>10}.{3:<10} {4:7}
// Name: {1}{5}", the profile part only with state_output_profile); the
// lines are what Python's str.format gives for these states.
func TestTabular(t *testing.T) {
	tests := []struct {
		o    Options
		want []string
	}{
		{Options{StateOutput: "terse", Tabular: true}, []string{
			"10:00:00 [    3.5 ms]        pkg.installed  Clean     Name: web_pkgs\n",
			"10:00:00.003600 [ 10.001 ms]       file.managed    Changed   Name: /etc/nginx/nginx.conf\n",
		}},
		{Options{StateOutput: "mixed", Tabular: true, NoProfile: true}, []string{
			"\n       pkg.installed  Clean     Name: web_pkgs\n",
			"          ID: data\n",
		}},
		{Options{StateOutput: "terse", Tabular: true, NoProfile: true}, []string{
			"\n     mount.mounted    Failed    Name: /srv/data\n",
		}},
	}
	for _, tc := range tests {
		got := render(t, "web1", mixed(), tc.o)
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("%+v: output lacks %q:\n%s", tc.o, w, got)
			}
		}
	}
	// Warnings come on lines of their own, a newline after them.
	got := render(t, "web1", warned(), Options{StateOutput: "terse", Tabular: true, NoProfile: true})
	if want := "Warnings:\nThe following arguments are not used by file.managed: colour\n      file.managed    Clean     Name: /etc/motd\n"; !strings.Contains(got, want) {
		t.Errorf("tabular warnings:\n%s\nwant it to hold\n%s", got, want)
	}
}

// TestNestedOrchestration pins Salt's highstate output of a step that
// ran an orchestration (a state named state.orch, state.orchestrate or
// state.sls, as salt.runner's): its changes are output() again one level
// in, 14 blanks a level before every line, and the step counts as
// changed. The data and the lines are those of Salt's test_nested_output.
func TestNestedOrchestration(t *testing.T) {
	inner := map[string]any{
		"test_|-always-passes-with-changes_|-oinaosf_|-succeed_with_changes": map[string]any{
			"comment": "Success!", "name": "oinaosf", "start_time": "09:22:54.128415", "result": true,
			"duration": 0.437, "__run_num__": 0, "__sls__": "orch.test.changes",
			"changes": map[string]any{"testing": map[string]any{"new": "Something pretended to change", "old": "Unchanged"}},
			"__id__":  "always-passes-with-changes",
		},
		"test_|-always-passes_|-fasdfasddfasdfoo_|-succeed_without_changes": map[string]any{
			"comment": "Success!", "name": "fasdfasddfasdfoo", "start_time": "09:22:54.128986", "result": true,
			"duration": 0.25, "__run_num__": 1, "__sls__": "orch.test.changes", "changes": map[string]any{},
			"__id__": "always-passes",
		},
	}
	step := sr(0, "salt.runner", "nested", "state.orchestrate", "orch.test.nested", states.True, "Runner function 'state.orchestrate' executed.",
		map[string]any{"return": map[string]any{"outputter": "highstate", "data": map[string]any{"local_master": inner}, "retcode": 0}},
		at(9, 22, 53, 158742), ms(980.694))
	got := render(t, "local_master", []engine.StateResult{step}, Options{})
	for _, want := range []string{
		"Succeeded: 1 (changed=1)", "Failed:    0", "Total states run:     1",
		"\n                        ID: always-passes-with-changes\n",
		"\n                   Started: 09:22:54.128415\n",
		"\n              Succeeded: 2 (changed=1)\n",
		"\n              Failed:    0\n",
		"\n              Total states run:     2\n",
		// The line after the label: re.sub('^', pad, '\n' + nested).
		"     Changes:                 \n              local_master:\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("nested orchestration lacks %q:\n%s", want, got)
		}
	}
	// A value, not states: Salt's int and str branches.
	val := sr(0, "salt.runner", "v", "state.sls", "o", states.True, "", map[string]any{"return": map[string]any{"data": map[string]any{"m1": "a\nb"}}}, at(1, 0, 0, 1), ms(1))
	if got := render(t, "x", []engine.StateResult{val}, Options{}); !strings.Contains(got, "\n              m1:\n                  a\n                  b\n") {
		t.Errorf("a string under a host:\n%s", got)
	}
}
