//go:build !genman

package main

import "github.com/spf13/cobra"

// addGenMan adds nothing: gen-man is built with -tags genman (man.go).
func addGenMan(*cobra.Command) {}
