package exec

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/states"
)

// module.run in a state run calls this package's functions, in both of
// Salt's syntaxes, and runs nothing under test.
func TestModuleRunState(t *testing.T) {
	h := testHost(t)
	dir := t.TempDir()
	sls := "new:\n  module.run:\n    - test.arg:\n      - a\n      - k: v\n    - test.true: []\n" +
		"old:\n  module.run:\n    - name: test.echo\n    - text: hi\n" +
		"missing:\n  module.run:\n    - nope.nothing: []\n"
	if err := os.WriteFile(filepath.Join(dir, "m.sls"), []byte(sls), 0o644); err != nil {
		t.Fatal(err)
	}
	h.Files = &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}}
	byID := func(test bool) map[string]engine.StateResult {
		kw := map[string]any{}
		if test {
			kw["test"] = true
		}
		ret := Call(context.Background(), h, "state.apply", []any{"m"}, kw)
		res, ok := ret.Value.([]engine.StateResult)
		if !ok {
			t.Fatalf("state.apply = %#v", ret.Value)
		}
		out := map[string]engine.StateResult{}
		for _, r := range res {
			out[r.ID] = r
		}
		return out
	}
	dry := byID(true)
	if r := dry["new"]; r.Result.Result != states.None || r.Result.Comment != "Functions test.arg, test.true to be executed." || len(r.Result.Changes) != 0 {
		t.Errorf("dry new = %+v", r.Result)
	}
	if r := dry["old"]; r.Result.Result != states.None || r.Result.Comment != "Module function test.echo is set to execute" {
		t.Errorf("dry old = %+v", r.Result)
	}
	real := byID(false)
	r := real["new"].Result
	if r.Result != states.True || r.Comment != "test.arg: Success, test.true: True" || r.Changes["test.true"] != true {
		t.Errorf("new = %+v", r)
	}
	if got, want := r.Changes["test.arg"], map[string]any{"args": []any{"a"}, "kwargs": map[string]any{"k": "v"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("test.arg returned %#v; want %#v", got, want)
	}
	if r := real["old"].Result; r.Result != states.True || r.Comment != "Module function test.echo executed" || r.Changes["ret"] != "hi" {
		t.Errorf("old = %+v", r)
	}
	if r := real["missing"].Result; r.Result != states.False || r.Comment != "Unavailable function: nope.nothing." {
		t.Errorf("missing = %+v", r)
	}
}
