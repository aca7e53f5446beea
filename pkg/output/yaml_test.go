package output

import (
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
