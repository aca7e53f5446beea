package outputconf

import (
	"slices"
	"testing"
)

// TestFilterWords: state_output_exclude and state_output_terse as Salt's
// _format_host reads them: a string is split at its commas, and a list
// matches by its strings alone (Salt looks str(result) up in it).
func TestFilterWords(t *testing.T) {
	words := []struct {
		v    any
		want []string
	}{
		{"True,", []string{"True", ""}},
		{"None,False", []string{"None", "False"}},
		{[]any{"True", true, nil, "None"}, []string{"True", "None"}},
		{nil, nil},
		{3, nil},
	}
	for _, w := range words {
		if got := FilterWords(w.v); !slices.Equal(got, w.want) {
			t.Errorf("FilterWords(%#v) = %q; want %q", w.v, got, w.want)
		}
	}
}
