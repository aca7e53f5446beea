package output

import (
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestYAMLQuotesAsPyYAML: a string PyYAML would read back as something
// else (a bool, a number, a time of day, a date, null) is quoted as
// Salt's yaml outputter (PyYAML's safe_dump) quotes it, and one it reads
// back as itself is not.
func TestYAMLQuotesAsPyYAML(t *testing.T) {
	cases := []string{"yes", "No", "on", "OFF", "y", "true", "1:30", "03:12:24.5", "10:00:00", "0644", "644", "1.5", "-2",
		"~", "null", "", "2024-01-31", "2024-1-31 10:00:00", "web1", "/etc/motd", "1.2.3", "a b", "x:y", "0x1f", "+1", ".inf"}
	var want []string
	pyref.Run(t, "testdata/yaml_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("yaml_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, s := range cases {
		got, err := YAML(OrderedMap{{"k", s}})
		if err != nil {
			t.Fatal(err)
		}
		if got+"\n" != want[i] {
			t.Errorf("%q: brine writes %q; PyYAML %q", s, got+"\n", want[i])
		}
	}
}

// TestYAMLLayoutAsPyYAML: lists sit at their mapping's indent and
// strings with lines are single-quoted with their breaks doubled (or
// double-quoted where PyYAML must), as Salt's yaml outputter writes them.
func TestYAMLLayoutAsPyYAML(t *testing.T) {
	cases := []any{
		map[string]any{"local": map[string]any{"args": []any{1, "x\ny", map[string]any{"a": []any{2, 3}}}, "kwargs": map[string]any{}}},
		map[string]any{"m": map[string]any{"stdout": "line one\nline two", "retcode": 0, "lead": "a\n  b", "trail": "a \nb"}},
		map[string]any{"l": []any{[]any{1, 2}, []any{}, map[string]any{"k": []any{"v"}}}},
		map[string]any{"s": "x\n\ny", "u": "\nstarts", "é": "ü", "t": "ends\n", "emoji": "😀 ok"},
		map[string]any{"long": strings.Repeat("word ", 30), "longq": "yes " + strings.Repeat("quoted ", 20) + "text", "num": "1e3", "oct": "0o17", "merge": "<<", "colon": "a: b", "hash": "a #b", "dash": "- x"},
		map[string]any{"nested": []any{map[string]any{"a": 1, "b": []any{"x", map[string]any{"c": nil}}}, []any{[]any{1}}}, "": "empty key", "k": ""},
		map[string]any{"ctrl": "bell\a", "tab": "a\tb", "dq": "it's \"x\"", "trail ": "sp ", " lead": " sp"},
	}
	var want []string
	pyref.Run(t, "testdata/yaml_doc_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("yaml_doc_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		got, err := YAML(c)
		if err != nil {
			t.Fatal(err)
		}
		if got+"\n" != want[i] {
			t.Errorf("case %d: brine writes\n%s\nPyYAML\n%s", i, got+"\n", want[i])
		}
	}
}
