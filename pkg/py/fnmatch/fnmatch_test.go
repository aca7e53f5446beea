package fnmatch

import (
	"math/rand"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// cases is the one table: patterns as Salt trees write them (ids, grains,
// versions, file names) and the corners of Python's rules. TestPython
// checks each want against Python's fnmatch.fnmatchcase.
var cases = []struct {
	pat, name string
	want      bool
}{
	{"web*", "web01", true}, {"web*", "db01", false}, {"*", "", true}, {"*", "a/b\nc", true},
	{"web?", "web1", true}, {"web?", "web12", false}, {"?", "é", true}, {"?", "", false},
	{"*.example.org", "web1.example.org", true}, {"*.example.org", "example.org", false},
	{"web*.example.org", "web1.example.org", true}, {"web*.example.org", "web1.example.org.evil", false},
	{"db[12]", "db1", true}, {"db[12]", "db3", false}, {"db[!12]", "db3", true}, {"db[!12]", "db1", false},
	{"[a-c]x", "bx", true}, {"[a-c]x", "dx", false}, {"[!a-c]x", "dx", true},
	{"Debian*", "debian-12", false}, {"*bian*", "Debian", true},
	{"1.2*", "1.2.3-1", true}, {"1.2*", "1:1.2.3", false}, {"2:1.*", "2:1.0", true},
	{"*.conf", "sub/a.conf", true}, {"a.conf", "sub/a.conf", false}, {"sub/*", "sub/x/y", true},

	// no escapes: \ is a character
	{`a\*`, `a\bc`, true}, {`a\*`, "a*", false}, {`\?`, `\x`, true}, {`[\]`, `\`, true}, {`[\]]`, `\]`, true},
	// unclosed and empty sets
	{"[", "[", true}, {"a[b", "a[b", true}, {"a[b", "ab", false}, {"[]", "[]", true}, {"[]", "", false}, {"[]]", "]", true},
	{"[!]", "x", false}, {"[!]", "[!]", true}, {"[!]]", "a", true}, {"[!]]", "]", false}, {"[]-]", "-", true},
	// hyphens and ranges
	{"[-a]", "-", true}, {"[a-]", "-", true}, {"[!-]", "a", true}, {"[!-]", "-", false}, {"[a-c-e]", "-", true},
	{"[a-c-e]", "d", false}, {"[a-c-e]", "e", true}, {"[z-a]", "m", false}, {"[!z-a]", "m", true},
	{"[c-a-e]", "-", true}, {"[c-a-e]", "b", false}, {"[a--]", ",", false}, {"[a--]", "-", false}, {"[a--]", "a", false}, {"[--0]", "/", true},
	{"[%--]", "+", true}, {"[!a-z]", "Q", true}, {"[a-a]", "a", true}, {"[a-cx-z]", "y", true},
	// characters Go's classes or regexps treat specially
	{"[[:alpha:]]", "a", false}, {"[[:alpha:]]", ":]", true}, {"[^a]", "^", true}, {"[^a]", "b", false},
	{"a.b", "axb", false}, {"a+b", "a+b", true}, {"(x)", "(x)", true}, {"{a,b}", "a", false}, {"$^", "$^", true},
	{"[&&a]", "&", true}, {"[a||b]", "|", true}, {"[~~]", "~", true},
	// multi-byte text
	{"é*", "été", true}, {"[é-ë]", "ê", true}, {"*ü", "Müü", true}, {"日本*", "日本語", true},
	{"**", "x", true}, {"a**b", "ab", true}, {"*a*a*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
}

func TestMatch(t *testing.T) {
	for _, tt := range cases {
		if got := Match(tt.pat, tt.name); got != tt.want {
			t.Errorf("Match(%q, %q) = %v; want %v (translated: %s)", tt.pat, tt.name, got, tt.want, Translate(tt.pat))
		}
		if got := Compile(tt.pat).Match(tt.name); got != tt.want {
			t.Errorf("Compile(%q).Match(%q) = %v; want %v", tt.pat, tt.name, got, tt.want)
		}
	}
}

// randomCases are short patterns and names from the characters that
// matter to sets and ranges, the corner where translations go wrong;
// Python decides what they should do.
func randomCases(n int) [][2]string {
	rng := rand.New(rand.NewSource(11))
	gen := func(alphabet string, max int) string {
		b := make([]byte, rng.Intn(max+1))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		return string(b)
	}
	out := make([][2]string, n)
	for i := range out {
		out[i] = [2]string{gen(`ab-[]!*?\^z`, 7), gen(`ab-[]!^\z`, 4)}
	}
	return out
}

// TestPython checks the table, and a few thousand random patterns, with
// Python's fnmatch.fnmatchcase.
func TestPython(t *testing.T) {
	var in [][2]string
	for _, tt := range cases {
		in = append(in, [2]string{tt.pat, tt.name})
	}
	in = append(in, randomCases(4000)...)
	var py []any
	pyref.Run(t, "testdata/fnmatch_ref.py", nil, in, &py)
	if len(py) != len(in) {
		t.Fatalf("fnmatch_ref.py returned %d results for %d cases", len(py), len(in))
	}
	for i, c := range in {
		got := Match(c[0], c[1])
		if i < len(cases) && py[i] != cases[i].want {
			t.Errorf("fnmatchcase(%q, %q) is %v in Python; the table says %v", c[1], c[0], py[i], cases[i].want)
		}
		if want, ok := py[i].(bool); !ok {
			// Python's re refuses the translation; nothing matches here.
			if got {
				t.Errorf("Match(%q, %q) = true; Python raises %v", c[0], c[1], py[i])
			}
		} else if got != want {
			t.Errorf("Match(%q, %q) = %v; Python: %v (translated: %s)", c[0], c[1], got, want, Translate(c[0]))
		}
	}
}

// FuzzTranslate: every pattern compiles (Compile panics otherwise) and
// matches itself when it has no special character.
func FuzzTranslate(f *testing.F) {
	for _, tt := range cases {
		f.Add(tt.pat, tt.name)
	}
	f.Fuzz(func(t *testing.T, pat, name string) {
		p := Compile(pat)
		p.Match(name)
		if !HasMeta(pat) && !p.Match(pat) {
			t.Errorf("%q does not match itself", pat)
		}
	})
}
