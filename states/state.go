// Package states holds brine's state modules and the registry that maps a
// state function name such as "file.managed" to the Go function behind it.
//
// Every state function follows one contract: it computes the difference
// between what is and what is asked, and then, unless the request is a test,
// applies it. One code path does both, so a dry run reports exactly what a
// real run would change.
//
// This package never imports the network, the master or the minion. A state
// sees a Request and returns a Result.
package states

import (
	"github.com/brine-cm/brine/pkg/tree"

	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Outcome is a state's result: True, False, or None (a change would be made,
// reported under test=True).
type Outcome int8

const (
	False Outcome = iota // zero value: a state that forgot to set a result failed
	True
	None
)

func (o Outcome) String() string {
	switch o {
	case True:
		return "True"
	case None:
		return "None"
	default:
		return "False"
	}
}

// MarshalJSON writes true, false or null, as Salt does.
func (o Outcome) MarshalJSON() ([]byte, error) {
	switch o {
	case True:
		return []byte("true"), nil
	case None:
		return []byte("null"), nil
	default:
		return []byte("false"), nil
	}
}

// UnmarshalJSON reads true, false or null.
func (o *Outcome) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case "true":
		*o = True
	case "false":
		*o = False
	case "null":
		*o = None
	default:
		return fmt.Errorf("outcome: want true, false or null, got %s", b)
	}
	return nil
}

// MarshalYAML writes true, false or null.
func (o Outcome) MarshalYAML() (any, error) {
	switch o {
	case True:
		return true, nil
	case None:
		return nil, nil
	default:
		return false, nil
	}
}

// Result is what a state function returns.
type Result struct {
	Name    string         `json:"name"`
	Result  Outcome        `json:"result"`
	Comment string         `json:"comment"`
	Changes map[string]any `json:"changes"`
	// Warnings are for the operator, shown under the state as Salt's
	// highstate output shows its "warnings" key: arguments the function
	// does not use, for one. A state with warnings still succeeds.
	Warnings []string `json:"warnings,omitempty"`
	// JID is the job an orchestration's step published (Salt's
	// "__jid__" in the step's return); empty for any other state.
	JID string `json:"-"`
}

// Changed reports whether the result carries changes.
func (r Result) Changed() bool { return len(r.Changes) > 0 }

// Failf returns a failed result with a formatted comment.
func Failf(name, format string, args ...any) Result {
	return Result{Name: name, Result: False, Comment: fmt.Sprintf(format, args...), Changes: map[string]any{}}
}

// FileSource reads files from the state tree (see pkg/tree).
type FileSource = tree.FileSource

// Renderer renders a template (see pkg/tree).
type Renderer = tree.Renderer

// Env is what a state may use of the world beyond its own arguments.
type Env struct {
	Files  FileSource
	Render Renderer
	Grains map[string]any
	Pillar map[string]any
	Log    *slog.Logger
	// Cache holds per-run facts that several states share, such as the
	// package database read once per run. Keys are owned by the modules.
	Cache *RunCache
	// Exec runs brine's execution functions for module.run; nil where
	// none are wired, and module.run then fails.
	Exec ExecCaller
}

// Request is one state call.
type Request struct {
	ID   string // the state ID in the SLS
	Name string // the name argument (defaults to the ID)
	Func string // "file.managed"
	SLS  string
	Args Args // every argument but name, requisites and engine globals
	Test bool // test=True: compute and report, change nothing
	// Root rebases every managed path (--root). Empty means the live host.
	// Modules reach paths under it only through rootPath (root.go), which
	// keeps them inside it.
	Root string
	Env  *Env
	// RequiredNames are the names of the states this one requires or
	// watches (any requisite, _in forms turned around): file.blockreplace
	// takes the lines of the accumulators among them, as Salt's does.
	RequiredNames []string
	// CheckCmd is the state's check_cmd when its module runs it itself
	// (RunsCheckCmd): file.managed runs each on the new content before
	// it writes it. The engine then does not run it after the state.
	CheckCmd []string
	// Saltenv is the environment the state reads salt:// files from
	// (Salt's __env__: its saltenv argument, else its SLS's); "" is
	// base.
	Saltenv string
}

// RunsCheckCmd reports whether the module of fun (module.function) runs
// check_cmd itself, as Salt's file module does with its
// mod_run_check_cmd: of its states, file.managed checks the new content
// in a temporary file before writing it, and the others ignore check_cmd,
// as Salt's do.
func RunsCheckCmd(fun string) bool { return strings.HasPrefix(fun, "file.") }

// Live reports whether the request acts on the running host, not on an
// image in a folder. Live-only acts (starting a unit, setting /proc/sys)
// are skipped when it is false.
func (r *Request) Live() bool { return rootfs.Live(r.Root) }

// Log returns the request's logger, never nil.
func (r *Request) Log() *slog.Logger {
	if r.Env != nil && r.Env.Log != nil {
		return r.Env.Log
	}
	return slog.Default()
}

// Func is a state function.
type Func func(ctx context.Context, req *Request) Result

// ArgError names the argument a state call (or an execution function)
// got wrong. A module sets Arg and Err; the registry, which checks the
// arguments before the module runs, sets ID and Func too, so that the
// message names the state wherever it is shown.
type ArgError struct {
	ID   string // the state ID, "" for an execution function
	Func string // "file.managed", "cmd.run"
	Arg  string
	Err  error
}

func (e *ArgError) Error() string {
	switch {
	case e.ID != "":
		return fmt.Sprintf("state %q (%s): argument %q: %v", e.ID, e.Func, e.Arg, e.Err)
	case e.Func != "":
		return fmt.Sprintf("%s: argument %q: %v", e.Func, e.Arg, e.Err)
	}
	return fmt.Sprintf("argument %q: %v", e.Arg, e.Err)
}

func (e *ArgError) Unwrap() error { return e.Err }

// IsNotExist reports whether err means a file that does not exist.
func IsNotExist(err error) bool { return errors.Is(err, fs.ErrNotExist) }

// Key returns Salt's result key for a state call: "file_|-ID_|-NAME_|-managed".
func Key(fun, id, name string) string { return tree.Key(fun, id, name) }
