package jinja

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// fileGrep is Salt's file.grep(path, pattern, *opts) (salt/modules/file.py):
// grep run with no shell over the files the path globs to (the path
// itself when it globs to none, so that grep says what is missing), each
// option one word; its cmd.run_all result, {pid, retcode, stdout,
// stderr}, output stripped at the end. Formulas read a setting out of a
// file with it (`['stdout']`) or test a line is there (`['retcode']`).
// Under SaltContext.Root the files are the image's, resolved inside it,
// and grep names them by their path on the host.
func fileGrep(c *saltCtx) Func {
	return func(args []any, kw map[string]any) (any, error) {
		if c.RunCmd == nil {
			return nil, errNoRunCmd
		}
		p, err := strParam(args, kw, 0, "path")
		if err != nil {
			return nil, fmt.Errorf("file.grep: %w", err)
		}
		pattern, err := strParam(args, kw, 1, "pattern")
		if err != nil {
			return nil, fmt.Errorf("file.grep: %w", err)
		}
		var opts []string
		for i := 2; i < len(args); i++ {
			o, err := toStr(args[i])
			if err != nil {
				return nil, fmt.Errorf("file.grep: %w", err)
			}
			words := strings.Fields(o)
			if len(words) > 1 {
				return nil, fmt.Errorf("file.grep: Passing multiple command line arguments in a single string is not supported, please pass the following arguments separately: %s", o)
			}
			opts = append(opts, words...)
		}
		if strings.HasPrefix(p, "~") {
			if home, herr := os.UserHomeDir(); herr == nil {
				p = home + strings.TrimPrefix(p, "~")
			}
		}
		glob := p
		if c.Root != "" && filepath.IsAbs(p) {
			glob = filepath.Join(c.Root, p)
		}
		paths, _ := filepath.Glob(glob)
		if len(paths) == 0 {
			paths = []string{glob}
		}
		if c.Root != "" && filepath.IsAbs(p) {
			for i, m := range paths {
				// A link in the image is followed inside the image only.
				rel := strings.TrimPrefix(m, filepath.Clean(c.Root))
				if paths[i], err = rootfs.Resolve(c.Root, "/"+strings.TrimPrefix(rel, "/"), true); err != nil {
					return nil, fmt.Errorf("file.grep: %w", err)
				}
			}
		}
		words := append([]string{"grep"}, opts...)
		words = append(words, pattern)
		words = append(words, paths...)
		for i, w := range words {
			words[i] = shellQuote(w)
		}
		r, err := c.RunCmd(strings.Join(words, " "), false, false)
		if err != nil {
			return nil, fmt.Errorf("file.grep: %w", err)
		}
		out := newDict(4)
		out.Set("pid", r.Pid)
		out.Set("retcode", r.Retcode)
		out.Set("stdout", strings.TrimRightFunc(r.Stdout, unicode.IsSpace))
		out.Set("stderr", strings.TrimRightFunc(r.Stderr, unicode.IsSpace))
		return out, nil
	}
}
