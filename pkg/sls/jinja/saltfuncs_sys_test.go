package jinja

import (
	"strings"
	"testing"
)

// Salt's loader holds every execution module of the platform, so a
// formula's `'pkg.refresh_db' in salt`, `salt['x'] is defined` and
// sys.list_functions/list_modules (salt/modules/sysmod.py) see the
// host's execution functions too, not only those a template may call;
// calling one that changes the host fails the render.
func TestSysFuncsSeeExecNames(t *testing.T) {
	c := SaltContext{ExecNames: []string{"pkg.refresh_db", "pkg.install", "sysctl.get", "sys.doc"}}
	tests := []struct{ src, want string }{
		{`{{ 'pkg.refresh_db' in salt }} {{ 'pkg.nosuch' in salt }} {{ salt['pkg.install'] is defined }}`, "True False True"},
		{`{{ salt['sys.list_functions']('pkg.refresh_db') }}`, "['pkg.refresh_db']"},
		{`{{ salt['sys.list_functions']('pkg') }}`, "['pkg.install', 'pkg.refresh_db', 'pkg.version']"},
		// "sys" is a module name: sysctl's functions are not sys's.
		{`{{ salt['sys.list_functions']('sys') }}`, "['sys.doc', 'sys.list_functions', 'sys.list_modules']"},
		{`{{ salt['sys.list_functions']('pkg.*', 'sys.list_m*') }}`, "['pkg.install', 'pkg.refresh_db', 'pkg.version', 'sys.list_modules']"},
		{`{{ salt['sys.list_functions']('nosuch') }}`, "[]"},
		{`{{ 'pkg' in salt['sys.list_modules']() }} {{ 'selinux' in salt['sys.list_modules']() }}`, "True False"},
		{`{{ salt['sys.list_modules']('sys*') }} {{ salt['sys.list_modules']('pkg.install') }}`, "['sys', 'sysctl'] []"},
	}
	for _, tt := range tests {
		got, err := Render("t", []byte(tt.src), SaltVars(c, "", "", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("%s = %q; want %q", tt.src, got, tt.want)
		}
	}
	_, err := Render("t", []byte(`{{ salt['pkg.install']('x') }}`), SaltVars(c, "", "", "base"), Options{})
	if err == nil || !strings.Contains(err.Error(), "function 'pkg.install' is not available in templates") {
		t.Errorf("calling pkg.install: err = %v; want it refused", err)
	}
}
