package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/proc"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

// templateVars are the Jinja globals every template of a run sees:
// grains, pillar, salt, opts. The compiler adds the per-file names (sls,
// tpldir…).
func templateVars(ctx context.Context, h *Host, env string, test bool) map[string]any {
	opts := templateOpts(h, env, test)
	return jinja.SaltVars(jinja.SaltContext{
		Grains:      h.Grains,
		Pillar:      h.Pillar,
		LocalPillar: h.LocalPillar,
		Opts:        opts,
		ID:          h.ID,
		RunCmd: func(line string, merge, shell bool) (jinja.CmdResult, error) {
			return runTemplateCmd(ctx, states.DefaultShell(h.Grains), line, merge, shell)
		},
		Exec: func(fun string, args []any, kw map[string]any) (any, error) {
			return templateExec(ctx, h, fun, args, kw)
		},
		ExecNames: execNames(),
		Root:      h.Root,
		MineGet: func(tgt string, fun any, tgtType string, excludeMinion bool) (any, error) {
			return MineGet(ctx, h, tgt, fun, tgtType, excludeMinion)
		},
	}, "", "", env)
}

// templateOpts is the opts dictionary templates read: the minion options
// formulas look at, with Salt's default minion values
// (salt/config/__init__.py DEFAULT_MINION_OPTS) in brine's own
// directories, then the host's file roots when it reads a local tree, then
// Host.Opts over all.
func templateOpts(h *Host, env string, test bool) map[string]any {
	opts := map[string]any{
		"id":                h.ID,
		"saltenv":           env,
		"pillarenv":         nil,
		"test":              test,
		"root":              h.Root,
		"root_dir":          "/",
		"file_client":       "local",
		"renderer":          "jinja|yaml",
		"config_dir":        "/etc/brine",
		"conf_file":         "/etc/brine/minion",
		"cachedir":          "/var/cache/brine/minion",
		"extension_modules": "/var/cache/brine/minion/extmods",
		"hash_type":         "sha256",
		"state_top":         "salt://top.sls",
		"default_top":       "base",
		"file_roots":        map[string]any{"base": []any{"/srv/salt"}},
		"pillar_roots":      map[string]any{"base": []any{"/srv/pillar"}},
	}
	if src, ok := h.Files.(*fileroot.Source); ok {
		opts["file_roots"] = rootsOpt(src.Roots)
	}
	for k, v := range h.Opts {
		opts[k] = v
	}
	return opts
}

// rootsOpt is file_roots as Salt's opts hold it: env to a list of dirs.
func rootsOpt(r fileroot.Roots) map[string]any {
	out := make(map[string]any, len(r))
	for env, dirs := range r {
		l := make([]any, len(dirs))
		for i, d := range dirs {
			l[i] = d
		}
		out[env] = l
	}
	return out
}

// runTemplateCmd serves salt['cmd.*'] in templates. The template author
// wrote the command line, as in Salt, so it runs through the shell (the
// shell grain, as Salt's cmd.run), in a process group the job's end
// kills. With merge, stderr shares stdout's buffer, interleaved as
// written, as Salt's cmd.run does. A non-zero exit
// is the result's Retcode: Salt's cmd.run only logs it, and formulas probe
// with commands that may fail. The error is for a shell that could not
// start, or a job that ended.
func runTemplateCmd(ctx context.Context, shell, line string, merge, useShell bool) (jinja.CmdResult, error) {
	if !useShell {
		// Salt's python_shell=False: the words shlex splits, no shell.
		words, err := shlexSplit(line)
		if err != nil {
			return jinja.CmdResult{}, err
		}
		// Salt's cmd.run raises, and the render fails, where Popen
		// finds no program; a shell would only say so on stderr.
		if ce := programNotFound(words); ce != nil {
			return jinja.CmdResult{}, ce
		}
		line = noShell(words)
	}
	cmd := proc.Group(exec.CommandContext(ctx, shell, "-c", line))
	// As Salt's cmdmod: the LC_* variables and LANGUAGE set to C (an
	// LC_ALL of the minion's still rules them, as in Salt), and the home
	// directory of the user it runs as.
	cmd.Env = os.Environ()
	for _, k := range states.CmdLocaleVars {
		cmd.Env = append(cmd.Env, k+"=C")
	}
	if home, err := os.UserHomeDir(); err == nil {
		if fi, err := os.Stat(home); err == nil && fi.IsDir() {
			cmd.Dir = home
		}
	}
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

// templateExec serves the read-only execution functions templates call
// (jinja.ExecFuncs): it runs the function as a job would, and hands the
// template its value as JSON would carry it (lists and dicts of plain
// values, numbers json.Number). A function that fails is the render's
// error, as Salt's CommandExecutionError is.
func templateExec(ctx context.Context, h *Host, fun string, args []any, kw map[string]any) (any, error) {
	if !slices.Contains(jinja.ExecFuncs(), fun) {
		return nil, fmt.Errorf("function '%s' is not available in templates", fun)
	}
	r, err := callBound(ctx, h, fun, args, kw)
	if err != nil {
		// As Salt's TypeError: the render fails, with no usage text.
		return nil, err
	}
	// A function that returned with a status of its own (Salt's
	// __context__["retcode"], as file.grep's grep that matched nothing)
	// returned all the same: only what raised fails the render.
	if r.Retcode != 0 && (r.Code == 0 || r.Raised != nil) {
		msg := fmt.Sprint(r.Value)
		if !strings.HasPrefix(msg, fun+": ") {
			// Most failures name their function already (ArgError).
			msg = fun + ": " + msg
		}
		return nil, errors.New(msg)
	}
	b, err := json.Marshal(r.Value)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fun, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", fun, err)
	}
	return v, nil
}

// execNames are the names of every execution function: templates see
// them in salt (`'pkg.refresh_db' in salt`, sys.list_functions), as
// Salt's loader holds every module of the platform.
func execNames() []string {
	return slices.Sorted(maps.Keys(functions))
}
