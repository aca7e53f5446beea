package top

import "testing"

// A grain or pillar target with another delimiter, as Salt's match.grain
// and match.pillar take one: the value may then hold ':'.
func TestCompileDelim(t *testing.T) {
	m := Minion{ID: "m1", Grains: map[string]any{"ipv6": []any{"2001:db8::1"}, "os": "Debian"},
		Pillar: map[string]any{"app": map[string]any{"url": "https://x.example:8443/"}}}
	for _, tt := range []struct {
		expr, kind, delim string
		want              bool
	}{
		{"ipv6|2001:db8::1", KindGrain, "|", true},
		{"ipv6|2001:db8::2", KindGrain, "|", false},
		{"os/Deb*", KindGrain, "/", true},
		{"ipv6|^2001:db8", KindGrainPCRE, "|", true},
		{"app|url|https://x.example:8443/", KindPillarExact, "|", true},
		{"app|url|https://*", KindPillar, "|", true},
		{"app|url|^http:", KindPillarPCRE, "|", false},
	} {
		mt, err := CompileDelim(tt.expr, tt.kind, tt.delim)
		if err != nil {
			t.Errorf("CompileDelim(%q, %s, %q): %v", tt.expr, tt.kind, tt.delim, err)
			continue
		}
		if got := mt.Match(m); got != tt.want {
			t.Errorf("CompileDelim(%q, %s, %q).Match = %v; want %v", tt.expr, tt.kind, tt.delim, got, tt.want)
		}
	}
	if _, err := CompileDelim("web*", KindGlob, "|"); err == nil {
		t.Error("a glob with a delimiter compiled")
	}
	if _, err := CompileDelim("os:Debian", KindGrain, "|"); err == nil {
		t.Error("a grain target without the delimiter compiled")
	}
}
