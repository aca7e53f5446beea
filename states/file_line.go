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
// Salt: the edits are those of Salt 3006's _set_line (replace and delete take the first line match finds; before and after must each find one line; ensure between them inserts or replaces the one line there); where Salt's would add the line again at every run (an insert at a location, a line indented differently from content) brine adds it once; patterns are Python's, run by RE2 after the same translation as file.replace's (no lookaround).
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
	var match, before, after *linePattern
	if matchS != "" {
		if match, err = newLinePattern(matchS); err != nil {
			return fileFail(req, &ArgError{Arg: "match", Err: err})
		}
	} else if !a.Has("before") && !a.Has("after") {
		// Salt: with no match, before or after, content is the match,
		// as a regular expression or as it is.
		if match, err = newLinePattern(content); err != nil {
			match = &linePattern{text: content}
		}
	}
	if beforeS != "" {
		if before, err = newLinePattern(beforeS); err != nil {
			return fileFail(req, &ArgError{Arg: "before", Err: err})
		}
	}
	if afterS != "" {
		if after, err = newLinePattern(afterS); err != nil {
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
		showChanges: show, hiddenIsTrue: true, backup: backup}
	if !cur.exists {
		edit.perms = perms
	}
	changes, err := fileCheckApply(req, edit)
	if err != nil {
		return fileFail(req, err)
	}
	return fileEditResult(req, changes, "Changes were made", "Changes would be made", "No changes needed to be made")
}

// linePattern is a match, before or after argument as Salt's
// _regex_to_static reads it: a line is found when the regular expression
// is found in it, or when it holds the argument's text as it is.
type linePattern struct {
	rx   *regexp.Regexp // nil: the text alone
	text string
}

func newLinePattern(s string) (*linePattern, error) {
	rx, err := fileCompilePattern(s, 0)
	if err != nil {
		return nil, err
	}
	return &linePattern{rx: rx, text: s}, nil
}

// found lists the indexes of the lines p finds (none for a nil p).
func (p *linePattern) found(lines []string) []int {
	if p == nil || p.text == "" {
		return nil
	}
	var out []int
	for i, l := range lines {
		if (p.rx != nil && p.rx.MatchString(l)) || strings.Contains(l, p.text) {
			out = append(out, i)
		}
	}
	return out
}

// fileLineEdit is file.line on a slice of lines, as Salt's _set_line edits
// them; it is pure so that it can be tested on text. Where Salt's would
// add the line again at every run (an insert at a location or between
// before and after, an indented line compared with the unindented
// content), brine compares lines with their blanks trimmed and adds it
// once.
func fileLineEdit(lines []string, mode, location, content string, match, before, after *linePattern, indent bool) ([]string, error) {
	same := func(i int) bool {
		return i >= 0 && i < len(lines) && strings.TrimSpace(lines[i]) == strings.TrimSpace(content)
	}
	// indented is content with the indentation of ref; Salt's line
	// endings pass strips its trailing blanks.
	indented := func(ref string) string {
		c := content
		if indent {
			c = ref[:len(ref)-len(strings.TrimLeft(ref, " \t"))] + strings.TrimLeft(content, " \t")
		}
		return strings.TrimRight(c, " \t\r\n")
	}
	insertAt := func(i int, line string) []string {
		out := make([]string, 0, len(lines)+1)
		out = append(out, lines[:i]...)
		out = append(out, line)
		return append(out, lines[i:]...)
	}
	// one is Salt's _assert_occurrence: a before or after must find one
	// line.
	one := func(found []int, name string) (int, error) {
		if len(found) > 1 {
			return 0, fmt.Errorf("Found more than expected occurrences in %q expression", name)
		}
		return found[0], nil
	}
	m, b, af := match.found(lines), before.found(lines), after.found(lines)
	switch mode {
	case "delete":
		// Every line equal to the first one match finds.
		if len(m) == 0 {
			return lines, nil
		}
		first := lines[m[0]]
		out := lines[:0:0]
		for _, l := range lines {
			if l != first {
				out = append(out, l)
			}
		}
		return out, nil
	case "replace":
		// The first line match finds.
		if len(m) == 0 {
			return lines, nil
		}
		out := append([]string{}, lines...)
		out[m[0]] = indented(lines[m[0]])
		return out, nil
	case "insert":
		switch {
		case location == "" && before == nil && after == nil:
			return nil, errors.New(`On insert either "location" or "before/after" conditions are required.`)
		case location == "end":
			if len(lines) == 0 {
				return []string{strings.TrimRight(content, " \t\r\n")}, nil
			}
			if same(len(lines) - 1) {
				return lines, nil
			}
			return insertAt(len(lines), indented(lines[len(lines)-1])), nil
		case location == "start":
			if same(0) {
				return lines, nil
			}
			return insertAt(0, strings.TrimRight(content, " \t\r\n")), nil
		case len(b) > 0 && len(af) > 0:
			if _, err := one(b, "before"); err != nil {
				return nil, err
			}
			if _, err := one(af, "after"); err != nil {
				return nil, err
			}
			if same(b[0] - 1) {
				return lines, nil
			}
			return insertAt(b[0], indented(lines[b[0]])), nil
		case len(af) > 0:
			i, err := one(af, "after")
			if err != nil {
				return nil, err
			}
			if same(i + 1) {
				return lines, nil
			}
			return insertAt(i+1, indented(lines[i])), nil
		case len(b) > 0:
			i, err := one(b, "before")
			if err != nil {
				return nil, err
			}
			if same(i - 1) {
				return lines, nil
			}
			return insertAt(i, indented(lines[i])), nil
		}
		return nil, errors.New("Neither before or after was found in file")
	}
	// ensure
	switch {
	case len(b) > 0 && len(af) > 0:
		ai, err := one(af, "after")
		if err != nil {
			return nil, err
		}
		bi, err := one(b, "before")
		if err != nil {
			return nil, err
		}
		switch bi - ai {
		case 1:
			return insertAt(ai+1, indented(lines[ai])), nil
		case 2:
			out := append([]string{}, lines...)
			out[ai+1] = indented(lines[ai])
			return out, nil
		}
		return nil, errors.New(`Found more than one line between boundaries "before" and "after".`)
	case len(b) > 0:
		bi, err := one(b, "before")
		if err != nil {
			return nil, err
		}
		if same(bi - 1) {
			return lines, nil
		}
		// Salt indents from the line above before's (the last line
		// when before's is the first).
		ref := len(lines) - 1
		if bi > 0 {
			ref = bi - 1
		}
		return insertAt(bi, indented(lines[ref])), nil
	case len(af) > 0:
		ai, err := one(af, "after")
		if err != nil {
			return nil, err
		}
		if same(ai + 1) {
			return lines, nil
		}
		return insertAt(ai+1, indented(lines[ai])), nil
	}
	return nil, errors.New("Wrong conditions? Unable to ensure line without knowing where to put it before and/or after.")
}
