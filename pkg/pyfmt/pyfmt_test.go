package pyfmt

import (
	"math"
	"testing"
)

func TestFloat(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{1.5, "1.5"}, {100, "100.0"}, {0, "0.0"}, {math.Copysign(0, -1), "-0.0"},
		{1e16, "1e+16"}, {0.0001, "0.0001"}, {0.00001, "1e-05"}, {41.329, "41.329"},
		{math.Inf(1), "inf"}, {math.NaN(), "nan"},
	}
	for _, tt := range tests {
		if got := Float(tt.in); got != tt.want {
			t.Errorf("Float(%v) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a", "'a'"}, {"it's", `"it's"`}, {`say "x" it's`, `'say "x" it\'s'`},
		{"a\nb", `'a\nb'`}, {"\x01", `'\x01'`}, {`back\slash`, `'back\\slash'`},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s; want %s", tt.in, got, tt.want)
		}
	}
}
