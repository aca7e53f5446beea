package states

import (
	"context"
	"reflect"
	"testing"
)

type fakeExec struct{ calls []moduleCall }

func (f *fakeExec) Has(fun string) bool { return fun != "nope.x" }

func (f *fakeExec) Call(_ context.Context, fun string, args []any, kwargs map[string]any) (any, bool) {
	f.calls = append(f.calls, moduleCall{fun: fun, args: args, kwargs: kwargs})
	switch fun {
	case "cmd.fail":
		return "exit 1", false
	case "file.file_exists":
		return false, true
	case "test.echo":
		return "hello", true
	case "state.bad":
		return map[string]any{"retcode": 1, "comment": "boom"}, true
	case "state.nested":
		return map[string]any{"x": map[string]any{"result": false}}, true
	}
	return true, true
}

// TestModuleRunResults: what fails and what each function's return says,
// as Salt's module.run (_run, _legacy_run, _get_result) reads them.
func TestModuleRunResults(t *testing.T) {
	for _, tt := range []struct {
		name    string
		args    map[string]any
		result  Outcome
		comment string
	}{
		{"x", map[string]any{"file.file_exists": []any{"/nope"}}, False, "'file.file_exists': False"},
		{"x", map[string]any{"test.echo": []any{"hello"}, "state.bad": nil}, False, "'state.bad' failed: boom, test.echo: hello"},
		{"x", map[string]any{"test.echo": []any{"hello"}, "test.ping": nil}, True, "test.echo: hello, test.ping: True"},
		{"file.file_exists", map[string]any{"m_args": []any{"/nope"}}, False, "Module function file.file_exists executed"},
		{"state.nested", nil, False, "Module function state.nested executed"},
		{"test.ping", nil, True, "Module function test.ping executed"},
	} {
		fn, _ := Lookup("module.run")
		res := fn(context.Background(), &Request{ID: tt.name, Name: tt.name, Func: "module.run", Args: NewArgs(fileCopyArgs(tt.args)), Env: &Env{Exec: &fakeExec{}}})
		if res.Result != tt.result || res.Comment != tt.comment {
			t.Errorf("%s %v: %v %q; want %v %q", tt.name, tt.args, res.Result, res.Comment, tt.result, tt.comment)
		}
	}
}

func TestSaltFidelityModuleRun(t *testing.T) {
	run := func(name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			return func(test bool) Result {
				fn, _ := Lookup("module.run")
				return fn(context.Background(), &Request{ID: name, Name: name, Func: "module.run", Args: NewArgs(fileCopyArgs(args)), Test: test, Env: &Env{Exec: &fakeExec{}}})
			}
		}
	}
	fidRunAll(t, []fidCase{{
		name:          "module.run: new syntax",
		salt:          "module.run(), _run()",
		unforeseeable: true,
		setup:         run("restart", map[string]any{"service.restart": []any{"nginx"}}),
		test:          fidW(None, "Function service.restart to be executed.", nil),
		real:          fidW(True, "service.restart: True", map[string]any{"service.restart": true}),
	}, {
		name:          "module.run: old syntax",
		salt:          "module.run(), _legacy_run()",
		unforeseeable: true,
		setup:         run("test.ping", nil),
		test:          fidW(None, "Module function test.ping is set to execute", nil),
		real:          fidW(True, "Module function test.ping executed", map[string]any{"ret": true}),
	}, {
		name:  "module.run: failed",
		salt:  "module.run(), _run()",
		setup: run("x", map[string]any{"cmd.fail": nil}),
		real:  fidW(False, "'cmd.fail' failed: exit 1", nil),
	}, {
		name:  "module.wait: no watch fired",
		salt:  "module.wait()",
		setup: lookupRun("module.wait", "restart", map[string]any{"service.restart": []any{"nginx"}}),
		test:  fidW(True, "", nil),
		real:  fidW(True, "", nil),
	}, {
		name:          "module.wait: mod_watch",
		salt:          "module.mod_watch (module.run), _run()",
		unforeseeable: true,
		setup:         watchRun("module", "module.wait", "restart", map[string]any{"service.restart": []any{"nginx"}}),
		test:          fidW(None, "Function service.restart to be executed.", nil),
		real:          fidW(True, "service.restart: True", map[string]any{"service.restart": true}),
	}, {
		name:          "module.run: mod_watch, old syntax",
		salt:          "module.mod_watch (module.run), _legacy_run()",
		unforeseeable: true,
		setup:         watchRun("module", "module.run", "test.ping", nil),
		test:          fidW(None, "Module function test.ping is set to execute", nil),
		real:          fidW(True, "Module function test.ping executed", map[string]any{"ret": true}),
	}, {
		name:  "module.run: unavailable",
		salt:  "module.run(), _run()",
		setup: run("x", map[string]any{"nope.x": []any{}}),
		test:  fidW(False, "Unavailable function: nope.x.", nil),
	}})
	req := &Request{Name: "x", Func: "module.run", Args: NewArgs(map[string]any{"pkg.install": []any{"a", map[string]any{"refresh": true}}})}
	fn, _ := Lookup("module.run")
	f := &fakeExec{}
	req.Env = &Env{Exec: f}
	fn(context.Background(), req)
	if len(f.calls) != 1 || !reflect.DeepEqual(f.calls[0].args, []any{"a"}) || !reflect.DeepEqual(f.calls[0].kwargs, map[string]any{"refresh": true}) {
		t.Errorf("calls = %+v", f.calls)
	}
}

// lookupRun calls a state function with fakeExec's functions.
func lookupRun(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		return func(test bool) Result {
			fn, err := Lookup(fun)
			if err != nil {
				t.Fatal(err)
			}
			return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test, Env: &Env{Exec: &fakeExec{}}})
		}
	}
}

// watchRun calls a module's mod_watch for a state of function fun.
func watchRun(module, fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		return func(test bool) Result {
			fn, ok := Watcher(module)
			if !ok {
				t.Fatalf("no mod_watch for %s", module)
			}
			return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(fileCopyArgs(args)), Test: test, Env: &Env{Exec: &fakeExec{}}})
		}
	}
}
