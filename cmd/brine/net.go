package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

// netCommands returns the commands that talk to a master over NATS:
// master, minion, key, jobs.
func netCommands(s *streams) []*cobra.Command { return nil }

// addTargetFlags adds the Salt-style targeting and output flags to the
// root command (-E, -L, -G, -C, -t, --out…).
func addTargetFlags(root *cobra.Command) {}

// runTarget runs `brine TARGET FUNCTION [ARGS…]` through the master.
func runTarget(cmd *cobra.Command, args []string, s *streams) error {
	return fmt.Errorf("talking to a master is not implemented yet")
}
