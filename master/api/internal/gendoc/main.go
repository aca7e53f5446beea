// Command gendoc writes the API's generated docs: DIR/openapi.json, and
// the endpoint list between the markers of DIR/api.md.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/brine-cm/brine/master/api"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gendoc DOCS-DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	b, err := api.OpenAPI()
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), b, 0o644); err != nil {
		return err
	}
	p := filepath.Join(dir, "api.md")
	md, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	out, err := api.SpliceRoutes(string(md))
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return os.WriteFile(p, []byte(out), 0o644)
}
