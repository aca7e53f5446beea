// Package exec runs brine's execution functions (test.ping, grains.items,
// state.apply, state.show_*, cmd.run, sys.*) on one host. `brine call
// --local` and the minion both call it; only the file source differs.
package exec

import (
	"context"
	"log/slog"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/states"
)

// Host is everything a call needs to know about where it runs.
type Host struct {
	ID     string
	Grains map[string]any
	Pillar map[string]any
	Files  states.FileSource // salt:// files and the state tree
	Env    string            // saltenv, "base" by default
	Root   string            // --root
	Log    *slog.Logger
	// OnState is called as each state finishes (for streaming events).
	OnState func(engine.StateResult)
}

// Return is a function's return value and how to print it.
type Return struct {
	Value   any    // what the function returned; []engine.StateResult for state runs
	Retcode int    // 0 ok, 1 render/compile error, 2 a state failed
	Out     string // the outputter Salt would pick: "highstate" or "nested"
}

// Call runs one function with positional args and keyword args.
func Call(ctx context.Context, h *Host, fun string, args []any, kwargs map[string]any) Return {
	return Return{Value: "not implemented: " + fun, Retcode: 1, Out: "nested"}
}
