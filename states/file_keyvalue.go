package states

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

func init() {
	Register("file.keyvalue", fileKeyvalue,
		fileName("the path of the file."),
		Param{Name: "key", Type: String, Doc: "the key, with value (or use key_values)."},
		Param{Name: "value", Type: String, Doc: "the key's value."},
		Param{Name: "key_values", Type: Map, Doc: "several keys and their values."},
		Param{Name: "separator", Type: String, Default: "=", Doc: "what stands between key and value, written as it is."},
		Param{Name: "append_if_not_found", Type: Bool, Default: false, Doc: "add KEY SEPARATOR VALUE at the end when the key is missing."},
		Param{Name: "prepend_if_not_found", Type: Bool, Default: false, Doc: "add it at the start instead."},
		Param{Name: "search_only", Type: Bool, Default: false, Doc: "only report whether the keys are right; change nothing."},
		fileShowChange,
		Param{Name: "ignore_if_missing", Type: Bool, Default: false, Doc: "succeed when the file does not exist."},
		Param{Name: "count", Type: Int, Default: 1, Doc: "how many lines of a key to correct: 1 the first, -1 all."},
		Param{Name: "uncomment", Type: String, Doc: "a comment character: a commented-out line of the key is uncommented and corrected."},
		Param{Name: "key_ignore_case", Type: Bool, Default: false, Doc: "match keys in any case."},
		Param{Name: "value_ignore_case", Type: Bool, Default: false, Doc: "compare values in any case."},
		Param{Name: "create_if_missing", Type: Bool, Default: false, Doc: "create the file when it does not exist."},
	)
}

// kvEdit is file.keyvalue's edit of a file's text, as Salt 3006's
// keyvalue() makes it: lines keep their endings, and diff is Salt's own
// ("- old line", "+ new line", "- <EOF>"/"+ <EOF>" around appended
// lines, "  <SOF>" before prepended ones).
type kvEdit struct {
	keys               []string // in the order the SLS gave them
	want               map[string]string
	types              map[string]string // Python's type name of a value that was no string
	sep, uncomment     string
	count              int
	appendNF, prependN bool
	keyCase, valCase   bool
}

// apply returns the new text, Salt's diff and how many lines changed.
//
// A line is a key's when, its leading uncomment characters (or, with no
// uncomment, its leading blanks) taken off, it starts with the key, and
// the text before the first separator is the key exactly. Its value is
// compared with blanks trimmed. count is how many lines of a key to set:
// a commented one is uncommented while count lasts, and once count lines
// are set, the key's further lines are removed; -1 sets them all.
func (k kvEdit) apply(text string) (string, string, int) {
	var out, diff strings.Builder
	changed := 0
	left := make(map[string]int, len(k.keys))
	for _, key := range k.keys {
		left[key] = k.count
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		strip := " \t\n\r\v\f"
		if k.uncomment != "" {
			strip = k.uncomment
		}
		test := strings.TrimLeft(line, strip)
		uncommented := len(test) < len(line)
		if k.keyCase {
			test = strings.ToLower(test)
		}
		for _, key := range k.keys {
			tkey := key
			if k.keyCase {
				tkey = strings.ToLower(key)
			}
			if !strings.HasPrefix(test, tkey) {
				continue
			}
			work := line
			if uncommented {
				work = strings.TrimLeft(line, strip)
			}
			lkey, lval, found := strings.Cut(work, k.sep)
			if !found {
				continue
			}
			if lk := lkey; (k.keyCase && strings.ToLower(lk) != tkey) || (!k.keyCase && lk != tkey) {
				continue
			}
			have, want := strings.TrimSpace(lval), strings.TrimSpace(k.want[key])
			if k.valCase {
				have, want = strings.ToLower(have), strings.ToLower(want)
			}
			same, redo := have == want, false
			switch {
			case uncommented && left[key] > 0:
				redo = true
			case uncommented:
				same = true
			case left[key] == 0:
				redo = true
			}
			if !same || redo {
				diff.WriteString("- " + line)
				line = ""
				if left[key] != 0 {
					line = lkey + k.sep + k.want[key] + "\n"
					if t, ok := k.types[key]; ok {
						diff.WriteString("+ " + strings.TrimRight(line, " \t\r\n") + " (from " + t + " type)\n")
					} else {
						diff.WriteString("+ " + line)
					}
				}
				changed++
			}
			if left[key] > 0 {
				left[key]--
			}
		}
		out.WriteString(line)
	}
	var added []string
	for _, key := range k.keys {
		if left[key] > 0 {
			added = append(added, key+k.sep+k.want[key]+"\n")
		}
	}
	switch {
	case len(added) == 0:
	case k.appendNF:
		diff.WriteString("- <EOF>\n")
		for _, l := range added {
			out.WriteString(l)
			diff.WriteString("+ " + l)
		}
		diff.WriteString("+ <EOF>\n")
		changed += len(added)
	case k.prependN:
		// Salt inserts each at the top in turn.
		var head, d strings.Builder
		for i := len(added) - 1; i >= 0; i-- {
			head.WriteString(added[i])
			d.WriteString("+ " + added[i])
		}
		rest := diff.String()
		diff.Reset()
		diff.WriteString("  <SOF>\n" + d.String() + rest)
		text := out.String()
		out.Reset()
		out.WriteString(head.String() + text)
		changed += len(added)
	}
	return out.String(), diff.String(), changed
}

// Keyvalue sets keys of a KEY=VALUE file (or KEY VALUE, with separator),
// such as /etc/default/* or sshd_config: a key's line gets the wanted
// value in place; other lines are kept byte for byte.
//
// The edit, the comments and the diff are those of Salt 3006's
// keyvalue(): a key's line keeps the file's spelling of the key, count
// lines of a key are set and further ones removed, and a commented line
// is uncommented while count lasts.
//
// Salt: create_if_missing (brine's) creates the file; search_only reports without writing.
func fileKeyvalue(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	key := a.String("key", "")
	value := a.String("value", "")
	kv := a.Dict("key_values")
	sep := a.String("separator", "=")
	appendNF := a.Bool("append_if_not_found", false)
	prependNF := a.Bool("prepend_if_not_found", false)
	searchOnly := a.Bool("search_only", false)
	show := a.Bool("show_changes", true)
	ignoreMissing := a.Bool("ignore_if_missing", false)
	count := a.Int("count", 1)
	uncomment := a.String("uncomment", "")
	keyCase := a.Bool("key_ignore_case", false)
	valCase := a.Bool("value_ignore_case", false)
	create := a.Bool("create_if_missing", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	want, types := map[string]string{}, map[string]string{}
	var keys []string
	switch {
	case key != "" && len(kv) > 0:
		return fileFail(req, &ArgError{Arg: "key", Err: errors.New("give key and value, or key_values, not both")})
	case key != "":
		if !a.Has("value") {
			return fileFail(req, &ArgError{Arg: "value", Err: errors.New("required with key")})
		}
		// Salt makes key_values of key and value, the value's type kept.
		raw, _ := a.Get("value")
		kv, keys = map[string]any{key: raw}, []string{key}
		if _, ok := scalarString(raw); !ok {
			want[key] = value
			break
		}
		fallthrough
	case len(kv) > 0:
		if keys == nil {
			keys = fileKVOrder(a, kv)
		}
		for _, k := range keys {
			s, ok := scalarString(kv[k])
			if !ok {
				return fileFail(req, &ArgError{Arg: "key_values", Err: fmt.Errorf("%s: want a value, got %s", k, typeName(kv[k]))})
			}
			want[k] = pyfmtValue(kv[k], s)
			if _, isStr := kv[k].(string); !isStr {
				types[k] = pyTypeName(kv[k])
			}
		}
	default:
		return fileFail(req, &ArgError{Arg: "key_values", Err: errors.New("give key and value, or key_values")})
	}
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		switch {
		case ignoreMissing:
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "unable to open " + req.Name}
		case !create:
			return Failf(req.Name, "unable to open %s", req.Name)
		}
		if err := fileEnsureParent(req, path, false, filePerms{uid: -1, gid: -1}, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
		appendNF = appendNF || !prependNF
	}
	ed := kvEdit{keys: keys, want: want, types: types, sep: sep, uncomment: uncomment, count: count,
		appendNF: appendNF, prependN: prependNF, keyCase: keyCase, valCase: valCase}
	newText, diff, n := ed.apply(string(cur.data))
	if searchOnly {
		if n == 0 {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: ""}
		}
		return Result{Name: req.Name, Result: False, Changes: map[string]any{}, Comment: fmt.Sprintf("%d lines would be changed (search_only)", n)}
	}
	if n == 0 {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: ""}
	}
	changes := map[string]any{}
	if show {
		changes["diff"] = diff
	}
	if req.Test {
		comment := fmt.Sprintf("File %s is set to be changed (%d lines)", req.Name, n)
		if show {
			comment += "\nPredicted diff:\n\r\t\t" + strings.Join(strings.SplitAfter(strings.TrimSuffix(diff, "\n"), "\n"), "\r\t\t")
			if strings.HasSuffix(diff, "\n") {
				comment += "\n"
			}
		}
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: comment}
	}
	if _, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: []byte(newText), perms: filePerms{uid: -1, gid: -1}, showChanges: false, dirMode: fileDefaultDirMode}); err != nil {
		return fileFail(req, err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Changed %d lines", n)}
}

// fileKVOrder lists key_values' keys in the order the SLS wrote them
// (sorted when it came as a plain map).
func fileKVOrder(a *Args, kv map[string]any) []string {
	if m, ok := a.asGiven["key_values"].(*odict.Map); ok {
		return m.Keys()
	}
	keys := make([]string, 0, len(kv))
	for k := range kv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyTypeName is the name of a value's Python type.
func pyTypeName(v any) string {
	switch v.(type) {
	case bool:
		return "bool"
	case float64:
		return "float"
	case nil:
		return "NoneType"
	}
	return "int"
}

// pyfmtValue is a key_values value as Salt writes it: Python's str().
func pyfmtValue(v any, s string) string {
	if _, isStr := v.(string); isStr {
		return s
	}
	return pyfmt.Str(v)
}
