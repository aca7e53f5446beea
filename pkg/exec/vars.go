package exec

import (
	"bytes"
	"context"
	"os/exec"
	"strings"

	"github.com/brine-cm/brine/pkg/proc"
	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// templateVars are the Jinja globals every template of a run sees:
// grains, pillar, salt, opts. The compiler adds the per-file names (sls,
// tpldir…).
func templateVars(ctx context.Context, h *Host, env string) map[string]any {
	opts := map[string]any{"id": h.ID, "saltenv": env, "root": h.Root, "file_client": "local"}
	return jinja.SaltVars(jinja.SaltContext{
		Grains: h.Grains,
		Pillar: h.Pillar,
		Opts:   opts,
		ID:     h.ID,
		RunCmd: func(line string) (string, error) { return runTemplateCmd(ctx, line) },
		Order:  h.Order,
		Root:   h.Root,
	}, "", "", env)
}

// runTemplateCmd serves salt['cmd.run'] in templates. The template author
// wrote the command line, as in Salt, so it runs through /bin/sh, in a
// process group the job's end kills.
func runTemplateCmd(ctx context.Context, line string) (string, error) {
	cmd := proc.Group(exec.CommandContext(ctx, "/bin/sh", "-c", line))
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	return strings.TrimRight(out.String(), "\n"), err
}
