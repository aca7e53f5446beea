package main

import (
	"context"
	"fmt"

	"github.com/brine-cm/brine/minion"
)

// runMinionCheck prints each step of `brine minion --check`, one line
// each (OK, FAIL or SKIP, the step, what it found or why it failed),
// and exits 1 when a step failed.
func runMinionCheck(ctx context.Context, s *streams, cfg *minion.Config) error {
	if ctx == nil {
		ctx = context.Background()
	}
	steps := minion.Check(ctx, cfg)
	failed := false
	for _, st := range steps {
		status := "OK"
		switch {
		case st.Skip:
			status = "SKIP"
		case !st.OK:
			status = "FAIL"
			failed = true
		}
		fmt.Fprintf(s.out, "%-5s %-9s %s\n", status, st.Name, st.Detail)
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}
