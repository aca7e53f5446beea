package master

import (
	"encoding/base64"
	"testing"
	"time"
)

func TestCalloutExpired(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	claims := func(s string) string {
		return "e30." + base64.RawURLEncoding.EncodeToString([]byte(s)) + ".c2ln"
	}
	tests := []struct {
		token string
		want  bool
	}{
		{claims(`{"exp":1799999999}`), true},
		{claims(`{"exp":1800000000}`), false}, // whole seconds: this second still counts
		{claims(`{"exp":1800000002}`), false},
		{claims(`{"iat":1799999000}`), false}, // no expiry: authorize decides
		{claims(`not json`), false},
		{"e30.!!!.c2ln", false},
		{"no dots", false},
	}
	for _, tt := range tests {
		if got := calloutExpired(tt.token, now); got != tt.want {
			t.Errorf("calloutExpired(%q) = %v; want %v", tt.token, got, tt.want)
		}
	}
}
