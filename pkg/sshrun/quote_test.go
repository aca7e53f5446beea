package sshrun

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "''"},
		{"plain", "plain"},
		{"/var/tmp/.brine_root/brine", "/var/tmp/.brine_root/brine"},
		{"a b", "'a b'"},
		{"it's", `'it'\''s'`},
		{"$(reboot)", "'$(reboot)'"},
		{"`id`", "'`id`'"},
		{"a;b", "'a;b'"},
		{"~root", "'~root'"},
		{"*", "'*'"},
		{"line\nbreak", "'line\nbreak'"},
		{"'", `''\'''`},
	} {
		if got := Quote(c.in); got != c.want {
			t.Errorf("Quote(%q) = %s; want %s", c.in, got, c.want)
		}
	}
}

// TestCommandRoundTrip hands quoted argv to a real shell and checks that
// each element arrives as it was, byte for byte, and that nothing in it
// ran.
func TestCommandRoundTrip(t *testing.T) {
	argv := []string{"", "a b", "it's", "$(touch /nonexistent/x)", "`id`", "a;b|c&d", "~", "*", "\\", "\"q\"", "tab\there", "new\nline", "'", "''", "-n", "é ü", "$HOME", "!!", "#c"}
	script := "for a in " + Command(argv...) + `; do printf '%s\0' "$a"; done`
	out, err := exec.Command("sh", "-c", script).Output()
	if err != nil {
		t.Fatalf("sh: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if !slices.Equal(got, argv) {
		t.Errorf("sh read %q; want %q", got, argv)
	}
}
