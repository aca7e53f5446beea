package output

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestPprintLikePython compares Pprint with Python's pprint.pformat.
func TestPprintLikePython(t *testing.T) {
	long := strings.Repeat("word ", 30)
	grains := map[string]any{
		"os": "Debian", "osrelease": "12", "num_cpus": 2.0, "ipv4": []any{"127.0.0.1", "10.0.0.5", "192.168.100.200"},
		"kernel": "Linux", "selinux": map[string]any{"enabled": false, "enforced": "Disabled"}, "path": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"empty": map[string]any{}, "none": nil, "list": []any{}, "pi": 3.14159, "big": 1e300,
	}
	state := map[string]any{"file_|-/etc/motd_|-/etc/motd_|-managed": map[string]any{
		"name": "/etc/motd", "result": true, "comment": "File /etc/motd updated", "__run_num__": 0.0,
		"changes": map[string]any{"diff": "--- \n+++ \n@@ -1 +1 @@\n-old\n+new line that is rather long so that the string must be cut somewhere\n"},
	}}
	seq := make([]any, 30)
	for i := range seq {
		seq[i] = i
	}
	cases := []struct {
		data   any
		indent *int
	}{
		{map[string]any{"m1": true}, nil},
		{map[string]any{"m1": grains}, nil},
		{map[string]any{"m1": state}, nil},
		{long, nil},
		{map[string]any{"m1": long}, nil},
		{[]any{long, "short", map[string]any{"k": long}}, nil},
		{map[string]any{"m1": "line one\nline two\n" + long + "\nend"}, nil},
		{map[string]any{"m1": "it's \"quoted\" \t tab ünïcode ☃ " + long}, nil},
		{map[string]any{"m1": grains}, intp(4)},
		{map[string]any{"m1": grains}, intp(0)},
		{map[string]any{"m1": []any{grains, grains}}, intp(2)},
		{map[string]any{"z": 1.0, "a": -2.5, "B": "x", "é": 1.0}, nil},
		{strings.Repeat("x", 100), nil},
		{map[string]any{"m1": strings.Repeat("x", 100) + " " + strings.Repeat("y", 10)}, nil},
		{map[string]any{"local": "short"}, nil},
		{map[string]any{"local": strings.Repeat("word ", 30)}, nil},
		{map[string]any{"local": []any{strings.Repeat("alpha beta gamma delta ", 3), map[string]any{"k": strings.Repeat("x ", 50), "a": []any{1, 2.5, nil, true}}}}, nil},
		{map[string]any{"local": map[string]any{"nested": map[string]any{"deeper": map[string]any{"list": seq, "s": "line one\nline two is longer " + strings.Repeat("y ", 40)}}}}, nil},
		{map[string]any{"local": []any{[]any{}, map[string]any{}, "", []any{[]any{strings.Repeat("a", 30), strings.Repeat("b", 30)}, strings.Repeat("c", 30)}}}, nil},
		{map[string]any{"local": strings.Repeat("héllo wörld ünïcode ", 6)}, nil},
		{map[string]any{"m1": map[string]any{"z": 1, "a": strings.Repeat("q", 90)}, "m0": "it's \"quoted\"\ttab " + strings.Repeat("w ", 40)}, nil},
		{"a top level string that is long enough to need wrapping because it exceeds eighty chars by some", nil},
		{"one\r\ntwo\rthree\n", nil},
	}
	in := make([][2]any, len(cases))
	for i, c := range cases {
		in[i] = [2]any{c.data, c.indent}
	}
	var want []string
	pyref.Run(t, "testdata/pprint_ref.py", nil, in, &want)
	if len(want) != len(cases) {
		t.Fatalf("pprint_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		// The data as JSON gives it to Python: whole floats are ints.
		b, _ := json.Marshal(c.data)
		var v any
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		indent := -1
		if c.indent != nil {
			indent = *c.indent
		}
		if got := Pprint(v, indent); got != want[i] {
			t.Errorf("case %d:\nbrine\n%s\nPython\n%s", i, got, want[i])
		}
	}
}

func intp(n int) *int { return &n }
