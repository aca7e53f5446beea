package jinja

import "testing"

// Salt's to_bool and is_list filters only ask isinstance of their value,
// which StrictUndefined does not refuse: a key the pillar leaves out is
// False through them, as Salt's filters run under Python give it; the
// other filters still fail on it.
func TestSaltFiltersOnUndefined(t *testing.T) {
	vars := SaltVars(SaltContext{}, "", "", "base")
	for _, tt := range []struct{ src, want string }{
		{`{% set d = {} %}{{ d.x|to_bool }}|{{ d['x']|is_list }}|{{ d.x|default('yes')|to_bool }}`, "False|False|True"},
		{`{% set d = {} %}{% if not d.enabled|to_bool %}off{% endif %}`, "off"},
	} {
		got, err := Render("t", []byte(tt.src), vars, Options{})
		if err != nil || got != tt.want {
			t.Errorf("%s = %q, %v; want %q", tt.src, got, err, tt.want)
		}
	}
	for _, src := range []string{`{% set d = {} %}{{ d.x|string }}`, `{{ nope|is_iter }}`, `{{ nope|length }}`} {
		if _, err := Render("t", []byte(src), vars, Options{}); err == nil {
			t.Errorf("%s rendered; want Jinja's undefined error", src)
		}
	}
}
