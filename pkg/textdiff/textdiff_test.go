package textdiff

import (
	"testing"
)

func TestUnified(t *testing.T) {
	tests := []struct{ old, new, want string }{
		{"a\n", "a\n", ""},
		{"a\nb\n", "a\nc\n", "@@ -1,2 +1,2 @@\n a\n-b\n+c\n"},
		{"a\nb\nc\n", "a\nb\nc\nd\n", "@@ -1,3 +1,4 @@\n a\n b\n c\n+d\n"},
		{"", "x\n", "@@ -0,0 +1 @@\n+x\n"},
		{"a", "a\n", "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n"},
	}
	for _, tt := range tests {
		if got := Unified(tt.old, tt.new); got != tt.want {
			t.Errorf("Unified(%q, %q) = %q; want %q", tt.old, tt.new, got, tt.want)
		}
	}
}
