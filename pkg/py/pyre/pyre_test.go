package pyre

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// A case is one operation of Python's re and what it gives, as JSON:
// search and match give null or [match, groups...], sub gives [text, n],
// escape the escaped text. refused names the error brine gives for a
// pattern RE2 cannot run; differs says why brine knowingly differs.
// TestPython checks every want against Python itself.
type testCase struct {
	op      string
	pat     string
	flags   Flag
	text    string
	repl    string
	count   int
	want    string
	refused string
	differs string
}

const sshd = "# sshd\nPermitRootLogin yes\nPort 22\n"

var cases = []testCase{
	// as state trees write them
	{op: "search", pat: `^PermitRootLogin .*$`, flags: Multiline, text: sshd, want: `["PermitRootLogin yes"]`},
	{op: "search", pat: `(\d+)\.(\d+)`, text: "v1.25", want: `["1.25","1","25"]`},
	{op: "search", pat: `(?P<k>\w+)=(?P<v>.*)`, text: "key=val", want: `["key=val","key","val"]`},
	{op: "search", pat: `(a)|(b)`, text: "b", want: `["b",null,"b"]`},
	{op: "search", pat: `^\s*#`, text: "  # comment", want: `["  #"]`},
	{op: "search", pat: `(?i)debian`, text: "Debian-12", want: `["Debian"]`},
	{op: "search", pat: `DEBIAN`, flags: IgnoreCase, text: "debian", want: `["debian"]`},
	{op: "search", pat: `a.b`, flags: DotAll, text: "a\nb", want: `["a\nb"]`},
	{op: "search", pat: `a.b`, text: "a\nb", want: `null`},
	{op: "search", pat: `a{,2}`, text: "aaa", want: `["aa"]`},
	{op: "search", pat: `foo\Z`, text: "foo", want: `["foo"]`},
	{op: "search", pat: `foo\Z`, text: "foo\n", want: `null`},
	{op: "search", pat: `\u00e9\U0001F600`, text: "caf\u00e9\U0001F600", want: `["é😀"]`},
	{op: "search", pat: `(?u)\w+`, text: "été", want: `["été"]`},
	{op: "search", pat: `(?a:x)y`, text: "xy", want: `["xy"]`},
	{op: "search", pat: `[]a]+`, text: "b]a]", want: `["]a]"]`},
	{op: "search", pat: `[^]a]`, text: "]ab", want: `["b"]`},
	{op: "search", pat: `[[:alpha:]]`, text: "a]", want: `["a]"]`},
	{op: "search", pat: `\\1`, text: `x\1`, want: `["\\1"]`},
	{op: "search", pat: `a\++`, text: "a++", want: `["a++"]`},
	// Unicode classes, as Python has them for text
	{op: "search", pat: `\d+`, text: "x\u06634", want: `["٣4"]`},
	{op: "search", pat: `\w+`, text: "été", want: `["été"]`},
	{op: "search", pat: `\W+`, text: "été, x", want: `[", "]`},
	{op: "search", pat: `\s+`, text: "a\u00a0\u2003b", want: `["\u00a0\u2003"]`},
	{op: "search", pat: `\s`, text: "\v", want: `["\u000b"]`},
	{op: "search", pat: `\S+`, text: "\u00a0ab\u3000", want: `["ab"]`},
	{op: "search", pat: `\D`, text: "\u0663x", want: `["x"]`},
	{op: "search", pat: `[\d.]+`, text: "v\u06631.2", want: `["٣1.2"]`},
	{op: "search", pat: `[\w-]+`, text: " a-é b", want: `["a-é"]`},
	{op: "search", pat: `[\s,]+`, text: "a,\u00a0b", want: `[",\u00a0"]`},
	{op: "search", pat: `\w+`, flags: ASCII, text: "été", want: `["t"]`},
	{op: "search", pat: `(?a)\d`, text: "\u0663", want: `null`},
	{op: "search", pat: `\s`, flags: ASCII, text: "\u00a0\v", want: `["\u000b"]`},
	// re.match: at the start of the text only
	{op: "match", pat: `web`, text: "web01", want: `["web"]`},
	{op: "match", pat: `eb`, text: "web01", want: `null`},
	{op: "match", pat: `^b`, flags: Multiline, text: "a\nb", want: `null`},
	{op: "match", pat: `(?i)WEB(\d+)`, text: "web01", want: `["web01","01"]`},
	{op: "match", pat: `a|ab`, text: "ab", want: `["a"]`},
	// re.subn
	{op: "sub", pat: `^(Port) (\d+)$`, flags: Multiline, repl: `\1 2222 # was \2`, text: sshd, want: `["# sshd\nPermitRootLogin yes\nPort 2222 # was 22\n",1]`},
	{op: "sub", pat: `\d+`, repl: `<\g<0>>`, text: "a1b22", want: `["a<1>b<22>",2]`},
	{op: "sub", pat: `(?P<n>\d)`, repl: `\g<n>\g<1>`, text: "a1", want: `["a11",1]`},
	{op: "sub", pat: `x`, repl: `$5`, text: "cost x", want: `["cost $5",1]`},
	{op: "sub", pat: `a`, repl: `b`, text: "aaa", count: 2, want: `["bba",2]`},
	{op: "sub", pat: `;`, repl: `\n\t`, text: "a;b", want: `["a\n\tb",1]`},
	{op: "sub", pat: `x`, repl: `\101\0\012`, text: "x", want: `["A\u0000\n",1]`},
	{op: "sub", pat: `x`, repl: `\&\.`, text: "x", want: `["\\&\\.",1]`},
	{op: "sub", pat: `(a)(b)?`, repl: `[\2]`, text: "a", want: `["[]",1]`},
	{op: "sub", pat: `x*`, repl: `-`, text: "abc", want: `["-a-b-c-",4]`},
	{op: "sub", pat: `z`, repl: `y`, text: "abc", want: `["abc",0]`},
	{op: "sub", pat: `(a)`, repl: `\2`, text: "a", want: `{"error":"invalid group reference"}`},
	{op: "sub", pat: `a`, repl: `\q`, text: "a", want: `{"error":"bad escape"}`},
	{op: "sub", pat: `a`, repl: `\g<nope>`, text: "a", want: `{"error":"invalid group reference"}`},
	// an assertion cannot be repeated in Python, where RE2 takes it
	// (salt's check_whitelist_blacklist tries `\A*b*\Z` as a pattern)
	{op: "search", pat: `\A*b*\Z`, text: "Hello", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `^*`, text: "a", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `a$+`, text: "a", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `\b?x`, text: "x", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `^{,}`, text: "x", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `^{2}`, text: "x", want: `{"error":"nothing to repeat"}`},
	{op: "search", pat: `(?:^)*x`, text: "x", want: `["x"]`},
	{op: "search", pat: `[$*]+`, text: "a$*", want: `["$*"]`},
	{op: "search", pat: `\^*x`, text: "^^x", want: `["^^x"]`},
	{op: "search", pat: `^{x}`, text: "{x}", want: `["{x}"]`},
	// re.escape
	{op: "escape", text: "a.b*c", want: `"a\\.b\\*c"`},
	{op: "escape", text: "a b-c#d&e~f", want: `"a\\ b\\-c\\#d\\&e\\~f"`},
	{op: "escape", text: "tab\tnl\n", want: `"tab\\\tnl\\\n"`},
	{op: "escape", text: "é_1=2/:", want: `"é_1=2/:"`},
	// what RE2 cannot do: refused with a reason
	{op: "search", pat: `(?<=a)b`, text: "ab", refused: "lookbehind"},
	{op: "search", pat: `(?<!a)b`, text: "cb", refused: "lookbehind"},
	{op: "search", pat: `a(?=b)`, text: "ab", refused: "lookahead"},
	{op: "search", pat: `a(?!b)`, text: "ac", refused: "lookahead"},
	{op: "search", pat: `(a)\1`, text: "aa", refused: `backreference \1`},
	{op: "search", pat: `(?P<x>a)(?P=x)`, text: "aa", refused: "backreference (?P=…)"},
	{op: "search", pat: `(?>a)`, text: "a", refused: "atomic group"},
	{op: "search", pat: `a++`, text: "a", refused: "possessive"},
	{op: "search", pat: `(?x) a b`, text: "ab", refused: "verbose"},
	{op: "search", pat: `a b`, flags: Verbose, text: "ab", refused: "VERBOSE"},
	{op: "search", pat: `(?#note)a`, text: "a", refused: "comment group"},
	{op: "search", pat: `(a)?(?(1)b|c)`, text: "ab", refused: "conditional group"},
	{op: "search", pat: `\N{EM DASH}`, text: "—", refused: "named characters"},
	// known differences
	{op: "search", pat: `foo$`, text: "foo\n", want: `null`,
		differs: "$ without MULTILINE matches only at the very end; Python also matches before a final newline"},
	{op: "sub", pat: `x*`, repl: `-`, text: "axxb", want: `["-a-b-",3]`,
		differs: "an empty match right after another match is not replaced (Go's rule); Python 3.7+ replaces it"},
	{op: "search", pat: `\bé`, text: "é", want: `null`,
		differs: `\b is ASCII in RE2: é is not a word character to it`},
	{op: "search", pat: `[\W]`, text: "é", want: `["é"]`,
		differs: `\W and \S inside a set are RE2's ASCII ones`},
}

// run does a case with this package and gives the result as JSON, in
// pyre_ref.py's shape.
func run(c testCase) (string, error) {
	var out any
	switch c.op {
	case "escape":
		out = Escape(c.text)
	case "sub":
		re, err := Compile(c.pat, c.flags)
		if err != nil {
			return "", err
		}
		tmpl, err := Template(re, c.repl)
		if err != nil {
			return "", err
		}
		s, n := Sub(re, tmpl, c.text, c.count)
		out = []any{s, n}
	default:
		compile := Compile
		if c.op == "match" {
			compile = CompileMatch
		}
		re, err := compile(c.pat, c.flags)
		if err != nil {
			return "", err
		}
		if m := re.FindStringSubmatchIndex(c.text); m != nil {
			groups := make([]any, len(m)/2)
			for i := range groups {
				if m[2*i] >= 0 {
					groups[i] = c.text[m[2*i]:m[2*i+1]]
				}
			}
			out = groups
		}
	}
	b, err := json.Marshal(out)
	return string(b), err
}

// canon re-encodes JSON so that two spellings of one value compare equal.
func canon(t *testing.T, s string) string {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("bad JSON %s: %v", s, err)
	}
	if m, ok := v.(map[string]any); ok {
		// Errors match on their gist, not Python's exact wording.
		if e, ok := m["error"].(string); ok {
			gists := map[string]string{
				"invalid group reference": "invalid group reference",
				"unknown group name":      "invalid group reference",
				"bad escape":              "bad escape",
				"nothing to repeat":       "nothing to repeat",
			}
			for text, gist := range gists {
				if strings.Contains(e, text) {
					return `{"error":"` + gist + `"}`
				}
			}
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestTable(t *testing.T) {
	for _, c := range cases {
		got, err := run(c)
		switch {
		case c.refused != "":
			if err == nil || !strings.Contains(err.Error(), c.refused) {
				t.Errorf("%s %q: err = %v; want one that says %q", c.op, c.pat, err, c.refused)
			}
		case strings.Contains(c.want, `"error"`):
			if err == nil {
				t.Errorf("%s %q repl %q: no error; want %s", c.op, c.pat, c.repl, c.want)
			}
		case err != nil:
			t.Errorf("%s %q: %v", c.op, c.pat, err)
		case canon(t, got) != canon(t, c.want):
			t.Errorf("%s %q on %q: %s; want %s", c.op, c.pat, c.text, got, c.want)
		}
	}
}

// TestPython checks each want against Python's re, and that each known
// difference still is one and each refusal is of a pattern Python runs.
func TestPython(t *testing.T) {
	type op struct {
		Op      string `json:"op"`
		Pattern string `json:"pattern"`
		Flags   Flag   `json:"flags"`
		Text    string `json:"text"`
		Repl    string `json:"repl"`
		Count   int    `json:"count"`
	}
	in := make([]op, len(cases))
	for i, c := range cases {
		in[i] = op{c.op, c.pat, c.flags, c.text, c.repl, c.count}
	}
	var py []json.RawMessage
	pyref.Run(t, "testdata/pyre_ref.py", nil, in, &py)
	if len(py) != len(cases) {
		t.Fatalf("pyre_ref.py returned %d results for %d cases", len(py), len(cases))
	}
	for i, c := range cases {
		want := canon(t, string(py[i]))
		switch {
		case c.refused != "":
			if strings.HasPrefix(want, `{"error"`) {
				t.Errorf("%s %q: Python refuses it too (%s): not a limitation of RE2", c.op, c.pat, want)
			}
		case c.differs != "":
			if canon(t, c.want) == want {
				t.Errorf("%s %q on %q: Python gives %s too; it is no longer a difference", c.op, c.pat, c.text, want)
			}
		case canon(t, c.want) != want:
			t.Errorf("%s %q on %q: the table says %s; Python: %s", c.op, c.pat, c.text, c.want, want)
		}
	}
}

func TestCompileMatchKeepsLeadingFlags(t *testing.T) {
	re, err := CompileMatch(`(?i)web`, Multiline)
	if err != nil {
		t.Fatal(err)
	}
	if !re.MatchString("WEB1") || re.MatchString("x\nweb") {
		t.Errorf("CompileMatch(`(?i)web`, M) = %s: want a case-insensitive match at the start only", re)
	}
	if _, err := regexp.Compile(re.String()); err != nil {
		t.Error(err)
	}
}

// FuzzCompile: no pattern or replacement makes the translation panic,
// and a translation that compiles is one Go accepts as a whole.
func FuzzCompile(f *testing.F) {
	for _, c := range cases {
		f.Add(c.pat, c.repl, c.text)
	}
	f.Fuzz(func(t *testing.T, pat, repl, text string) {
		re, err := Compile(pat, 0)
		if err != nil {
			return
		}
		if _, err := CompileMatch(pat, IgnoreCase|Multiline); err != nil {
			t.Errorf("Compile(%q) works but CompileMatch fails: %v", pat, err)
		}
		if tmpl, err := Template(re, repl); err == nil {
			Sub(re, tmpl, text, 0)
		}
	})
}
