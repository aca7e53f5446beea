package jinja

import (
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestYAMLDquoteLikePyYAML compares yaml_dquote (and so yaml_encode's
// strings) with PyYAML's own double-quoted writer, as Salt calls it.
func TestYAMLDquoteLikePyYAML(t *testing.T) {
	cases := []string{"", "foo", `The word is "salty"`, `back\slash`, "a: b", "tab\there", "line\nbreak", "cr\r", "é", "naïve café",
		"\u00a0nbsp", "\u0085nel", "\u2028ls", "\u2029ps", "\ufeffbom", "日本", "emoji 😀", "bell\a", "\x1besc", "\x00nul", "del\x7f", "~"}
	var want []string
	pyref.Run(t, "testdata/yaml_dquote_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("yaml_dquote_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, s := range cases {
		if got := yamlDoubleQuoted(s); got != want[i] {
			t.Errorf("yaml_dquote(%q) = %s; PyYAML %s", s, got, want[i])
		}
	}
}
