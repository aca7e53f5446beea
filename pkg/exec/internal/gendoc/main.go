// Command gendoc writes docs/functions.md from the declarations of the
// execution functions. It runs from pkg/exec through
// `go generate ./pkg/exec`.
package main

import (
	"fmt"
	"os"

	"github.com/brine-cm/brine/pkg/exec"
)

func main() {
	if err := os.WriteFile(exec.MarkdownFile, exec.Markdown(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}
