package jinja

import "testing"

// salt['mine.get'] hands Salt 3006's exclude_minion (keyword, or the
// fourth positional argument) to the host's mine.
func TestMineGetExcludeMinionArg(t *testing.T) {
	for _, tt := range []struct {
		args []any
		kw   map[string]any
		want bool
	}{
		{[]any{"*", "f"}, nil, false},
		{[]any{"*", "f"}, map[string]any{"exclude_minion": true}, true},
		{[]any{"*", "f", "glob", true}, nil, true},
	} {
		var got *bool
		fns := SaltFuncs(SaltContext{ID: "m1", MineGet: func(tgt string, fun any, tgtType string, ex bool) (any, error) {
			got = &ex
			return map[string]any{}, nil
		}})
		if _, err := fns["mine.get"](tt.args, tt.kw); err != nil {
			t.Fatal(err)
		}
		if got == nil || *got != tt.want {
			t.Errorf("mine.get%v %v: exclude_minion %v; want %v", tt.args, tt.kw, got, tt.want)
		}
	}
}
