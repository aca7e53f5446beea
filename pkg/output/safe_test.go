package output

import (
	"github.com/brine-cm/brine/pkg/pyfmt"

	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/states"
)

func TestSafe(t *testing.T) {
	tests := []struct {
		in, safe, text string
	}{
		{"plain text, é ü 日本", "plain text, é ü 日本", "plain text, é ü 日本"},
		{"\x1b[2J", `\x1b[2J`, `\x1b[2J`},
		{"\x1b]0;title\x07", `\x1b]0;title\x07`, `\x1b]0;title\x07`},
		{"over\rwrite", `over\rwrite`, `over\rwrite`},
		{"\x1b[32mSucceeded: 99\x1b[0m", `\x1b[32mSucceeded: 99\x1b[0m`, `\x1b[32mSucceeded: 99\x1b[0m`},
		{"c1 \u009b31m csi", `c1 \x9b31m csi`, `c1 \x9b31m csi`},
		{"del\x7f nul\x00", `del\x7f nul\x00`, `del\x7f nul\x00`},
		{"a\nb\tc", `a\nb\tc`, "a\nb\tc"},
		{"crlf\r\nend", `crlf\r\nend`, "crlf\nend"},
		{"bad \x9b byte", `bad \x9b byte`, `bad \x9b byte`},
		{"rlo \u202egnp.exe", `rlo \u202egnp.exe`, `rlo \u202egnp.exe`},
		{"sep\u2028x", `sep\u2028x`, `sep\u2028x`},
		{`C:\temp\new`, `C:\temp\new`, `C:\temp\new`},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := Safe(tt.in); got != tt.safe {
			t.Errorf("Safe(%q) = %q; want %q", tt.in, got, tt.safe)
		}
		if got := SafeText(tt.in); got != tt.text {
			t.Errorf("SafeText(%q) = %q; want %q", tt.in, got, tt.text)
		}
	}
}

// hostile is what a compromised or careless minion might return: a clear
// screen, a window title, a carriage return that rewrites the line, a fake
// green summary, and a one-byte C1 CSI.
var hostile = []string{
	"\x1b[2J",
	"\x1b]0;title\x07",
	"\rSucceeded: 99",
	"\x1b[32mSucceeded: 99\x1b[0m",
	"\u009b2J",
}

func hostileRun() []engine.StateResult {
	h := strings.Join(hostile, " ")
	diff := "--- \n+++ \n@@ -1 +1 @@\n-old" + hostile[0] + "\n+new" + hostile[4] + "\n"
	return []engine.StateResult{
		sr(0, "file.managed", "id"+hostile[1], "/etc/"+hostile[0], "sls", states.True, "updated "+h+"\nsecond line",
			map[string]any{"diff": diff, "key" + hostile[2]: []any{hostile[3], map[string]any{"k": hostile[4]}}}, at(1, 2, 3, 4), ms(1)),
		sr(1, "cmd.run", "run", "echo "+hostile[3], "sls", states.False, "Command failed"+hostile[2],
			map[string]any{"stdout": "line1\nline2" + hostile[0], "stderr": hostile[1]}, at(1, 2, 3, 5), ms(1)),
	}
}

// palettes are brine's own colour sequences, which may appear in
// coloured output; nothing else may.
var palettes = []string{"\x1b[32m", "\x1b[36m", "\x1b[31m", "\x1b[1;31m", "\x1b[33m", "\x1b[1;33m", "\x1b[0m"}

// assertTerminalSafe fails when out holds a control character other
// than newline and tab, once brine's own colours are taken out.
func assertTerminalSafe(t *testing.T, name, out string) {
	t.Helper()
	for _, p := range palettes {
		out = strings.ReplaceAll(out, p, "")
	}
	for i, r := range out {
		if r == utf8.RuneError || (isControl(r) && r != '\n' && r != '\t') || isInvisibleFormat(r) {
			t.Errorf("%s: raw %U at byte %d:\n%s", name, r, i, out)
			return
		}
	}
	if !strings.Contains(out, `\x1b`) {
		t.Errorf("%s: the escapes are not shown escaped:\n%s", name, out)
	}
}

func TestHumanOutputEscapesMinionData(t *testing.T) {
	minion := "web1" + hostile[0]
	nested := map[string]any{"motd" + hostile[1]: strings.Join(hostile, "\n"), "list": []any{hostile[2], 1.5, nil}}
	cases := []struct {
		name string
		ret  any
		o    Options
	}{
		{"highstate", hostileRun(), Options{}},
		{"highstate terse", hostileRun(), Options{StateOutput: "terse"}},
		{"highstate colour", hostileRun(), Options{Color: true}},
		{"highstate test", hostileRun(), Options{Test: true, Color: true}},
		{"compile errors", CompileErrors{"render failed: " + strings.Join(hostile, "\n")}, Options{}},
		{"nested", nested, Options{}},
		{"nested colour", nested, Options{Color: true}},
		{"nested states", hostileRun(), Options{Out: OutNested}},
		{"txt", strings.Join(hostile, "\n"), Options{Out: OutTxt}},
		{"txt map", nested, Options{Out: OutTxt}},
		{"newline_values_only", []any{hostile[0], hostile[3], nested}, Options{Out: OutNewlineValuesOnly}},
		{"no_return", map[string]any{"k" + hostile[0]: strings.Join(hostile, "\n")}, Options{Out: OutNoReturn, Color: true}},
		{"raw", nested, Options{Out: OutRaw}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, minion, tc.ret, tc.o)
			assertTerminalSafe(t, tc.name, got)
		})
	}
	// Multi-line values keep their lines: the diff and stdout still read
	// as lines, each escaped.
	got := render(t, minion, hostileRun(), Options{})
	for _, want := range []string{"\n" + strings.Repeat(" ", 18) + "-old\\x1b[2J\n", "\n" + strings.Repeat(" ", 18) + "+new\\x9b2J\n", "\n" + strings.Repeat(" ", 18) + "line2\\x1b[2J\n", "\n              second line\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("highstate lacks %q:\n%s", want, got)
		}
	}
	if !strings.Contains(got, `Summary for web1\x1b[2J`) || !strings.Contains(got, `    Function: file.managed`) {
		t.Errorf("the minion id is not escaped in the summary:\n%s", got)
	}
}

// The data outputters stay exact: JSON carries the very strings sent.
func TestJSONStaysExact(t *testing.T) {
	ret := map[string]any{"k" + hostile[0]: strings.Join(hostile, "\n")}
	var b bytes.Buffer
	if err := Print(&b, "m"+hostile[1], ret, Options{Out: OutJSON}); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(b.String(), 0x1b) {
		t.Errorf("JSON holds a raw ESC: %q", b.String())
	}
	var back map[string]map[string]string
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if got := back["m"+hostile[1]]["k"+hostile[0]]; got != strings.Join(hostile, "\n") {
		t.Errorf("JSON round trip = %q", got)
	}
	y, err := YAML(ret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(y, 0x1b) || strings.ContainsRune(y, 0x9b) {
		t.Errorf("YAML holds a raw escape: %q", y)
	}
}

func TestPyQuote(t *testing.T) {
	// Python 3: repr() of each string.
	tests := map[string]string{
		"a":             `'a'`,
		"it's":          `"it's"`,
		"\x1b[2J":       `'\x1b[2J'`,
		"\u009b":        `'\x9b'`,
		"\u202e":        `'\u202e'`,
		"tab\there\n":   `'tab\there\n'`,
		"é 日本":          `'é 日本'`,
		"\U000e0001":    `'\U000e0001'`,
		"back\\slash\r": `'back\\slash\r'`,
	}
	for in, want := range tests {
		if got := pyfmt.Quote(in); got != want {
			t.Errorf("pyfmt.Quote(%q) = %s; want %s", in, got, want)
		}
	}
}
