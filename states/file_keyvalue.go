package states

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
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

// fileKVEdit applies key/values to the lines of a file: a line "KEY SEP
// VALUE" (blanks around each allowed, or commented out with uncomment)
// gets the wanted value; a missing key is added when asked. It returns
// the new lines and how many lines changed.
func fileKVEdit(lines []string, keys []string, want map[string]string, sep, uncomment string, count int, appendNF, prependNF, keyCase, valCase bool) ([]string, int) {
	eq := func(a, b string, fold bool) bool {
		if fold {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	seen := map[string]int{}
	changed := 0
	out := append([]string(nil), lines...)
	for i, l := range out {
		body := strings.TrimSpace(l)
		commented := false
		if uncomment != "" && strings.HasPrefix(body, uncomment) {
			body, commented = strings.TrimSpace(strings.TrimLeft(body, uncomment)), true
		}
		k, v, ok := strings.Cut(body, sep)
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		for _, key := range keys {
			if !eq(k, key, keyCase) {
				continue
			}
			if count >= 0 && seen[key] >= count {
				break
			}
			seen[key]++
			if commented || !eq(v, want[key], valCase) {
				out[i] = key + sep + want[key]
				changed++
			}
			break
		}
	}
	var missing []string
	for _, key := range keys {
		if seen[key] == 0 {
			missing = append(missing, key+sep+want[key])
		}
	}
	if len(missing) > 0 {
		switch {
		case prependNF:
			out = append(missing, out...)
			changed += len(missing)
		case appendNF:
			out = append(out, missing...)
			changed += len(missing)
		}
	}
	return out, changed
}

// Keyvalue sets keys of a KEY=VALUE file (or KEY VALUE, with separator),
// such as /etc/default/* or sshd_config: a key's line gets the wanted
// value in place; other lines are kept byte for byte.
//
// Salt: the comments are modelled on Salt 3006's file.keyvalue but not yet checked against its source; the changes are a diff, as a dry run reports them too.
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
	want := map[string]string{}
	switch {
	case key != "" && len(kv) > 0:
		return fileFail(req, &ArgError{Arg: "key", Err: errors.New("give key and value, or key_values, not both")})
	case key != "":
		if !a.Has("value") {
			return fileFail(req, &ArgError{Arg: "value", Err: errors.New("required with key")})
		}
		want[key] = value
	case len(kv) > 0:
		for k, v := range kv {
			s, ok := scalarString(v)
			if !ok {
				return fileFail(req, &ArgError{Arg: "key_values", Err: fmt.Errorf("%s: want a value, got %s", k, typeName(v))})
			}
			want[k] = s
		}
	default:
		return fileFail(req, &ArgError{Arg: "key_values", Err: errors.New("give key and value, or key_values")})
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		switch {
		case ignoreMissing:
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("%s: file not found, ignore_if_missing is set", req.Name)}
		case !create:
			return Failf(req.Name, "%s: file not found", req.Name)
		}
		if err := fileEnsureParent(req, path, false, filePerms{uid: -1, gid: -1}, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
		appendNF = appendNF || !prependNF
	}
	lines, finalNL := fileLines(cur.data)
	out, n := fileKVEdit(lines, keys, want, sep, uncomment, count, appendNF, prependNF, keyCase, valCase)
	if searchOnly {
		if n == 0 {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "No changes needed to be made"}
		}
		return Result{Name: req.Name, Result: False, Changes: map[string]any{}, Comment: fmt.Sprintf("%d lines would be changed (search_only)", n)}
	}
	if !cur.exists {
		finalNL = true
	}
	newData := fileJoinLines(out, finalNL || n > 0 && len(lines) == 0)
	if n == 0 {
		newData = cur.data
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: newData, perms: filePerms{uid: -1, gid: -1}, showChanges: show, dirMode: fileDefaultDirMode})
	if err != nil {
		return fileFail(req, err)
	}
	return fileEditResult(req, changes, fmt.Sprintf("Changed %d lines", n),
		fmt.Sprintf("File %s is set to be changed (%d lines)", req.Name, n), "No changes needed to be made")
}
