package engine

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/states"
)

// TestParseFunction pins salt.utils.args.parse_function, whose results
// here were read from Salt's own code run under Python 3 (shlex, POSIX).
func TestParseFunction(t *testing.T) {
	for _, c := range []struct {
		in     string
		fun    string
		args   []any
		kwargs map[string]any
		ok     bool
	}{
		{"test.echo(hello)", "test.echo", []any{"hello"}, map[string]any{}, true},
		{"test.echo(hello world)", "test.echo", []any{"helloworld"}, map[string]any{}, true},
		{"test.echo('hello world')", "test.echo", []any{"hello world"}, map[string]any{}, true},
		{`cmd.run("echo hi", cwd=/tmp)`, "cmd.run", []any{"echo hi"}, map[string]any{"cwd": "/tmp"}, true},
		{"test.arg(a, b, kw=c)", "test.arg", []any{"a", "b"}, map[string]any{"kw": "c"}, true},
		{"test.arg([1, 2], {a: b}, k=(x, y))", "test.arg", []any{"[1,2]", "{a:b}"}, map[string]any{"k": "(x,y)"}, true},
		{"test.arg(/tmp/x-y.conf)", "test.arg", []any{"/tmp/x-y.conf"}, map[string]any{}, true},
		{"test.arg()", "test.arg", nil, map[string]any{}, true},
		{"test.arg", "", nil, nil, false},
		{"test.arg(a", "", nil, nil, false},
		{"test.arg(a]", "", nil, nil, false},
		{`test.arg('it\'s')`, "test.arg", []any{"it's"}, map[string]any{}, true},
		{`test.arg("a\"b", "c\d")`, "test.arg", []any{`a"b`, `c\d`}, map[string]any{}, true},
		{"test.arg(a # comment\n, b)", "test.arg", []any{"a", "b"}, map[string]any{}, true},
		{"test.arg(a=1, b = 2)", "test.arg", nil, map[string]any{"a": "1", "b": "2"}, true},
		{"test.echo(x).key.sub ~ /appended", "test.echo", []any{"x"}, map[string]any{}, true},
		{"pkg.version(nginx).nginx", "pkg.version", []any{"nginx"}, map[string]any{}, true},
		{"té.st(á)", "té.st", []any{"á"}, map[string]any{}, true},
	} {
		fun, args, kwargs, ok, err := parseFunction(c.in)
		if err != nil || ok != c.ok || fun != c.fun || !reflect.DeepEqual(args, c.args) || !reflect.DeepEqual(kwargs, c.kwargs) {
			t.Errorf("parseFunction(%q) = %q %#v %#v %v %v; want %q %#v %#v %v", c.in, fun, args, kwargs, ok, err, c.fun, c.args, c.kwargs, c.ok)
		}
	}
	// Python's shlex raises on an unclosed quote: the state fails.
	if _, _, _, _, err := parseFunction(`test.arg("a)`); err == nil {
		t.Errorf("parseFunction with an unclosed quote: no error")
	}
}

// slotFuncs are execution functions for slots.
type slotFuncs struct{}

func (slotFuncs) Has(fun string) bool {
	return fun == "test.echo" || fun == "test.data" || fun == "test.fail" || fun == "test.num" || fun == "cmd.run_all"
}

func (slotFuncs) Call(_ context.Context, fun string, args []any, kw map[string]any) (any, bool) {
	switch fun {
	case "test.echo":
		return args[0], true
	case "test.num":
		return 42, true
	case "cmd.run_all":
		// A command that exits 1: a retcode, not a failure.
		return map[string]any{"retcode": 1, "stdout": ""}, false
	case "test.data":
		return map[string]any{"a": map[string]any{"b": "deep"}, "l": []any{"x", map[string]any{"k": "inlist"}}}, true
	}
	return "it broke", false
}

// TestSlots runs Salt's State.format_slots: slots in strings, in the
// values of mappings, in list items and in mappings in lists, with
// .key traversal and ~ appending; deeper values are left alone, and a
// slot that is malformed or names a missing function is passed on.
func TestSlots(t *testing.T) {
	for _, c := range []struct {
		name string
		in   any
		want any
	}{
		{"string", "__slot__:salt:test.echo(hello)", "hello"},
		{"quoted", "__slot__:salt:test.echo('a b')", "a b"},
		{"not a string return", "__slot__:salt:test.num()", 42},
		{"append", "__slot__:salt:test.echo(/etc)~ /hosts", "/etc/hosts"},
		{"append to a non-string is ignored", "__slot__:salt:test.num()~x", 42},
		{"append after a key path", "__slot__:salt:test.data().a.b ~ er~", "deeper~"},
		{"key path", "__slot__:salt:test.data().a.b", "deep"},
		{"key path into a list", "__slot__:salt:test.data().l.0", "x"},
		{"key in a mapping in a list", "__slot__:salt:test.data().l.k", "inlist"},
		{"a command that fails is a value", "__slot__:salt:cmd.run_all(false).retcode", 1},
		{"missing key", "__slot__:salt:test.data().a.nope", nil},
		{"missing function", "__slot__:salt:nosuch.fn(x)", "__slot__:salt:nosuch.fn(x)"},
		{"not salt", "__slot__:pillar:foo", "__slot__:pillar:foo"},
		{"malformed", "__slot__:salt:test.echo", "__slot__:salt:test.echo"},
		{"not a slot", "x __slot__:salt:test.echo(a)", "x __slot__:salt:test.echo(a)"},
		{"mapping value", map[string]any{"k": "__slot__:salt:test.echo(v)", "n": 1}, map[string]any{"k": "v", "n": 1}},
		{"list items", []any{"__slot__:salt:test.echo(a)", "b", map[string]any{"k": "__slot__:salt:test.echo(c)"}},
			[]any{"a", "b", map[string]any{"k": "c"}}},
		{"deeper values stay", map[string]any{"k": map[string]any{"d": "__slot__:salt:test.echo(v)"}},
			map[string]any{"k": map[string]any{"d": "__slot__:salt:test.echo(v)"}}},
		{"list in a list stays", []any{[]any{"__slot__:salt:test.echo(v)"}}, []any{[]any{"__slot__:salt:test.echo(v)"}}},
	} {
		in := map[string]any{"text": c.in}
		got := run(t, Options{Env: &states.Env{Exec: slotFuncs{}}}, ch("A", in))
		if got["A"].Result.Result != states.True || len(rec.seen) != 1 {
			t.Errorf("%s: A = %s %q", c.name, got["A"].Result.Result, got["A"].Comment)
			continue
		}
		v, _ := rec.seen[0].Args.Get("text")
		if !reflect.DeepEqual(odict.Plain(v), c.want) {
			t.Errorf("%s: text = %#v; want %#v", c.name, v, c.want)
		}
		if !reflect.DeepEqual(in["text"], c.in) {
			t.Errorf("%s: the chunk's argument was changed to %#v", c.name, in["text"])
		}
	}
}

// TestSlotsOrderedMapping keeps an ordered mapping ordered.
func TestSlotsOrderedMapping(t *testing.T) {
	m := odict.New(2)
	m.Set("z", "__slot__:salt:test.echo(1)")
	m.Set("a", "b")
	sl := slotter{exec: slotFuncs{}, log: slog.Default()}
	_, out, err := sl.formatSlots(context.Background(), "n", map[string]any{"opts": m})
	om, ok := out["opts"].(*odict.Map)
	if err != nil || !ok || strings.Join(om.Keys(), ",") != "z,a" {
		t.Fatalf("opts = %#v, %v; want an ordered mapping z, a", out["opts"], err)
	}
	if z, _ := om.Get("z"); z != "1" {
		t.Errorf("opts.z = %v; want 1", z)
	}
	if z, _ := m.Get("z"); z != "__slot__:salt:test.echo(1)" {
		t.Errorf("the chunk's mapping was changed: z = %v", z)
	}
}

// TestSlotName evaluates a slot in the name, and fails the state when a
// slot's function fails, as Salt's call() does with its exception; the
// watch action formats its slots too.
func TestSlotName(t *testing.T) {
	opts := Options{Env: &states.Env{Exec: slotFuncs{}}}
	c := ch("A", nil)
	c.Name = "__slot__:salt:test.echo(/srv/x)"
	got := run(t, opts, c)
	if n := rec.seen[0].Name; n != "/srv/x" || got["A"].Name != "__slot__:salt:test.echo(/srv/x)" {
		t.Errorf("request name %q, result key name %q", n, got["A"].Name)
	}
	for _, slot := range []string{
		"__slot__:salt:test.fail()",
		// Salt takes the text after ")" as a key path, which must start
		// with a dot: this raises in Salt's __eval_slot.
		"__slot__:salt:test.echo(/etc) ~ /hosts",
		`__slot__:salt:test.echo("x)`,
	} {
		got = run(t, opts, ch("A", args("text", slot)))
		if a := got["A"]; a.Result.Result != states.False || !strings.HasPrefix(a.Comment, "An exception occurred in this state: ") || calls() != "" {
			t.Errorf("%s: A = %s %q, calls %q", slot, a.Result.Result, a.Comment, calls())
		}
	}
	got = run(t, opts, ch("B", args("changed", true)), ch("A", args("text", "__slot__:salt:test.echo(w)"), req("watch", "B")))
	if calls() != "B A watch:A" {
		t.Fatalf("calls %q", calls())
	}
	if v, _ := rec.seen[2].Args.Get("text"); v != "w" {
		t.Errorf("mod_watch text = %v; want w", v)
	}
}

// TestSlotsInCheckFunctions formats the slots of an onlyif entry's
// arguments, as Salt's _run_check_function does.
func TestSlotsInCheckFunctions(t *testing.T) {
	opts := Options{Env: &states.Env{Exec: slotFuncs{}}}
	entry := map[string]any{"fun": "test.echo", "args": []any{"__slot__:salt:test.data().a.nope"}}
	got := run(t, opts, ch("A", args("onlyif", []any{entry})))
	if a := got["A"]; a.Result.Result != states.True || a.Comment != "onlyif condition is false" || calls() != "" {
		t.Errorf("A = %s %q, calls %q; want skipped", a.Result.Result, a.Comment, calls())
	}
}
