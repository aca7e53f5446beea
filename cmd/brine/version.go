package main

import (
	"github.com/spf13/cobra"

	"github.com/brine-cm/brine/pkg/version"
)

// addVersion gives the root command --version: brine's version, set at
// build time from git, then the Go and NATS releases it is built with.
func addVersion(root *cobra.Command) {
	root.Version = version.Line()
	root.SetVersionTemplate("brine {{.Version}}\n")
	root.InitDefaultVersionFlag()
	if f := root.Flags().Lookup("version"); f != nil {
		f.Usage = "print brine's version, and the Go and NATS releases it is built with"
	}
}
