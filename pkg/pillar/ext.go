package pillar

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/sls"
)

// ExtPillar is one entry of the master's ext_pillar list, as Salt's:
// {cmd_yaml: COMMAND} or {cmd_json: COMMAND}, the command run by the
// master's shell with %s replaced by the minion's id, its output the
// minion's data, merged over the pillar of the SLS files (under it with
// ext_pillar_first).
type ExtPillar struct {
	Name    string // ExtCmdYAML or ExtCmdJSON
	Command string
}

// The ext_pillar modules brine has (salt/pillar/cmd_yaml.py and
// cmd_json.py).
const (
	ExtCmdYAML = "cmd_yaml"
	ExtCmdJSON = "cmd_json"
)

// ExtModules are the ext_pillar names brine knows.
var ExtModules = []string{ExtCmdYAML, ExtCmdJSON}

// ParseExtPillar reads the master's ext_pillar option: a list of
// one-key mappings, module name to its argument.
func ParseExtPillar(v any) ([]ExtPillar, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf(`ext_pillar: want a list such as [{cmd_yaml: "COMMAND %%s"}], got %T`, v)
	}
	var out []ExtPillar
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, fmt.Errorf("ext_pillar item %d: want one mapping of a module to its argument, such as {cmd_yaml: COMMAND}", i+1)
		}
		for name, arg := range m {
			switch name {
			case ExtCmdYAML, ExtCmdJSON:
				cmd, ok := arg.(string)
				if !ok || strings.TrimSpace(cmd) == "" {
					return nil, fmt.Errorf("ext_pillar item %d: %s: want a command, got %v", i+1, name, arg)
				}
				out = append(out, ExtPillar{Name: name, Command: cmd})
			default:
				return nil, fmt.Errorf("ext_pillar item %d: %q: brine's ext_pillar modules are %s", i+1, name, strings.Join(ExtModules, " and "))
			}
		}
	}
	return out, nil
}

// extPillar is Salt's Pillar.ext_pillar: each module's data merged, in
// turn, into p. A command that fails or whose output does not parse
// gives nothing (Salt logs it at critical level alone).
func (c *Compiler) extPillar(ctx context.Context, id string, p *odict.Map) {
	for _, e := range c.Ext {
		data, err := e.run(ctx, id)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log := c.ExtLog
			if log == nil {
				log = slog.Default()
			}
			log.Error("ext_pillar", "module", e.Name, "id", id, "err", err)
			continue
		}
		c.Merging.Merge(p, data)
	}
}

// run is the module's data for the minion: cmd_yaml reads the command's
// standard output as YAML (Salt's cmd.run_stdout), cmd_json its output
// and errors together as JSON (Salt's cmd.run).
func (e ExtPillar) run(ctx context.Context, id string) (*odict.Map, error) {
	command := strings.ReplaceAll(e.Command, "%s", id)
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", command)
	// Salt's cmd.run runs in the home of the user it runs as.
	if home, err := os.UserHomeDir(); err == nil {
		cmd.Dir = home
	}
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	if e.Name == ExtCmdJSON {
		cmd.Stderr = &out
	}
	// As Salt, the exit status is not looked at: the output is.
	_ = cmd.Run()
	var v any
	var err error
	if e.Name == ExtCmdJSON {
		v, err = odict.DecodeJSON(bytes.TrimSpace(out.Bytes()))
	} else {
		v, err = sls.DecodeYAMLOrdered(e.Name, out.Bytes(), false)
	}
	if err != nil {
		return nil, fmt.Errorf("%s data from %s failed to parse: %w", strings.ToUpper(strings.TrimPrefix(e.Name, "cmd_")), command, err)
	}
	if v == nil {
		return odict.New(0), nil
	}
	m, ok := v.(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("%s: %s gives %s, not a mapping", e.Name, command, kind(v))
	}
	return m, nil
}
