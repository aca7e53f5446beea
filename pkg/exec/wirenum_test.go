package exec

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestWireNumbers: numbers that came over the wire (json.Number) bind as
// the command line's do.
func TestWireNumbers(t *testing.T) {
	h := testHost(t)
	ret := Call(t.Context(), h, "test.arg", []any{json.Number("3"), json.Number("2.5")}, map[string]any{"n": json.Number("614400"), "l": []any{json.Number("1")}})
	want := map[string]any{"args": []any{3, 2.5}, "kwargs": map[string]any{"n": 614400, "l": []any{1}}}
	if !reflect.DeepEqual(ret.Value, want) {
		t.Errorf("test.arg with json.Numbers = %#v; want %#v", ret.Value, want)
	}
	if ret := Call(t.Context(), h, "test.sleep", []any{json.Number("0")}, nil); ret.Value != true {
		t.Errorf("test.sleep json 0 = %#v", ret.Value)
	}
}
