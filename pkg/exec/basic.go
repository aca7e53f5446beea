package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/version"
	"github.com/brine-cm/brine/states"
)

func testPing(context.Context, *call) Return { return nested(true) }

func testVersion(context.Context, *call) Return { return nested(version.Version) }

func testEcho(_ context.Context, c *call) Return {
	s, _ := stringArg(c.args, c.kwargs, 0, "text")
	return nested(s)
}

func grainsItems(_ context.Context, c *call) Return { return nested(c.host.Grains) }

func grainsGet(_ context.Context, c *call) Return {
	return nestedGet(c, "grains.get", "os_family", c.host.Grains)
}

func grainsItem(_ context.Context, c *call) Return {
	out := map[string]any{}
	for _, a := range c.args {
		k := toString(a)
		if v, ok := Traverse(c.host.Grains, k, ":"); ok {
			out[k] = v
		}
	}
	return nested(out)
}

func pillarItems(_ context.Context, c *call) Return { return nested(c.host.Pillar) }

func pillarGet(_ context.Context, c *call) Return {
	return nestedGet(c, "pillar.get", "users:alice", c.host.Pillar)
}

// nestedGet serves grains.get and pillar.get: a key with ':' between
// nested keys, and default= when it is missing.
func nestedGet(c *call, fun, example string, data map[string]any) Return {
	key, ok := stringArg(c.args, c.kwargs, 0, "key")
	if !ok {
		return failed(fmt.Sprintf("%s: missing the key argument, e.g. %s %s", fun, fun, example))
	}
	v, found := Traverse(data, key, ":")
	if !found {
		v = c.kwargs["default"]
		if v == nil {
			v = ""
		}
	}
	return nested(v)
}

// cmdRun runs an operator's command line through /bin/sh, as salt's
// cmd.run does: the operator wrote it, so it is not data built into a
// shell string.
func cmdRun(ctx context.Context, c *call) Return {
	res, ok := runShell(ctx, c)
	if !ok {
		return res
	}
	all := res.Value.(map[string]any)
	out := all["stdout"].(string)
	if se := all["stderr"].(string); se != "" {
		if out != "" {
			out += "\n"
		}
		out += se
	}
	return Return{Value: out, Retcode: res.Retcode, Out: "nested"}
}

func cmdRunAll(ctx context.Context, c *call) Return {
	res, _ := runShell(ctx, c)
	return res
}

func runShell(ctx context.Context, c *call) (Return, bool) {
	line, ok := stringArg(c.args, c.kwargs, 0, "cmd")
	if !ok {
		return failed("cmd.run: missing the command, e.g. cmd.run 'uptime'"), false
	}
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", line)
	if cwd, ok := c.kwargs["cwd"].(string); ok {
		cmd.Dir = cwd
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		return failed(fmt.Sprintf("cmd.run: %v", err)), false
	}
	pid := 0
	if cmd.Process != nil {
		pid = cmd.Process.Pid
	}
	rc := 0
	if code != 0 {
		rc = 1
	}
	return Return{Value: map[string]any{
		"pid":     pid,
		"retcode": code,
		"stdout":  strings.TrimRight(stdout.String(), "\n"),
		"stderr":  strings.TrimRight(stderr.String(), "\n"),
	}, Retcode: rc, Out: "nested"}, true
}

func sysListFunctions(context.Context, *call) Return {
	names := make([]string, 0, len(functions))
	for n := range functions {
		names = append(names, n)
	}
	sort.Strings(names)
	return nested(names)
}

func sysListStateFunctions(context.Context, *call) Return { return nested(states.Names()) }

// sysDoc returns the doc of execution functions and state functions whose
// name starts with the argument (all when none is given).
func sysDoc(_ context.Context, c *call) Return {
	prefix, _ := stringArg(c.args, c.kwargs, 0, "name")
	out := map[string]any{}
	for n, f := range functions {
		if strings.HasPrefix(n, prefix) {
			out[n] = f.doc
		}
	}
	for _, n := range states.Names() {
		if strings.HasPrefix(n, prefix) {
			if d, ok := states.Doc(n); ok {
				out[n] = d
			}
		}
	}
	if len(out) == 0 {
		return failed(fmt.Sprintf("sys.doc: no function or state named %q", prefix))
	}
	return nested(out)
}

// Traverse looks up a nested key such as "users:alice:uid" in maps and
// lists, as Salt's traverse_dict_and_list does.
func Traverse(data any, key, delim string) (any, bool) {
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			var idx int
			if _, err := fmt.Sscan(part, &idx); err != nil || idx < 0 || idx >= len(t) {
				return nil, false
			}
			cur = t[idx]
		default:
			return nil, false
		}
	}
	return cur, true
}
