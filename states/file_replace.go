package states

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/textdiff"
)

func init() {
	Register("file.replace", fileReplace,
		fileName("the path of the file."),
		Param{Name: "pattern", Type: String, Required: true, Doc: `a Python regular expression; \Z, {,n}, \uXXXX and (?u) are translated to Go's RE2, and lookaround, backreferences and (?x) are refused with an error.`},
		Param{Name: "repl", Type: String, Doc: `the replacement; \1 and \g<name> refer to groups (required unless search_only).`},
		Param{Name: "count", Type: Int, Default: 0, Doc: "replace at most this many matches; 0 replaces all."},
		Param{Name: "flags", Type: Any, Doc: "a list of IGNORECASE, MULTILINE, DOTALL, or their integer sum (default 8, MULTILINE)."},
		Param{Name: "append_if_not_found", Type: Bool, Default: false, Doc: "when nothing matches, add not_found_content at the end."},
		Param{Name: "prepend_if_not_found", Type: Bool, Default: false, Doc: "when nothing matches, add not_found_content at the start."},
		Param{Name: "not_found_content", Type: StringList, Doc: "the text added when nothing matches (default repl), followed by a newline, as in Salt; it is not added again when it already stands from the start of a line to the end of one."},
		fileBackupBak,
		Param{Name: "show_changes", Type: Bool, Default: true, Doc: "report the diff."},
		Param{Name: "ignore_if_missing", Type: Bool, Default: false, Doc: "succeed without change when the file does not exist."},
		Param{Name: "search_only", Type: Bool, Default: false, Doc: "report whether the pattern matches and change nothing."},
		Param{Name: "backslash_literal", Type: Bool, Default: false, Doc: `a backslash in repl is itself, not the start of \1 or \n.`},
	)
}

// Replace edits a file with a regular expression, as Python's re.sub does.
//
// Salt: on a file that does not exist yet both fail with Salt's "X: file not found", in test mode too (brine cannot know whether an earlier state would create it), unless ignore_if_missing is set. The "$" anchor without MULTILINE does not match before a final newline as Python's does.
func fileReplace(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	pattern := a.String("pattern", "")
	repl := a.String("repl", "")
	count := a.Int("count", 0)
	appendNF := a.Bool("append_if_not_found", false)
	prependNF := a.Bool("prepend_if_not_found", false)
	show := a.Bool("show_changes", true)
	ignoreMissing := a.Bool("ignore_if_missing", false)
	searchOnly := a.Bool("search_only", false)
	literal := a.Bool("backslash_literal", false)
	backup := fileBackupSuffix(a, ".bak")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if !a.Has("pattern") {
		return fileFail(req, &ArgError{Arg: "pattern", Err: errors.New("want a regular expression, got nothing")})
	}
	if !a.Has("repl") && !searchOnly {
		return fileFail(req, &ArgError{Arg: "repl", Err: errors.New("want the replacement text, got nothing")})
	}
	if count < 0 {
		return fileFail(req, &ArgError{Arg: "count", Err: fmt.Errorf("want 0 or more, got %d", count)})
	}
	fv, _ := a.Get("flags")
	flags, err := RegexFlags(fv, pyre.Multiline)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "flags", Err: err})
	}
	rx, err := fileCompilePattern(pattern, flags)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "pattern", Err: err})
	}
	sub := repl
	if literal {
		sub = strings.ReplaceAll(repl, `\`, `\\`) // Salt's backslash_literal
	}
	tmpl, err := pyre.Template(rx, sub)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "repl", Err: err})
	}
	notFound := repl
	if a.Has("not_found_content") {
		if notFound, err = fileLinesArg(a, "not_found_content"); err != nil {
			return fileFail(req, err)
		}
	}

	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		if ignoreMissing {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{},
				Comment: "No changes needed to be made"}
		}
		return fileNotFound(req)
	}
	if searchOnly {
		if rx.Match(cur.data) {
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Pattern was found"}
		}
		return Failf(req.Name, "Pattern was not found")
	}
	subbed, n := pyre.Sub(rx, tmpl, string(cur.data), count)
	out := []byte(subbed)
	added := false
	if n == 0 && (appendNF || prependNF) {
		out, added = AddIfNotFound(cur.data, notFound, flags, prependNF)
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: out, perms: filePerms{uid: -1, gid: -1},
		showChanges: show, hiddenIsTrue: true, backup: backup})
	if err != nil {
		return fileFail(req, err)
	}
	if _, isText := changes["diff"].(string); added && isText && !fileIsBinary(cur.data) {
		changes["diff"] = "--- \n+++ \n" + fileNotFoundDiff(cur.data, notFound, prependNF)
	}
	return fileEditResult(req, changes, "Changes were made", "Changes would have been made", "No changes needed to be made")
}

// fileNotFoundDiff is the diff of file.replace's not_found_content added
// as Salt makes it: the content is one item of the new file's list of
// lines, however many lines it holds.
func fileNotFoundDiff(data []byte, content string, atStart bool) string {
	old := textdiff.SplitLines(string(data))
	if atStart {
		return textdiff.UnifiedItems(old, append([]string{content + "\n"}, old...))
	}
	new := slices.Clone(old)
	if n := len(new); n > 0 && !strings.HasSuffix(new[n-1], "\n") {
		new[n-1] += "\n"
	}
	return textdiff.UnifiedItems(old, append(new, content+"\n"))
}

// fileAddBlock puts text on lines of its own at the end (or start) of data.
func fileAddBlock(data, text []byte, atStart bool) []byte {
	block := append([]byte{}, text...)
	if len(block) == 0 || block[len(block)-1] != '\n' {
		block = append(block, '\n')
	}
	if atStart {
		return append(block, data...)
	}
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	return append(out, block...)
}

// fileBackupSuffix reads a backup argument that is a suffix or False.
func fileBackupSuffix(a *Args, def string) string {
	v, ok := a.Get("backup")
	if !ok || v == nil {
		return def
	}
	if b, isBool := v.(bool); isBool {
		if b {
			return def
		}
		return ""
	}
	s := a.String("backup", def)
	if b, err := ParseBool(s); err == nil && s != "" {
		if b {
			return def
		}
		return ""
	}
	return s
}

// fileNotFound is Salt's _check_file failure for a file an edit state
// needs: "NAME: file not found".
func fileNotFound(req *Request) Result { return Failf(req.Name, "%s: file not found", req.Name) }

// fileEditResult is the ending of the states that edit part of a file,
// with Salt's comments for them.
func fileEditResult(req *Request, changes map[string]any, done, test, noop string) Result {
	switch {
	case len(changes) == 0:
		return Result{Name: req.Name, Result: True, Comment: noop, Changes: changes}
	case req.Test:
		return Result{Name: req.Name, Result: None, Comment: test, Changes: changes}
	}
	return Result{Name: req.Name, Result: True, Comment: done, Changes: changes}
}
