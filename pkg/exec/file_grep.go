package exec

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// Salt's file.grep (salt/modules/file.py): grep run on a path (a glob),
// its cmd.run_all dict returned as it is, pid, retcode, stdout and
// stderr: grep's status 1 (no line matched) is the caller's to read.

func init() {
	register("file.grep", fileGrep, "Run grep on a file (a glob of files) and return cmd.run_all's pid, retcode, stdout and stderr: file.grep /etc/hosts localhost -- -i.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the file, or a glob of files (~ expanded)."},
		states.Param{Name: "pattern", Type: states.String, Required: true, Doc: "the pattern, as grep reads it."},
		states.Param{Name: "opts", Type: states.String, Many: true, Doc: "grep's options, one an argument (-i, -A 3 as -A3 or two arguments)."})
}

func fileGrep(ctx context.Context, c *call) Return {
	p := expandUser(c.str("path"))
	// Salt globs the path; when nothing matches the path itself is
	// given, for grep's own error. Under --root grep runs on the host
	// (as cmd.run does), on the image's files.
	hp := p
	if !rootfs.Live(c.host.Root) {
		hp = filepath.Join(c.host.Root, p)
	}
	paths := []string{hp}
	if matches, err := filepath.Glob(hp); err == nil && len(matches) > 0 {
		paths = matches
	}
	words := []string{"grep"}
	for _, o := range c.strings("opts") {
		split, err := shlexSplit(o)
		if err != nil {
			return commandError(fmt.Sprintf("%s: %v", o, err))
		}
		if len(split) > 1 {
			return invocationError(fmt.Sprintf("Passing multiple command line arguments in a single string is not supported, please pass the following arguments separately: %s", o))
		}
		words = append(words, split...)
	}
	words = append(words, c.str("pattern"))
	words = append(words, paths...)
	return Call(ctx, c.host, "cmd.run_all", []any{shellWords(words)}, map[string]any{"python_shell": false})
}

// shellWords is a command line shlexSplit gives back as words, each
// single-quoted.
func shellWords(words []string) string {
	line := noShell(words)
	return line[len("exec "):]
}

// expandUser is Python's os.path.expanduser: a leading ~ is $HOME (the
// password file's home without it), ~NAME that user's home; a name
// that is not a user is left as it is.
func expandUser(p string) string {
	if !strings.HasPrefix(p, "~") {
		return p
	}
	name, rest, _ := strings.Cut(p[1:], "/")
	var home string
	if name == "" {
		home = os.Getenv("HOME")
		if home == "" {
			if u, err := user.Current(); err == nil {
				home = u.HomeDir
			}
		}
	} else if u, err := user.Lookup(name); err == nil {
		home = u.HomeDir
	}
	if home == "" {
		return p
	}
	if rest == "" && !strings.Contains(p, "/") {
		return home
	}
	return strings.TrimRight(home, "/") + "/" + rest
}
