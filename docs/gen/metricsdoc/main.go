// Command metricsdoc writes docs/metrics.md from the metrics'
// declarations.
//
//	go run ./docs/gen/metricsdoc        # from the repository root
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/docs/gen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "metricsdoc:", err)
		os.Exit(1)
	}
}

func run() error {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := filepath.Dir(strings.TrimSpace(string(out)))
	return os.WriteFile(filepath.Join(mod, "docs", "metrics.md"), []byte(gen.MetricsDoc()), 0o644)
}
