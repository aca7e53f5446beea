package output

import (
	"strings"
	"testing"
)

// TestPyFill holds pyFill to Python: each want is what CPython 3.10's
// textwrap.TextWrapper(width=w, initial_indent=" "*indent,
// subsequent_indent=" "*indent).fill(text) returned.
func TestPyFill(t *testing.T) {
	tests := []struct {
		text          string
		width, indent int
		want          string
	}{
		{"", 80, 14, ""},
		{"short", 80, 14, "              short"},
		{"The following arguments are not used by file.managed: colour", 80, 14, "              The following arguments are not used by file.managed: colour"},
		{"The following arguments are not used by file.managed: backup-mode, user_name, template-vars, the-quick-brown-fox-jumps-over-the-lazy-dog\nThe following arguments are not used by file.managed: listen_port", 80, 14, "              The following arguments are not used by file.managed: backup-mode,\n              user_name, template-vars, the-quick-brown-fox-jumps-over-the-lazy-\n              dog The following arguments are not used by file.managed:\n              listen_port"},
		{"a\tb\tc\nd\te", 80, 0, "a       b       c d       e"},
		{"tab\tafter\rcr\u000bvt\fff", 20, 2, "  tab     after cr\n  vt ff"},
		{"  leading and trailing   ", 10, 0, "  leading\nand\ntrailing"},
		{strings.Repeat("x", 150), 80, 14, "              " + strings.Repeat("x", 66) + "\n              " + strings.Repeat("x", 66) + "\n              " + strings.Repeat("x", 18)},
		{"well-known self-evident e-mail a-b-c-d xx-y-zz 1-2-3 ab--cd -- --x x--", 12, 0, "well-known\nself-evident\ne-mail a-b-\nc-d xx-y-zz\n1-2-3 ab--cd\n-- --x x--"},
		{"pre-" + strings.Repeat("y", 70) + "-post-" + strings.Repeat("z", 30), 80, 14, "              pre-" + strings.Repeat("y", 62) + "\n              " + strings.Repeat("y", 8) + "-post-" + strings.Repeat("z", 30)},
		{"über-groß naïve-café déjà-vu", 9, 1, " über-\n groß\n naïve-\n café\n déjà-vu"},
		{"one two three four five six seven eight nine ten eleven twelve", 11, 3, "   one two\n   three\n   four\n   five six\n   seven\n   eight\n   nine ten\n   eleven\n   twelve"},
		{"----------------- -------", 5, 0, "-----\n-----\n-----\n-- --\n-----"},
		{"word,--word word.--x", 6, 0, "word,\n--word\nword.\n--x"},
	}
	for _, tc := range tests {
		pad := strings.Repeat(" ", tc.indent)
		if got := pyFill(tc.text, tc.width, pad, pad); got != tc.want {
			t.Errorf("pyFill(%q, %d, %d blanks) =\n%q\nwant\n%q", tc.text, tc.width, tc.indent, got, tc.want)
		}
	}
}
