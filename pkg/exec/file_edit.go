package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/textdiff"
	"github.com/brine-cm/brine/states"
)

// regexFlagParams are the flags of file.search and file.replace.
func regexFlagParams() []states.Param {
	return []states.Param{
		{Name: "flags", Type: states.Any, Default: 8, Doc: "Python's re flags, as a number (8, MULTILINE, by default) or a list of names: IGNORECASE, MULTILINE, DOTALL."},
		{Name: "bufsize", Type: states.Any, Doc: "accepted and ignored: the file is read whole."},
	}
}

// compileRegex compiles pattern= with flags= (and multiline=): a
// Python pattern, translated by pyre as the file states' are. It returns
// the flags too, which file.replace's search for not_found_content uses.
func compileRegex(c *call) (*regexp.Regexp, pyre.Flag, error) {
	flags, err := states.RegexFlags(c.kw["flags"], pyre.Multiline)
	if err != nil {
		return nil, 0, &states.ArgError{Func: c.fun, Arg: "flags", Err: err}
	}
	if c.boolean("multiline") {
		flags |= pyre.Multiline | pyre.DotAll
	}
	re, err := pyre.Compile(c.str("pattern"), flags)
	if err != nil {
		return nil, 0, &states.ArgError{Func: c.fun, Arg: "pattern", Err: err}
	}
	return re, flags, nil
}

// regexFile is the file file.search or file.replace reads, and the
// pattern it reads it with.
type regexFile struct {
	hp    string // its path on the host
	re    *regexp.Regexp
	flags pyre.Flag
	data  []byte
}

// regexTarget is where file.search and file.replace start, so that both
// fail alike: the file's host path, the pattern compiled, and the file's
// bytes. missing is a file that is not there while ignore_if_missing is
// set, for which both return False, as Salt's do; any other failure is
// err, whose text is the function's whole message.
func regexTarget(c *call) (f regexFile, missing bool, err error) {
	if f.hp, err = c.hostPath("path", true); err != nil {
		return regexFile{}, false, err
	}
	if f.re, f.flags, err = compileRegex(c); err != nil {
		return regexFile{}, false, err
	}
	f.data, err = os.ReadFile(f.hp)
	switch {
	case errors.Is(err, fs.ErrNotExist) && c.boolean("ignore_if_missing"):
		return regexFile{}, true, nil
	case err != nil:
		return regexFile{}, false, fmt.Errorf("%s: %w", c.str("path"), notFound(err))
	}
	return f, false, nil
}

func fileReplace(_ context.Context, c *call) Return {
	f, missing, err := regexTarget(c)
	switch {
	case err != nil:
		return failed(err.Error())
	case missing:
		return nested(false)
	}
	old := string(f.data)
	if c.boolean("search_only") {
		return nested(f.re.MatchString(old))
	}
	repl := c.str("repl")
	subRepl := repl
	if c.boolean("backslash_literal") {
		// Salt's own doubling of each backslash before re.subn.
		subRepl = strings.ReplaceAll(repl, `\`, `\\`)
	}
	tmpl, err := pyre.Template(f.re, subRepl)
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "repl", Err: err}).Error())
	}
	count, _ := c.kw["count"].(int)
	text, n := pyre.Sub(f.re, tmpl, old, count)
	if prepend := c.boolean("prepend_if_not_found"); n == 0 && (prepend || c.boolean("append_if_not_found")) {
		add := repl
		if c.has("not_found_content") {
			add = c.str("not_found_content")
		}
		out, _ := states.AddIfNotFound([]byte(text), add, f.flags, prepend)
		text = string(out)
	}
	changed := text != old
	if changed && !c.boolean("dry_run") {
		if suffix := backupSuffix(c.kw["backup"]); suffix != "" {
			if err := atomicfile.Write(f.hp+suffix, f.data, 0o600); err != nil {
				return failed(fmt.Sprintf("file.replace: backup: %v", err))
			}
		}
		if err := writeFile(f.hp, []byte(text)); err != nil {
			return failed(fmt.Sprintf("file.replace: %v", err))
		}
	}
	if !c.boolean("show_changes") {
		return nested(changed)
	}
	if !changed {
		return nested("")
	}
	// difflib.unified_diff, as Salt's, with no file names.
	return nested("--- \n+++ \n" + textdiff.Unified(old, text))
}

// backupSuffix reads backup=: a suffix, or False (or empty) for none.
func backupSuffix(v any) string {
	switch t := v.(type) {
	case string:
		if b, err := states.ParseBool(t); err == nil && !b {
			return ""
		}
		return t
	case bool:
		if t {
			return ".bak"
		}
	}
	return ""
}
