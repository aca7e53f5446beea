package exec

import (
	"reflect"
	"testing"
)

// TestSysFunctionsSelectAsSalt: the sys.* functions take module names
// (sys matches sys.*, not sysctl.*) and globs, as Salt's sysmod.
func TestSysFunctionsSelectAsSalt(t *testing.T) {
	h := testHost(t)
	tests := []struct {
		fun   string
		words []string
		want  any
	}{
		{"sys.list_functions", []string{"file.get_*"}, []string{"file.get_gid", "file.get_group", "file.get_hash", "file.get_mode", "file.get_uid", "file.get_user"}},
		{"sys.list_functions", []string{"cmd.run_s*", "test.ping"}, []string{"cmd.run_stderr", "cmd.run_stdout", "test.ping"}},
		{"sys.list_functions", []string{"nosuch"}, []string{}},
		{"sys.list_modules", []string{"sys"}, []string{"sys"}},
		{"sys.list_modules", []string{"sys*"}, []string{"sys", "sysctl"}},
		{"sys.list_state_modules", []string{"cmd"}, []string{"cmd"}},
		{"sys.list_state_functions", []string{"cmd"}, []string{"cmd.run", "cmd.script", "cmd.wait", "cmd.wait_script"}},
		{"sys.doc", []string{"nosuch"}, map[string]any{}},
		{"sys.argspec", nil, map[string]any{}},
		{"sys.argspec", []string{"test.echo"}, map[string]any{"test.echo": map[string]any{"args": []any{"text"}, "defaults": nil, "kwargs": nil, "varargs": nil}}},
		{"sys.argspec", []string{"test.retcode"}, map[string]any{"test.retcode": map[string]any{"args": []any{"code"}, "defaults": []any{42}, "kwargs": nil, "varargs": nil}}},
		{"sys.argspec", []string{"test.arg"}, map[string]any{"test.arg": map[string]any{"args": nil, "defaults": nil, "kwargs": true, "varargs": true}}},
	}
	for _, tt := range tests {
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != 0 {
			t.Errorf("%s %q = %#v (%d); want %#v", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	// sys.doc sys documents sys.* alone; sys.doc test.arg that function
	// and no other (not test.arg_type).
	for _, tt := range []struct {
		arg        string
		has, hasnt string
	}{{"sys", "sys.doc", "sysctl.get"}, {"test.arg", "test.arg", "test.arg_type"}, {"sys.", "sys.argspec", "sysctl.show"}} {
		ret := callWords(t, h, "sys.doc", tt.arg)
		m, _ := ret.Value.(map[string]any)
		if _, ok := m[tt.has]; !ok {
			t.Errorf("sys.doc %s lacks %s", tt.arg, tt.has)
		}
		if _, ok := m[tt.hasnt]; ok {
			t.Errorf("sys.doc %s has %s", tt.arg, tt.hasnt)
		}
	}
}
