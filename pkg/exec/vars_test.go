package exec

import (
	"context"
	"errors"
	"testing"
)

// Salt's cmd.run (salt/modules/cmdmod.py) runs _run(stderr=subprocess.STDOUT)
// and only logs a non-zero exit: templates get both streams, in the order
// written, and no error.
func TestRunTemplateCmd(t *testing.T) {
	ctx := context.Background()
	r, err := runTemplateCmd(ctx, "echo a; echo warn >&2; echo b; exit 4", true)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\nwarn\nb\n" || r.Stderr != "" || r.Retcode != 4 || r.Pid == 0 {
		t.Errorf("merged = %+v; want stdout a,warn,b, retcode 4", r)
	}
	r, err = runTemplateCmd(ctx, "echo a; echo warn >&2; exit 4", false)
	if err != nil {
		t.Fatal(err)
	}
	if r.Stdout != "a\n" || r.Stderr != "warn\n" || r.Retcode != 4 {
		t.Errorf("apart = %+v; want stdout a, stderr warn, retcode 4", r)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := runTemplateCmd(cctx, "true", true); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled job: err = %v; want %v", err, context.Canceled)
	}
}
