package exec

import (
	"context"

	"github.com/brine-cm/brine/states"
)

// hostExec is the module.run state's way to the function table: the
// functions run on the host of the state run that calls them.
type hostExec struct{ host *Host }

var _ states.ExecCaller = hostExec{}

func (h hostExec) Has(fun string) bool { _, ok := functions[fun]; return ok }

func (h hostExec) Call(ctx context.Context, fun string, args []any, kwargs map[string]any) (any, bool) {
	r := Call(ctx, h.host, fun, args, kwargs)
	return r.Value, r.Retcode == RetOK
}
