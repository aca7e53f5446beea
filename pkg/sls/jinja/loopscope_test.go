package jinja

import "testing"

// A list the render is given (not one the template set) and appended to
// in a loop is one list, whatever the loop's per-iteration scope: the
// iterations after and the code after the loop see what was appended, as
// in Jinja (the Jinja2 comparisons give no such variables).
func TestLoopAppendsToAGivenList(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"{% for i in [1, 2] %}{% do xs.append(i) %}{{ xs|length }}{% endfor %}|{{ xs }}", "12|[1, 2]"},
		{"{% for i in [1, 2] %}{% for j in [3] %}{% do xs.append(j) %}{% endfor %}{% endfor %}{{ xs }}", "[3, 3]"},
		{"{% for i in [1, 2] %}{% if i == 1 %}{% set f = i %}{% endif %}{{ f is defined }}{% endfor %}", "TrueFalse"},
	} {
		out, err := Render("t.sls", []byte(c.src), map[string]any{"xs": []any{}}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", c.src, err)
		}
		if out != c.want {
			t.Errorf("%s\n\tgot  %q\n\twant %q", c.src, out, c.want)
		}
	}
}
