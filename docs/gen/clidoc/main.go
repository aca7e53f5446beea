// Command clidoc builds brine and writes docs/cli.md from its help.
//
//	go run ./docs/gen/clidoc            # from the repository root
//	go run ./docs/gen/clidoc -bin bin/brine -o docs/cli.md
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/brine-cm/brine/docs/gen"
)

func main() {
	bin := flag.String("bin", "", "a built brine (default: build one)")
	out := flag.String("o", "", "the file to write (default: docs/cli.md of the module)")
	flag.Parse()
	if err := run(*bin, *out); err != nil {
		fmt.Fprintln(os.Stderr, "clidoc:", err)
		os.Exit(1)
	}
}

func run(bin, out string) error {
	mod, err := moduleRoot()
	if err != nil {
		return err
	}
	if out == "" {
		out = filepath.Join(mod, "docs", "cli.md")
	}
	if bin == "" {
		dir, err := os.MkdirTemp("", "clidoc-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		bin = filepath.Join(dir, "brine")
		cmd := exec.Command("go", "build", "-o", bin, "./cmd/brine")
		cmd.Dir, cmd.Stderr = mod, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go build ./cmd/brine: %w", err)
		}
	}
	doc, err := gen.CLIDoc(context.Background(), bin)
	if err != nil {
		return err
	}
	return os.WriteFile(out, []byte(doc), 0o644)
}

// moduleRoot finds go.mod upwards from the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		dir = parent
	}
}
