package main

import (
	"github.com/spf13/cobra"
)

// netCommands returns the commands that talk to a master over NATS:
// master, minion, key, jobs.
func netCommands(s *streams) []*cobra.Command {
	return []*cobra.Command{newMasterCmd(s), newMinionCmd(s), newLeafCmd(s), newKeyCmd(s), newJobsCmd(s), newSSHCmd(s), newSSHShimCmd(s), newEventsCmd(s), newEventCmd(s), newCpCmd(s), newRunCmd(s), newTrustCmd(s), newDriftCmd(s)}
}

// addTargetFlags adds the Salt-style targeting and output flags to the
// root command (-E, -L, -G, -C, -t, --out…).
func addTargetFlags(root *cobra.Command) { addTargetFlagSet(root.Flags()) }

// runTarget runs `brine TARGET FUNCTION [ARGS…]` through the master.
func runTarget(cmd *cobra.Command, args []string, s *streams) error {
	o, err := targetOptionsFrom(cmd.Flags())
	if err != nil {
		return err
	}
	if err := o.Complete(args); err != nil {
		return usage(err)
	}
	if err := o.Validate(); err != nil {
		return usage(err)
	}
	return o.Run(cmd.Context(), s)
}
