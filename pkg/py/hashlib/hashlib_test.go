package hashlib

import (
	"encoding/hex"
	"testing"
)

// The digests of "abc" as Python's hashlib gives them; Attr knows the
// names hashlib has as attributes, New those hashlib.new takes as well.
func TestNames(t *testing.T) {
	tests := []struct {
		name string
		attr bool
		abc  string // first 16 hex digits
	}{
		{"md5", true, "900150983cd24fb0"},
		{"sha1", true, "a9993e364706816a"},
		{"sha224", true, "23097d223405d822"},
		{"sha256", true, "ba7816bf8f01cfea"},
		{"sha384", true, "cb00753f45a35e8b"},
		{"sha512", true, "ddaf35a193617aba"},
		{"sha3_256", true, "3a985da74fe225b2"},
		{"sha512_256", false, "53048e2681941ef9"},
	}
	for _, tt := range tests {
		h, ok := New(tt.name)
		if !ok {
			t.Errorf("New(%q): unknown", tt.name)
			continue
		}
		h.Write([]byte("abc"))
		if got := hex.EncodeToString(h.Sum(nil))[:16]; got != tt.abc {
			t.Errorf("%s(abc) = %s…; want %s…", tt.name, got, tt.abc)
		}
		if _, ok := Attr(tt.name); ok != tt.attr {
			t.Errorf("Attr(%q) known = %v; want %v", tt.name, ok, tt.attr)
		}
	}
	for _, bad := range []string{"SHA256", "sha-256", "blake3", ""} {
		if _, ok := New(bad); ok {
			t.Errorf("New(%q) known; want unknown", bad)
		}
	}
}
