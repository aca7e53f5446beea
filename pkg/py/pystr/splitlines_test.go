package pystr

import (
	"slices"
	"testing"
)

// The lines are what Python 3's str.splitlines() and splitlines(True)
// give for the same text.
func TestSplitLines(t *testing.T) {
	tests := []struct {
		s          string
		lines, end []string
	}{
		{"", nil, nil},
		{"a", []string{"a"}, []string{"a"}},
		{"a\n", []string{"a"}, []string{"a\n"}},
		{"a\nb", []string{"a", "b"}, []string{"a\n", "b"}},
		{"a\r\nb\r\n", []string{"a", "b"}, []string{"a\r\n", "b\r\n"}},
		{"a\rb", []string{"a", "b"}, []string{"a\r", "b"}},
		{"\n\n", []string{"", ""}, []string{"\n", "\n"}},
		{"a\u000bb\fc", []string{"a", "b", "c"}, []string{"a\u000b", "b\f", "c"}},
		{"x\u001cy\u001dz\u001e", []string{"x", "y", "z"}, []string{"x\u001c", "y\u001d", "z\u001e"}},
		{"p\u0085q\u2028r\u2029s", []string{"p", "q", "r", "s"}, []string{"p\u0085", "q\u2028", "r\u2029", "s"}},
		{"\r\n\r", []string{"", ""}, []string{"\r\n", "\r"}},
		{"trailing\r", []string{"trailing"}, []string{"trailing\r"}},
		{"é\nü", []string{"é", "ü"}, []string{"é\n", "ü"}},
	}
	for _, tt := range tests {
		if got := SplitLines(tt.s, false); !slices.Equal(got, tt.lines) {
			t.Errorf("SplitLines(%q, false) = %q; want %q", tt.s, got, tt.lines)
		}
		if got := SplitLines(tt.s, true); !slices.Equal(got, tt.end) {
			t.Errorf("SplitLines(%q, true) = %q; want %q", tt.s, got, tt.end)
		}
	}
}
