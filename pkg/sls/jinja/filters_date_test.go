package jinja

import (
	"strings"
	"testing"
	"time"
)

// Salt's strftime/date_format read numbers as Unix times in the local
// zone; the directives are Python's (pkg/py/pystrftime checks them).
func TestStrftimeFilter(t *testing.T) {
	// The expected texts are in the zone the test runs in, as Python's
	// fromtimestamp gives them.
	at := time.Unix(1700000000, 0)
	tests := []struct{ src, want string }{
		{"{{ 1700000000|strftime }}", at.Format("2006-01-02")},
		{"{{ 1700000000|date_format('%Y%m%d-%H%M') }}", at.Format("20060102-1504")},
		{"{{ '1700000000'|strftime('%a %d %b %Y') }}", at.Format("Mon 02 Jan 2006")},
		{"{{ 1700000000.5|strftime(format='%S.%f') }}", "20.500000"},
		{"{{ none|strftime('%Y')|length }}", "4"},
	}
	for _, tt := range tests {
		got, err := Render("t", []byte(tt.src), nil, Options{})
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	if _, err := Render("t", []byte("{{ '2024-01-02'|strftime }}"), nil, Options{}); err == nil || !strings.Contains(err.Error(), "Consider installing timelib") {
		t.Errorf("a date as text: error %v; want Salt's timelib message", err)
	}
}
