package minion

import (
	"reflect"
	"testing"
)

// TestMasterGrain: the master grain is the host of the master the minion
// connects to (a list for several), as Salt's is its master option.
func TestMasterGrain(t *testing.T) {
	for master, want := range map[string]any{
		"nats://127.0.0.1:4222":                        "127.0.0.1",
		"tls://salt.example:4222":                      "salt.example",
		"tls://m1.example:4222, tls://m2.example:4222": []any{"m1.example", "m2.example"},
	} {
		m := New(&Config{ID: "web1", Master: master, StateDir: t.TempDir()}, nil)
		if got := m.collectGrains()["master"]; !reflect.DeepEqual(got, want) {
			t.Errorf("master %q: master grain = %#v; want %#v", master, got, want)
		}
	}
}
