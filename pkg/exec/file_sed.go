package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"strings"

	"github.com/brine-cm/brine/pkg/proc"
	"github.com/brine-cm/brine/states"
)

// file.sed, as Salt's: it runs sed(1) on the file, in place, and returns
// what cmd.run_all returns of it.

func init() {
	register("file.sed", fileSed, "Edit a file in place with sed's s/BEFORE/AFTER/FLAGS, as Salt's (the file kept as FILE.bak); return sed's pid, retcode, stdout and stderr, or False when the file does not exist: file.sed /etc/app.conf 'port = 80' 'port = 8080'.",
		states.Param{Name: "path", Type: states.Path, Required: true, Doc: "the file."},
		states.Param{Name: "before", Type: states.String, Required: true, Doc: "a sed (extended) regular expression; / and ' are escaped for you."},
		states.Param{Name: "after", Type: states.String, Required: true, Doc: "the replacement."},
		states.Param{Name: "limit", Type: states.String, Default: "", Doc: "a regular expression: only lines it matches are edited."},
		states.Param{Name: "backup", Type: states.String, Default: ".bak", Doc: "the suffix of the copy sed keeps; empty keeps none."},
		states.Param{Name: "options", Type: states.String, Default: "-r -e", Doc: "sed's options, split as a shell would."},
		states.Param{Name: "flags", Type: states.String, Default: "g", Doc: "the s command's flags."},
		states.Param{Name: "escape_all", Type: states.Bool, Default: false, Doc: "escape every regular-expression character of before, after and limit: they are plain text."},
		states.Param{Name: "negate_match", Type: states.Bool, Default: false, Doc: "edit the lines limit does not match."})
}

// sedEscape is Salt's _sed_esc.
func sedEscape(s string, all bool) string {
	s = strings.ReplaceAll(s, "'", `'"'"'`)
	s = strings.ReplaceAll(s, "/", `\/`)
	if all {
		for _, ch := range "^.[$()|*+?{" {
			s = strings.ReplaceAll(s, string(ch), `\`+string(ch))
		}
	}
	return s
}

// sedArgv is the sed command line Salt's file.sed runs on hp.
func sedArgv(c *call, hp string) ([]string, error) {
	all := c.boolean("escape_all")
	argv := []string{"sed", "-i"}
	if b := c.str("backup"); b != "" {
		argv[1] = "-i" + b
	}
	opts, err := shlexSplit(c.str("options"))
	if err != nil {
		return nil, &states.ArgError{Func: c.fun, Arg: "options", Err: err}
	}
	argv = append(argv, opts...)
	expr := ""
	if l := c.str("limit"); l != "" {
		expr = "/" + sedEscape(l, all) + "/ "
	}
	if c.boolean("negate_match") {
		expr += "!"
	}
	expr += "s/" + sedEscape(c.str("before"), all) + "/" + sedEscape(c.str("after"), all) + "/" + c.str("flags")
	return append(argv, expr, hp), nil
}

func fileSed(ctx context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	if _, err := os.Stat(hp); err != nil {
		return nested(false)
	}
	argv, err := sedArgv(c, hp)
	if err != nil {
		return failed(err.Error())
	}
	cmd := proc.Group(osexec.CommandContext(ctx, argv[0], argv[1:]...))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var ee *osexec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		return failed(fmt.Sprintf("file.sed: %v", err))
	}
	pid := 0
	if cmd.Process != nil {
		pid = cmd.Process.Pid
	}
	ret := nested(map[string]any{"pid": pid, "retcode": code,
		"stdout": strings.TrimRight(stdout.String(), " \t\r\n"), "stderr": strings.TrimRight(stderr.String(), " \t\r\n")})
	if code != 0 {
		// cmd.run_all sets the call's retcode, as Salt's.
		ret.Retcode, ret.Code = RetError, code
	}
	return ret
}
