package exec

import (
	"bytes"
	"context"
	"errors"
	"os/exec"

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
		RunCmd: func(line string, merge bool) (jinja.CmdResult, error) { return runTemplateCmd(ctx, line, merge) },
		Order:  h.Order,
		Root:   h.Root,
	}, "", "", env)
}

// runTemplateCmd serves salt['cmd.*'] in templates. The template author
// wrote the command line, as in Salt, so it runs through /bin/sh, in a
// process group the job's end kills. With merge, stderr shares stdout's
// buffer, interleaved as written, as Salt's cmd.run does. A non-zero exit
// is the result's Retcode: Salt's cmd.run only logs it, and formulas probe
// with commands that may fail. The error is for a shell that could not
// start, or a job that ended.
func runTemplateCmd(ctx context.Context, line string, merge bool) (jinja.CmdResult, error) {
	cmd := proc.Group(exec.CommandContext(ctx, "/bin/sh", "-c", line))
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	if merge {
		cmd.Stderr = &out
	}
	err := cmd.Run()
	r := jinja.CmdResult{Stdout: out.String(), Stderr: errOut.String()}
	if cmd.Process != nil {
		r.Pid = cmd.Process.Pid
	}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		return r, ctx.Err()
	case errors.As(err, &ee):
		r.Retcode = ee.ExitCode()
	case err != nil:
		return r, err
	}
	return r, nil
}
