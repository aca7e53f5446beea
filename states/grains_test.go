package states

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// grainsFake is the grains execution functions over a map.
type grainsFake struct {
	g      map[string]any
	writes int
}

func (f *grainsFake) Has(fun string) bool { return strings.HasPrefix(fun, "grains.") }

func (f *grainsFake) Call(_ context.Context, fun string, _ []any, kw map[string]any) (any, bool) {
	switch fun {
	case "grains.items":
		return grainsCopy(f.g), true
	case "grains.setval":
		f.writes++
		f.g[kw["key"].(string)] = kw["val"]
		return map[string]any{kw["key"].(string): kw["val"]}, true
	case "grains.delval":
		f.writes++
		delete(f.g, kw["key"].(string))
		return map[string]any{kw["key"].(string): nil}, true
	}
	return fmt.Sprintf("no %s", fun), false
}

func grainsCall(t *testing.T, f *grainsFake, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Env: &Env{Exec: f}})
}

// grainsCycle runs a dry run, a real run and a rerun, and checks the dry
// run predicted the real one, wrote nothing, and the rerun is a no-op.
func grainsCycle(t *testing.T, f *grainsFake, fun, name string, args map[string]any) Result {
	t.Helper()
	before := grainsCopy(f.g)
	dry := grainsCall(t, f, fun, name, args, true)
	if !reflect.DeepEqual(before, f.g) || f.writes != 0 {
		t.Fatalf("%s %s: the dry run wrote grains", fun, name)
	}
	real := grainsCall(t, f, fun, name, args, false)
	if dry.Result != None || real.Result != True || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("%s %s: dry %v %#v %q; real %v %#v %q", fun, name, dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment)
	}
	again := grainsCall(t, f, fun, name, args, false)
	if again.Result != True || len(again.Changes) != 0 {
		t.Fatalf("%s %s: rerun %v %#v %q", fun, name, again.Result, again.Changes, again.Comment)
	}
	f.writes = 0
	return real
}

func TestGrainsStates(t *testing.T) {
	f := &grainsFake{g: map[string]any{"os": "Debian", "roles": []any{"db"}, "app": map[string]any{"tier": "back"}}}

	r := grainsCycle(t, f, "grains.present", "env", map[string]any{"value": "prod"})
	if r.Comment != "Set grain env to prod" || !reflect.DeepEqual(r.Changes, map[string]any{"env": "prod"}) {
		t.Errorf("present = %#v %q", r.Changes, r.Comment)
	}
	// Nested: the top-level grain is written whole, the rest kept.
	grainsCycle(t, f, "grains.present", "app:port", map[string]any{"value": 8080})
	if want := map[string]any{"tier": "back", "port": 8080}; !reflect.DeepEqual(f.g["app"], want) {
		t.Errorf("app = %#v; want %#v", f.g["app"], want)
	}
	if r := grainsCall(t, f, "grains.present", "app/port", map[string]any{"value": 8080, "delimiter": "/"}, false); r.Comment != "Grain is already set" {
		t.Errorf("delimiter = %v %q", r.Result, r.Comment)
	}
	// Salt's refusals without force.
	for _, c := range []struct {
		name  string
		value any
		want  string
	}{
		{"roles", "web", "The key 'roles' exists but is a dict or a list. Use 'force=True' to overwrite."},
		{"os", []any{"x"}, "The key 'os' exists and the given value is a dict or a list. Use 'force=True' to overwrite."},
		{"os:family", "x", "The key 'os' value is 'Debian', which is different from the provided key 'family'. Use 'force=True' to overwrite."},
	} {
		for _, test := range []bool{true, false} {
			if r := grainsCall(t, f, "grains.present", c.name, map[string]any{"value": c.value}, test); r.Result != False || r.Comment != c.want {
				t.Errorf("present %s (test=%v) = %v %q; want %q", c.name, test, r.Result, r.Comment, c.want)
			}
		}
	}
	grainsCycle(t, f, "grains.present", "roles", map[string]any{"value": "web", "force": true})

	f.g["roles"] = []any{"db"}
	r = grainsCycle(t, f, "grains.list_present", "roles", map[string]any{"value": "web"})
	if r.Comment != "Append value web to grain roles" || !reflect.DeepEqual(f.g["roles"], []any{"db", "web"}) ||
		!reflect.DeepEqual(r.Changes, map[string]any{"new": map[string]any{"roles": []any{"db", "web"}}}) {
		t.Errorf("list_present = %#v %q, roles %#v", r.Changes, r.Comment, f.g["roles"])
	}
	grainsCycle(t, f, "grains.list_present", "tags", map[string]any{"value": []any{"a", "b"}})
	if r := grainsCall(t, f, "grains.list_present", "os", map[string]any{"value": "x"}, true); r.Result != False || r.Comment != "Grain os is not a valid list" {
		t.Errorf("list_present on a string = %v %q", r.Result, r.Comment)
	}
	r = grainsCycle(t, f, "grains.list_absent", "roles", map[string]any{"value": "db"})
	if r.Comment != "Value db was deleted from grain roles" || !reflect.DeepEqual(f.g["roles"], []any{"web"}) ||
		!reflect.DeepEqual(r.Changes, map[string]any{"deleted": "db"}) {
		t.Errorf("list_absent = %#v %q, roles %#v", r.Changes, r.Comment, f.g["roles"])
	}

	r = grainsCycle(t, f, "grains.absent", "env", nil)
	if r.Comment != "Value for grain env was set to None" || f.g["env"] != nil {
		t.Errorf("absent = %#v %q", r.Changes, r.Comment)
	}
	r = grainsCycle(t, f, "grains.absent", "env", map[string]any{"destructive": true})
	if _, ok := f.g["env"]; ok || !reflect.DeepEqual(r.Changes, map[string]any{"deleted": "env"}) {
		t.Errorf("absent destructive = %#v %q, grains %#v", r.Changes, r.Comment, f.g)
	}
	grainsCycle(t, f, "grains.absent", "app:port", map[string]any{"destructive": true})
	if !reflect.DeepEqual(f.g["app"], map[string]any{"tier": "back"}) {
		t.Errorf("app after nested absent = %#v", f.g["app"])
	}

	if r := grainsCall(t, f, "grains.exists", "app:tier", nil, false); r.Result != True || r.Comment != "Grain exists" {
		t.Errorf("exists = %v %q", r.Result, r.Comment)
	}
	if r := grainsCall(t, f, "grains.exists", "nope", nil, false); r.Result != False || r.Comment != "Grain does not exist" {
		t.Errorf("exists nope = %v %q", r.Result, r.Comment)
	}
}
