package states

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("file.line", fileLine,
		fileName("the path of the file."),
		Param{Name: "content", Type: String, Doc: "the line."},
		Param{Name: "match", Type: String, Doc: "a Python regular expression for the line(s) to replace or delete (default: content, taken literally)."},
		Param{Name: "mode", Type: String, Required: true, Doc: `ensure (the line is right after "after" and/or right before "before"), replace, delete or insert.`},
		Param{Name: "location", Type: String, Doc: "with insert and no before/after: start or end (default end)."},
		Param{Name: "before", Type: String, Doc: "a regular expression; the line goes just before the first line it matches."},
		Param{Name: "after", Type: String, Doc: "a regular expression; the line goes just after the first line it matches."},
		Param{Name: "indent", Type: Bool, Default: true, Doc: "give the new line the indentation of the line it goes next to or replaces."},
		Param{Name: "create", Type: Bool, Default: false, Doc: "create the file when missing."},
		Param{Name: "backup", Type: String, Doc: `the suffix of a copy of the old file such as ".bak" (default: no copy).`},
		fileShowChange,
		Param{Name: "user", Type: String, Doc: "the owner of a file created by create, a name or uid."},
		Param{Name: "group", Type: String, Doc: "the group of a file created by create, a name or gid."},
		Param{Name: "file_mode", Type: Mode, Doc: "the mode of a file created by create."},
	)
}

// Line edits one line of a file: makes sure it is there, replaces it,
// deletes it, or inserts it at a place.
//
// Salt: before and after are matched with Go's RE2 after the same translation as file.replace's pattern; with both, the line goes after "after".
func fileLine(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	content := a.String("content", "")
	mode := strings.ToLower(a.String("mode", ""))
	location := a.String("location", "")
	matchS := a.String("match", "")
	beforeS := a.String("before", "")
	afterS := a.String("after", "")
	indent := a.Bool("indent", true)
	create := a.Bool("create", false)
	show := a.Bool("show_changes", true)
	backup := fileBackupSuffix(a, "")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	switch mode {
	case "ensure", "replace", "delete", "insert":
	case "":
		return fileFail(req, &ArgError{Arg: "mode", Err: errors.New("want ensure, replace, delete or insert, got nothing")})
	default:
		return fileFail(req, &ArgError{Arg: "mode", Err: fmt.Errorf("want ensure, replace, delete or insert, got %q", mode)})
	}
	if mode != "delete" && !a.Has("content") {
		return fileFail(req, &ArgError{Arg: "content", Err: errors.New("want the line, got nothing")})
	}
	if location != "" && location != "start" && location != "end" {
		return fileFail(req, &ArgError{Arg: "location", Err: fmt.Errorf("want start or end, got %q", location)})
	}
	var match, before, after *regexp.Regexp
	if matchS != "" {
		if match, err = fileCompilePattern(matchS, 0); err != nil {
			return fileFail(req, &ArgError{Arg: "match", Err: err})
		}
	} else if content != "" {
		match = regexp.MustCompile(regexp.QuoteMeta(strings.TrimSpace(content)))
	} else {
		return fileFail(req, &ArgError{Arg: "match", Err: errors.New("want a regular expression (or content), got nothing")})
	}
	if beforeS != "" {
		if before, err = fileCompilePattern(beforeS, 0); err != nil {
			return fileFail(req, &ArgError{Arg: "before", Err: err})
		}
	}
	if afterS != "" {
		if after, err = fileCompilePattern(afterS, 0); err != nil {
			return fileFail(req, &ArgError{Arg: "after", Err: err})
		}
	}
	if mode == "ensure" && before == nil && after == nil {
		return fileFail(req, &ArgError{Arg: "mode", Err: errors.New("ensure needs before and/or after to know where the line goes")})
	}
	perms, err := fileReadPerms(req, "file_mode")
	if err != nil {
		return fileFail(req, err)
	}

	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists && !create {
		return fileNotFound(req)
	}
	if !cur.exists {
		if err := fileEnsureParent(req, path, false, perms, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
	}
	lines, nl := fileLines(cur.data)
	out, err := fileLineEdit(lines, mode, location, content, match, before, after, indent)
	if err != nil {
		return fileFail(req, err)
	}
	edit := fileEdit{path: path, cur: cur, new: fileJoinLines(out, nl || !cur.exists), perms: filePerms{uid: -1, gid: -1},
		showChanges: show, backup: backup}
	if !cur.exists {
		edit.perms = perms
	}
	changes, err := fileCheckApply(req, edit)
	if err != nil {
		return fileFail(req, err)
	}
	return fileEditResult(req, changes, "Changes were made", "Changes would be made", "No changes needed to be made")
}

// fileLineEdit is file.line on a slice of lines; it is pure so that it can
// be tested on text.
func fileLineEdit(lines []string, mode, location, content string, match, before, after *regexp.Regexp, indent bool) ([]string, error) {
	find := func(rx *regexp.Regexp, from int) int {
		for i := from; i < len(lines); i++ {
			if rx.MatchString(lines[i]) {
				return i
			}
		}
		return -1
	}
	present := func() bool {
		for _, l := range lines {
			if strings.TrimSpace(l) == strings.TrimSpace(content) {
				return true
			}
		}
		return false
	}
	indented := func(ref string) string {
		if !indent {
			return content
		}
		return ref[:len(ref)-len(strings.TrimLeft(ref, " \t"))] + strings.TrimLeft(content, " \t")
	}
	insertAt := func(i int, line string) []string {
		out := make([]string, 0, len(lines)+1)
		out = append(out, lines[:i]...)
		out = append(out, line)
		return append(out, lines[i:]...)
	}
	switch mode {
	case "delete":
		out := lines[:0:0]
		for _, l := range lines {
			if !match.MatchString(l) {
				out = append(out, l)
			}
		}
		return out, nil
	case "replace":
		out := make([]string, len(lines))
		for i, l := range lines {
			out[i] = l
			if match.MatchString(l) {
				out[i] = indented(l)
			}
		}
		return out, nil
	case "insert":
		if present() {
			return lines, nil
		}
		switch {
		case after != nil:
			i := find(after, 0)
			if i < 0 {
				return nil, fmt.Errorf("no line matches after %q", after)
			}
			return insertAt(i+1, indented(lines[i])), nil
		case before != nil:
			i := find(before, 0)
			if i < 0 {
				return nil, fmt.Errorf("no line matches before %q", before)
			}
			return insertAt(i, indented(lines[i])), nil
		case location == "start":
			return insertAt(0, content), nil
		}
		return insertAt(len(lines), content), nil
	}
	// ensure: the line sits right after "after", or right before "before".
	isContent := func(i int) bool {
		return i >= 0 && i < len(lines) && strings.TrimSpace(lines[i]) == strings.TrimSpace(content)
	}
	if after != nil {
		i := find(after, 0)
		if i < 0 {
			return nil, fmt.Errorf("no line matches after %q", after)
		}
		if isContent(i + 1) {
			return lines, nil
		}
		if before != nil && i+2 < len(lines) && before.MatchString(lines[i+2]) && match.MatchString(lines[i+1]) {
			out := append([]string{}, lines...)
			out[i+1] = indented(lines[i])
			return out, nil
		}
		return insertAt(i+1, indented(lines[i])), nil
	}
	i := find(before, 0)
	if i < 0 {
		return nil, fmt.Errorf("no line matches before %q", before)
	}
	if isContent(i - 1) {
		return lines, nil
	}
	return insertAt(i, indented(lines[i])), nil
}
