// Command gendoc writes states/doc_gen.go and docs/states.md from the doc
// comments of the registered state functions and the arguments they
// declare. It runs from the states directory through `go generate ./states`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/brine-cm/brine/states"
	"github.com/brine-cm/brine/states/internal/gendoc/docgen"
)

func main() {
	dir := flag.String("dir", ".", "the states package directory")
	flag.Parse()
	if err := docgen.Write(*dir, compose, states.GlobalArgsDoc()); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// compose is states.Doc for prose fresh from the source, rather than the
// doc_gen.go this binary was built with.
func compose(name, prose string) string {
	params, _ := states.Params(name)
	return states.ComposeDoc(prose, params)
}
