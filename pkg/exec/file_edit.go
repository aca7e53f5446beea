package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"

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

// Python's re flag bits, as Salt's callers give them.
const (
	reIgnoreCase = 2
	reMultiline  = 8
	reDotAll     = 16
)

// regexFlags reads flags= as Salt does: a number, or names.
func regexFlags(v any) (int, error) {
	switch t := v.(type) {
	case nil:
		return reMultiline, nil
	case int:
		return t, nil
	case string:
		return regexFlags([]any{t})
	case []any:
		n := 0
		for _, e := range t {
			s, _ := e.(string)
			switch strings.ToUpper(strings.TrimPrefix(strings.ToUpper(s), "RE.")) {
			case "IGNORECASE", "I":
				n |= reIgnoreCase
			case "MULTILINE", "M":
				n |= reMultiline
			case "DOTALL", "S":
				n |= reDotAll
			default:
				return 0, &states.ArgError{Arg: "flags", Err: fmt.Errorf("unknown flag %v: want IGNORECASE, MULTILINE or DOTALL", e)}
			}
		}
		return n, nil
	}
	return 0, &states.ArgError{Arg: "flags", Err: fmt.Errorf("want a number or a list of flag names, got %v", v)}
}

// compileRegex compiles pattern= with flags= (and multiline=).
func compileRegex(c *call) (*regexp.Regexp, error) {
	flags, err := regexFlags(c.kw["flags"])
	if err != nil {
		return nil, err
	}
	if c.boolean("multiline") {
		flags |= reMultiline | reDotAll
	}
	prefix := ""
	if flags&reIgnoreCase != 0 {
		prefix += "i"
	}
	if flags&reMultiline != 0 {
		prefix += "m"
	}
	if flags&reDotAll != 0 {
		prefix += "s"
	}
	pat := c.str("pattern")
	if prefix != "" {
		pat = "(?" + prefix + ")" + pat
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, &states.ArgError{Func: c.fun, Arg: "pattern", Err: err}
	}
	return re, nil
}

// regexTarget is where file.search and file.replace start, so that both
// fail alike: the file's host path, the pattern compiled, and the file's
// bytes. missing is a file that is not there while ignore_if_missing is
// set, for which both return False, as Salt's do; any other failure is
// err, whose text is the function's whole message.
func regexTarget(c *call) (hp string, re *regexp.Regexp, data []byte, missing bool, err error) {
	if hp, err = c.hostPath("path", true); err != nil {
		return "", nil, nil, false, err
	}
	if re, err = compileRegex(c); err != nil {
		return "", nil, nil, false, err
	}
	data, err = os.ReadFile(hp)
	switch {
	case errors.Is(err, fs.ErrNotExist) && c.boolean("ignore_if_missing"):
		return "", nil, nil, true, nil
	case err != nil:
		return "", nil, nil, false, fmt.Errorf("%s: %w", c.str("path"), notFound(err))
	}
	return hp, re, data, false, nil
}

// pyRepl turns a Python replacement (\1, \g<1>, \g<name>) into Go's
// (${1}, ${name}); a $ stays a $.
func pyRepl(repl string, literal bool) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		ch := repl[i]
		switch {
		case ch == '$':
			b.WriteString("$$")
		case ch == '\\' && !literal && i+1 < len(repl):
			next := repl[i+1]
			switch {
			case next >= '0' && next <= '9':
				j := i + 1
				for j < len(repl) && j < i+3 && repl[j] >= '0' && repl[j] <= '9' {
					j++
				}
				b.WriteString("${" + repl[i+1:j] + "}")
				i = j - 1
			case next == 'g' && i+2 < len(repl) && repl[i+2] == '<':
				end := strings.IndexByte(repl[i+3:], '>')
				if end < 0 {
					b.WriteByte(ch)
					continue
				}
				b.WriteString("${" + repl[i+3:i+3+end] + "}")
				i += 3 + end
			case next == 'n':
				b.WriteByte('\n')
				i++
			case next == 't':
				b.WriteByte('\t')
				i++
			case next == '\\':
				b.WriteByte('\\')
				i++
			default:
				b.WriteByte(ch)
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// replaceText applies file.replace to text: the new text, and whether
// the pattern matched.
func replaceText(text string, re *regexp.Regexp, repl string, count int) (string, bool) {
	locs := re.FindAllStringSubmatchIndex(text, -1)
	if len(locs) == 0 {
		return text, false
	}
	if count > 0 && len(locs) > count {
		locs = locs[:count]
	}
	var b strings.Builder
	last := 0
	for _, loc := range locs {
		b.WriteString(text[last:loc[0]])
		b.Write(re.ExpandString(nil, repl, text, loc))
		last = loc[1]
	}
	b.WriteString(text[last:])
	return b.String(), true
}

func fileReplace(_ context.Context, c *call) Return {
	hp, re, data, missing, err := regexTarget(c)
	switch {
	case err != nil:
		return failed(err.Error())
	case missing:
		return nested(false)
	}
	old := string(data)
	if c.boolean("search_only") {
		return nested(re.MatchString(old))
	}
	repl := c.str("repl")
	count, _ := c.kw["count"].(int)
	text, found := replaceText(old, re, pyRepl(repl, c.boolean("backslash_literal")), count)
	if !found && (c.boolean("append_if_not_found") || c.boolean("prepend_if_not_found")) {
		add := repl
		if c.has("not_found_content") {
			add = c.str("not_found_content")
		}
		if !strings.HasSuffix(add, "\n") {
			add += "\n"
		}
		switch {
		case c.boolean("prepend_if_not_found"):
			text = add + old
		case old != "" && !strings.HasSuffix(old, "\n"):
			text = old + "\n" + add
		default:
			text = old + add
		}
	}
	changed := text != old
	if changed && !c.boolean("dry_run") {
		if suffix := backupSuffix(c.kw["backup"]); suffix != "" {
			if err := atomicfile.Write(hp+suffix, data, 0o600); err != nil {
				return failed(fmt.Sprintf("file.replace: backup: %v", err))
			}
		}
		if err := writeFile(hp, []byte(text)); err != nil {
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

// findTest is file.find's tests, read once.
type findTest struct {
	names              []*regexp.Regexp // name, iname, regex, iregex: each must match the base name
	types              string
	uid, gid           int
	maxdepth, mindepth int
}

// findGlob is Salt's glob for find's name and iname (salt/utils/find.py):
// not fnmatch, but a regular expression made by escaping '.' and reading
// '?' as one character or none and '*' as any run; brackets stay classes.
func findGlob(g string) string {
	g = strings.ReplaceAll(g, ".", `\.`)
	g = strings.ReplaceAll(g, "?", ".?")
	return strings.ReplaceAll(g, "*", ".*") + "$"
}

func newFindTest(c *call) (*findTest, error) {
	t := &findTest{types: c.str("type"), uid: -1, gid: -1, maxdepth: -1}
	for _, o := range []struct {
		arg   string
		glob  bool
		flags pyre.Flag
	}{{"name", true, 0}, {"iname", true, pyre.IgnoreCase}, {"regex", false, 0}, {"iregex", false, pyre.IgnoreCase}} {
		if !c.has(o.arg) || c.str(o.arg) == "" {
			continue
		}
		pat := c.str(o.arg)
		if o.glob {
			pat = findGlob(pat)
		}
		// re.match on the base name: anchored at its start alone.
		re, err := pyre.CompileMatch(pat, o.flags)
		if err != nil {
			return nil, &states.ArgError{Func: c.fun, Arg: o.arg, Err: err}
		}
		t.names = append(t.names, re)
	}
	if strings.Trim(t.types, "fdlpsbc") != "" {
		return nil, &states.ArgError{Func: c.fun, Arg: "type", Err: fmt.Errorf("%q: want letters of f, d, l, p, s, b, c", t.types)}
	}
	uid, gid, err := ids(c.host.Root, c.str("user"), c.str("group"))
	if err != nil {
		return nil, err
	}
	t.uid, t.gid = uid, gid
	if c.has("maxdepth") {
		t.maxdepth = c.kw["maxdepth"].(int)
	}
	if c.has("mindepth") {
		t.mindepth = c.kw["mindepth"].(int)
	}
	return t, nil
}

func (t *findTest) match(rel string, depth int, fi fs.FileInfo) bool {
	base := filepath.Base(rel)
	if depth < t.mindepth {
		return false
	}
	for _, re := range t.names {
		if !re.MatchString(base) {
			return false
		}
	}
	if t.types != "" && !strings.ContainsRune(t.types, rune(fileType(fi.Mode())[0])) {
		return false
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if (t.uid >= 0 && int(st.Uid) != t.uid) || (t.gid >= 0 && int(st.Gid) != t.gid) {
			return false
		}
	}
	return true
}

func fileFind(ctx context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	t, err := newFindTest(c)
	if err != nil {
		return failed(err.Error())
	}
	base := strings.Count(filepath.Clean(hp), string(filepath.Separator))
	if filepath.Clean(hp) == "/" {
		base = 0
	}
	out := []string{}
	err = filepath.WalkDir(hp, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return nil // unreadable: skipped, as find goes on
		}
		depth := 0
		if p != hp {
			depth = strings.Count(p, string(filepath.Separator)) - base
			if filepath.Clean(hp) == "/" {
				depth++
			}
		}
		fi, err := d.Info()
		if err != nil {
			return nil
		}
		rel := c.rel(p)
		if t.match(rel, depth, fi) {
			out = append(out, rel)
		}
		if d.IsDir() && t.maxdepth >= 0 && depth >= t.maxdepth {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return failed(fmt.Sprintf("file.find: %v", err))
	}
	sort.Strings(out)
	return nested(out)
}
