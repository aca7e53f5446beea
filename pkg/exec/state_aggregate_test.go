package exec

import (
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/engine"
)

// TestStateAggregateOption reads the minion's state_aggregate as Salt's
// _mod_aggregate: True is every module, a list names modules, anything
// else (a string, False) is none.
func TestStateAggregateOption(t *testing.T) {
	tests := []struct {
		in   any
		want []string
	}{
		{true, []string{engine.AggregateAll}},
		{false, nil},
		{nil, nil},
		{"pkg", nil},
		{[]any{"pkg", 3}, []string{"pkg"}},
	}
	for _, tc := range tests {
		if got := stateAggregate(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("stateAggregate(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
}
