package minion

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/output"
	"github.com/brine-cm/brine/states"
)

// A state's warnings travel to the master and reach the operator's
// highstate output; a state without any sends no "warnings" key.
func TestWireStateWarnings(t *testing.T) {
	warned := engine.StateResult{
		Key: states.Key("file.managed", "motd", "/etc/motd"), ID: "motd", Name: "/etc/motd", Func: "file.managed", SLS: "base", RunNum: 0,
		Result: states.Result{Name: "/etc/motd", Result: states.True, Comment: "File /etc/motd is in the correct state",
			Warnings: []string{"The following arguments are not used by file.managed: colour"}},
		Start: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Duration: time.Millisecond,
	}
	w := wireState(warned)
	if !reflect.DeepEqual(w.Warnings, warned.Warnings) {
		t.Fatalf("wireState warnings = %q; want %q", w.Warnings, warned.Warnings)
	}

	clean := warned
	clean.Key, clean.ID, clean.RunNum, clean.Warnings = states.Key("file.managed", "issue", "/etc/motd"), "issue", 1, nil
	b, err := json.Marshal(wireValue([]engine.StateResult{warned, clean}))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), `"warnings"`); n != 1 {
		t.Errorf(`"warnings" appears %d times in %s; want once, for the warned state only`, n, b)
	}

	// What the CLI decodes, and the typed map itself, print the warning
	// under the state.
	var decoded map[string]any
	if err := json.Unmarshal(b, &decoded); err != nil {
		t.Fatal(err)
	}
	for _, ret := range []any{decoded, wireValue([]engine.StateResult{warned, clean})} {
		var out strings.Builder
		if err := output.Print(&out, "m1", ret, output.Options{}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"    Warnings: The following arguments are not used by file.managed: colour\n",
			"Warnings:  1\n",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%T: output lacks %q:\n%s", ret, want, out.String())
			}
		}
	}
}
