package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newCallCmd(s *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "call --local FUNCTION [ARG…] [KEY=VALUE…]",
		Short: "Run a function on this host, like salt-call",
		RunE: func(cmd *cobra.Command, args []string) error {
			return fmt.Errorf("not implemented yet")
		},
	}
}
