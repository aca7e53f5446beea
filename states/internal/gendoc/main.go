// Command gendoc writes states/doc_gen.go and docs/states.md from the doc
// comments of the registered state functions. It runs from the states
// directory through `go generate ./states`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/brine-cm/brine/states/internal/gendoc/docgen"
)

func main() {
	dir := flag.String("dir", ".", "the states package directory")
	flag.Parse()
	if err := docgen.Write(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}
