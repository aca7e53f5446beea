package exec

// file.find: Salt's find (salt/utils/find.py), under --root.

import (
	"bufio"
	"context"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/states"
)

// findTest is file.find's tests, read once.
type findTest struct {
	names              []*regexp.Regexp // name, iname, regex, iregex: each must match the base name
	types              string
	uid, gid           int
	maxdepth, mindepth int
	size               *[2]int64 // the least and the most bytes
	mtime              *findMtime
	grep               *regexp.Regexp // searched in regular files' contents
	print              []string       // what to return of each match: path when empty
}

// findPrints are the fields of Salt's find print option.
var findPrints = []string{"group", "md5", "mode", "mtime", "name", "path", "size", "type", "user"}

// printed is what file.find returns for one match: its path, or the
// fields print= asks for, one value alone or a list of them (Salt's
// PrintOption).
func (t *findTest) printed(db *osuser.DB, hp, rel string, fi fs.FileInfo) any {
	if len(t.print) == 0 {
		return rel
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		st = &syscall.Stat_t{}
	}
	out := make([]any, 0, len(t.print))
	for _, f := range t.print {
		switch f {
		case "path":
			out = append(out, rel)
		case "name":
			out = append(out, filepath.Base(rel))
		case "size":
			out = append(out, fi.Size())
		case "type":
			out = append(out, fileType(fi.Mode())[:1])
		case "mode":
			out = append(out, int(st.Mode))
		case "mtime":
			out = append(out, st.Mtim.Sec)
		case "user":
			out = append(out, nameOr(db, int(st.Uid), true))
		case "group":
			out = append(out, nameOr(db, int(st.Gid), false))
		case "md5":
			sum := ""
			if fi.Mode().IsRegular() {
				sum, _ = hashFile(hp, "md5")
			}
			out = append(out, sum)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	return out
}

// findMtime is find's mtime test: modified at or after since (within),
// or at or before it.
type findMtime struct {
	since  time.Time
	within bool
}

// findSize reads find's size as Salt's _parse_size does: [+-]N[bkmgt],
// "-" for N and smaller, "+" for N and larger, else sizes that round to
// N in its unit.
func findSize(v string) (*[2]int64, error) {
	s := strings.TrimSpace(v)
	style := byte('=')
	if s != "" && (s[0] == '-' || s[0] == '+') {
		style, s = s[0], s[1:]
	}
	mult := int64(1)
	if s != "" {
		if m, ok := map[byte]int64{'b': 1, 'k': 1 << 10, 'm': 1 << 20, 'g': 1 << 30, 't': 1 << 40}[s[len(s)-1]|0x20]; ok {
			mult, s = m, strings.TrimSpace(s[:len(s)-1])
		}
	}
	var n int64
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		n = i * mult
	} else if f, err := strconv.ParseFloat(s, 64); err == nil {
		n = int64(f * float64(mult))
	} else {
		return nil, fmt.Errorf("invalid size: %q", v)
	}
	switch style {
	case '-':
		return &[2]int64{0, n}, nil
	case '+':
		return &[2]int64{n, math.MaxInt64}, nil
	}
	return &[2]int64{n, n + mult - 1}, nil
}

// findInterval is Salt's _INTERVAL_REGEX: [+-] then [N w] [N d] [N h]
// [N m] [N s], each N a number with an optional fraction.
var findInterval = regexp.MustCompile(`^\s*([+-]?)` +
	`(?:(\d+(?:\.\d*)?)\s*[wW])?\s*(?:(\d+(?:\.\d*)?)\s*[dD])?\s*(?:(\d+(?:\.\d*)?)\s*[hH])?\s*` +
	`(?:(\d+(?:\.\d*)?)\s*[mM])?\s*(?:(\d+(?:\.\d*)?)\s*[sS])?\s*$`)

// findMtimeTest reads find's mtime as Salt's MtimeOption does: the
// interval is cut to whole units of its smallest unit given; "-" keeps
// what was modified within it, anything else what was modified before.
func findMtimeTest(v string, now time.Time) (*findMtime, error) {
	m := findInterval.FindStringSubmatch(v)
	if m == nil {
		return nil, fmt.Errorf("invalid time interval: %q", v)
	}
	var secs, resolution float64
	units := []float64{7 * 24 * 3600, 24 * 3600, 3600, 60, 1} // w d h m s, as m[2:]
	for i := len(units) - 1; i >= 0; i-- {
		if m[2+i] == "" {
			continue
		}
		f, _ := strconv.ParseFloat(m[2+i], 64)
		secs += f * units[i]
		if resolution == 0 {
			resolution = units[i]
		}
	}
	if resolution == 0 {
		return nil, fmt.Errorf("invalid time interval: %q: no unit", v)
	}
	cut := math.Trunc(secs/resolution) * resolution
	return &findMtime{since: now.Add(-time.Duration(cut * float64(time.Second))), within: m[1] == "-"}, nil
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
	if v := c.str("size"); v != "" {
		if t.size, err = findSize(v); err != nil {
			return nil, &states.ArgError{Func: c.fun, Arg: "size", Err: err}
		}
	}
	if v := c.str("mtime"); v != "" {
		if t.mtime, err = findMtimeTest(v, time.Now()); err != nil {
			return nil, &states.ArgError{Func: c.fun, Arg: "mtime", Err: err}
		}
	}
	if v := c.str("print"); v != "" {
		t.print = strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
		for _, f := range t.print {
			if !slices.Contains(findPrints, f) {
				return nil, &states.ArgError{Func: c.fun, Arg: "print", Err: fmt.Errorf("unknown field %q: want some of %s", f, strings.Join(findPrints, ", "))}
			}
		}
	}
	if v := c.str("grep"); v != "" {
		if t.grep, err = pyre.Compile(v, 0); err != nil {
			return nil, &states.ArgError{Func: c.fun, Arg: "grep", Err: err}
		}
	}
	return t, nil
}

// match reports whether the entry at host path hp (rel as the caller
// sees it, depth below the start) passes every test, its contents last.
func (t *findTest) match(hp, rel string, depth int, fi fs.FileInfo) bool {
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
	if t.size != nil && (fi.Size() < t.size[0] || fi.Size() > t.size[1]) {
		return false
	}
	if t.mtime != nil && t.mtime.within != !fi.ModTime().Before(t.mtime.since) {
		return false
	}
	if t.grep != nil {
		return fi.Mode().IsRegular() && findGrep(hp, t.grep)
	}
	return true
}

// findGrep reports whether re matches in the file at hp, read as a
// stream: a file that cannot be read does not match.
func findGrep(hp string, re *regexp.Regexp) bool {
	f, err := os.Open(hp)
	if err != nil {
		return false
	}
	defer f.Close()
	return re.MatchReader(bufio.NewReader(f))
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
	var db *osuser.DB
	if len(t.print) > 0 {
		db, _ = osuser.Load(c.host.Root)
	}
	out := []any{}
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
		if t.match(p, rel, depth, fi) {
			out = append(out, t.printed(db, p, rel, fi))
		}
		if d.IsDir() && t.maxdepth >= 0 && depth >= t.maxdepth {
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return failed(fmt.Sprintf("file.find: %v", err))
	}
	// Sorted as Salt's list.sort: by value, a list field by field.
	sort.SliceStable(out, func(i, j int) bool { return findLess(out[i], out[j]) })
	if len(t.print) == 0 {
		paths := make([]string, len(out))
		for i, p := range out {
			paths[i] = p.(string)
		}
		return nested(paths)
	}
	return nested(out)
}

// findLess orders file.find's results as Python orders them: strings
// and numbers by value, lists field by field, a shorter list first.
func findLess(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x < y
	case int64:
		y, ok := b.(int64)
		return ok && x < y
	case int:
		y, ok := b.(int)
		return ok && x < y
	case []any:
		y, ok := b.([]any)
		if !ok {
			return false
		}
		for i := range min(len(x), len(y)) {
			if findLess(x[i], y[i]) {
				return true
			}
			if findLess(y[i], x[i]) {
				return false
			}
		}
		return len(x) < len(y)
	}
	return false
}
