package states

import (
	"path/filepath"
	"testing"
)

// The tables of the states brine added in the ninth round (ini, …), each
// phase pinned against Salt 3006's state and execution modules, with the
// file the real run leaves checked too.

// fidIni runs fun on /etc/app.ini of a root holding content ("" for no
// file), and checks after each real run that the file reads want.
func fidIni(fun string, args map[string]any, content string, want string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		root := fileTestRoot(t)
		if content != "" {
			fileWriteT(t, filepath.Join(root, "etc/app.ini"), content)
		}
		return func(test bool) Result {
			r := fileCall(t, root, fun, "/etc/app.ini", args, test)
			if !test && want != "" {
				if got := iniRootFile(t, root, "etc/app.ini"); got != want {
					t.Errorf("file after the real run = %q; want %q", got, want)
				}
			}
			return r
		}
	}
}

func TestSaltFidelityIni(t *testing.T) {
	const conf = "# app\n[main]\nport = 80\n#debug = yes\n\n[old]\nx = 1\n"
	secs := func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	ba := func(b, a any) map[string]any { return map[string]any{"before": b, "after": a} }
	fidRunAll(t, []fidCase{{
		name: "ini.options_present: changed, uncommented, new section",
		salt: "states/ini_manage.py options_present(); modules/ini_manage.py set_option(), _Section.update()",
		setup: fidIni("ini.options_present", map[string]any{"sections": secs(
			"main", secs("port", 8080, "debug", true),
			"new", secs("k", "v"),
		)}, conf, "# app\n[main]\nport = 8080\ndebug = True\n\n[old]\nx = 1\n\n[new]\nk = v\n"),
		test: fidW(None, "Changed key debug in section main.\nChanged key port in section main.\nChanged key k in section new.\n", map[string]any{
			"main": map[string]any{"port": ba("80", "8080"), "debug": ba(nil, "True")},
			"new":  ba(nil, map[string]any{"k": "v"}),
		}),
		real: fidW(True, "Changes take effect", map[string]any{
			"main": map[string]any{"port": ba("80", "8080"), "debug": ba(nil, "True")},
			"new":  ba(nil, map[string]any{"k": "v"}),
		}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Unchanged key debug in section main.\nUnchanged key port in section main.\nUnchanged key k in section new.\n", nil),
	}, {
		name: "ini.options_present: strict, keys outside sections",
		salt: "options_present(), the strict branches",
		setup: fidIni("ini.options_present", map[string]any{"strict": true, "sections": secs(
			"top", "1",
			"old", secs("y", "2"),
		)}, "a = 0\n"+conf, "# app\ntop = 1\n[main]\nport = 80\n#debug = yes\n\n[old]\ny = 2\n"),
		test: fidW(None, "Changed key top.\nRemoved key a.\nDeleted key x in section old.\nChanged key y in section old.\n", map[string]any{
			"top": ba(nil, "1"), "a": ba("0", nil),
			"old": map[string]any{"x": ba("1", nil), "y": ba(nil, "2")},
		}),
		real: fidW(True, "Changes take effect", map[string]any{
			"top": ba(nil, "1"), "a": ba("0", nil),
			"old": map[string]any{"x": ba("1", nil), "y": ba(nil, "2")},
		}),
		rerun: fidW(True, "No anomaly detected", nil),
	}, {
		name:   "ini.options_present: a new file",
		salt:   "options_present(); _Ini.refresh() of a missing file, flush()",
		setup:  fidIni("ini.options_present", map[string]any{"sections": secs("s", secs("a", "b"))}, "", "[s]\na = b\n"),
		test:   fidW(None, "Changed key a in section s.\n", map[string]any{"s": ba(nil, map[string]any{"a": "b"})}),
		real:   fidW(True, "Changes take effect", map[string]any{"s": ba(nil, map[string]any{"a": "b"})}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Unchanged key a in section s.\n", nil),
	}, {
		name:  "ini.options_present: no_spaces",
		salt:  "options_present(no_spaces=True), 3006.10",
		setup: fidIni("ini.options_present", map[string]any{"no_spaces": true, "sections": secs("main", secs("port", "81"))}, conf, "# app\n[main]\nport=81\n#debug = yes\n\n[old]\nx = 1\n"),
		test:  fidW(None, "Changed key port in section main.\n", map[string]any{"main": map[string]any{"port": ba("80", "81")}}),
		real:  fidW(True, "Changes take effect", map[string]any{"main": map[string]any{"port": ba("80", "81")}}),
		rerun: fidW(True, "No anomaly detected", nil),
	}, {
		name:   "ini.options_absent",
		salt:   "options_absent(); modules/ini_manage.py remove_option()",
		setup:  fidIni("ini.options_absent", map[string]any{"sections": secs("main", []any{"port", "nope"}, "gone", []any{"a"})}, conf, "# app\n[main]\n#debug = yes\n\n[old]\nx = 1\n"),
		test:   fidW(None, "Key a in section gone does not exist.\nDeleted key port in section main.\nKey nope in section main does not exist.\n", map[string]any{"main": map[string]any{"port": "80"}}),
		real:   fidW(True, "Changes take effect", map[string]any{"main": map[string]any{"port": "80"}}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Key a in section gone does not exist.\nKey port in section main does not exist.\nKey nope in section main does not exist.\n", nil),
	}, {
		name:   "ini.sections_present",
		salt:   "sections_present(); set_option() with empty sections",
		setup:  fidIni("ini.sections_present", map[string]any{"sections": []any{"main", "extra"}}, conf, conf+"\n[extra]\n"),
		test:   fidW(None, "Section unchanged main.\nCreated new section extra.\n", map[string]any{"extra": ba(nil, map[string]any{})}),
		real:   fidW(True, "Changes take effect", map[string]any{"extra": ba(nil, map[string]any{})}),
		rerun:  fidW(True, "Changes take effect", nil),
		retest: fidW(True, "Section unchanged main.\nSection unchanged extra.\n", nil),
	}, {
		name:   "ini.sections_absent",
		salt:   "sections_absent(); remove_section()",
		setup:  fidIni("ini.sections_absent", map[string]any{"sections": []any{"old", "none"}}, conf, "# app\n[main]\nport = 80\n#debug = yes\n"),
		test:   fidW(None, "Deleted section old.\nSection none does not exist.\n", map[string]any{"old": map[string]any{"x": "1"}}),
		real:   fidW(True, "Changes take effect", map[string]any{"old": map[string]any{"x": "1"}}),
		rerun:  fidW(True, "No anomaly detected", nil),
		retest: fidW(True, "Section old does not exist.\nSection none does not exist.\n", nil),
	}, {
		name:  "ini.options_present: no directory",
		salt:  "options_present(); flush() raising, the comment is the OSError",
		setup: fidFile("ini.options_present", "/nodir/app.ini", map[string]any{"sections": secs("s", secs("a", "b"))}, nil),
		real:  fidW(False, "[Errno 2] No such file or directory: '/nodir/app.ini'", nil),
	}})
}
