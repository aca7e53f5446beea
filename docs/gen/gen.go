// Package gen writes the generated parts of brine's user guide. The CLI
// reference, docs/cli.md, is the help text of the brine binary itself, so
// that it cannot drift from the commands it describes; test/examples fails
// when the checked-in file is stale.
package gen

//go:generate go run ./clidoc

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// skipped are cobra's own commands, documented by cobra.
var skipped = map[string]bool{"help": true, "completion": true}

// CLIDoc runs `BIN [CMD…] --help` for the root command and every
// subcommand, depth first in the order the help lists them, and returns
// docs/cli.md.
func CLIDoc(ctx context.Context, bin string) (string, error) {
	var b strings.Builder
	b.WriteString(header)
	if err := walk(ctx, bin, nil, &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

const header = `# brine command-line reference

This file is generated from the commands' own help (` + "`brine --help`" + `,
` + "`brine CMD --help`" + ` …) by ` + "`go generate ./docs/gen`" + `; do not edit it by
hand. A test in test/examples fails when it is stale.

The exit status, the same for every command, is the table that
` + "`brine --help`" + ` prints, under "brine" below.
`

func walk(ctx context.Context, bin string, path []string, b *strings.Builder) error {
	help, err := helpOf(ctx, bin, path)
	if err != nil {
		return err
	}
	title := strings.Join(append([]string{"brine"}, path...), " ")
	fmt.Fprintf(b, "\n## %s\n\n```text\n%s\n```\n", title, strings.TrimRight(help, "\n"))
	for _, sub := range subcommands(help) {
		if skipped[sub] {
			continue
		}
		if err := walk(ctx, bin, append(append([]string{}, path...), sub), b); err != nil {
			return err
		}
	}
	return nil
}

func helpOf(ctx context.Context, bin string, path []string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(append([]string{}, path...), "--help")...)
	// A fixed environment: help text must not depend on who runs it.
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "TERM=dumb"}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s --help: %w\n%s", bin, strings.Join(path, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// subcommands reads the names under "Available Commands:".
func subcommands(help string) []string {
	var out []string
	in := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case strings.HasPrefix(line, "Available Commands:"):
			in = true
		case in && strings.TrimSpace(line) == "":
			return out
		case in:
			if f := strings.Fields(line); len(f) > 0 {
				out = append(out, f[0])
			}
		}
	}
	return out
}
