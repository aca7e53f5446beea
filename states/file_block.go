package states

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	Register("file.comment", fileComment,
		fileName("the path of the file."),
		Param{Name: "regex", Type: String, Required: true, Doc: "a Python regular expression for the lines to comment out; a leading ^ anchors at the line start."},
		Param{Name: "char", Type: String, Default: "#", Doc: "the comment character(s) put in front of each line."},
		fileBackupBak,
		Param{Name: "ignore_missing", Type: Bool, Default: false, Doc: "succeed when no line matches and none is commented."},
	)
	Register("file.uncomment", fileUncomment,
		fileName("the path of the file."),
		Param{Name: "regex", Type: String, Required: true, Doc: "a Python regular expression for the line, without its comment character; a leading ^ anchors at the text after it."},
		Param{Name: "char", Type: String, Default: "#", Doc: "the comment character(s)."},
		fileBackupBak,
	)
	Register("file.blockreplace", fileBlockreplace,
		fileName("the path of the file."),
		Param{Name: "marker_start", Type: String, Default: "#-- start managed zone --", Doc: "the line that opens the block; a line containing it matches."},
		Param{Name: "marker_end", Type: String, Default: "#-- end managed zone --", Doc: "the line that closes the block."},
		Param{Name: "content", Type: StringList, Doc: "the text between the markers, a string or a list of lines."},
		Param{Name: "source", Type: Any, Doc: "a salt:// URL or local path (or a list of them) whose content is used instead of content."},
		fileSourceTemplate, fileContext, fileDefaults,
		Param{Name: "append_if_not_found", Type: Bool, Default: false, Doc: "add the markers and content at the end when the markers are missing."},
		Param{Name: "prepend_if_not_found", Type: Bool, Default: false, Doc: "add them at the start instead."},
		Param{Name: "append_newline", Type: Bool, Doc: "True: a line break after the content always, so content ending in one leaves an empty line; False: none, so the end marker follows the content's last line; unset: one when the content lacks it."},
		fileBackupBak,
		fileShowChange,
	)
}

// Comment comments out the lines that match a regular expression.
//
// As Salt's, only lines that start with the regex are commented.
//
// Salt: under test the changes are the diff a real run makes, where Salt gives {name: "updated"}.
func fileComment(ctx context.Context, req *Request) Result {
	return fileCommentLines(ctx, req, true)
}

// Uncomment removes the comment character from the commented lines that
// match a regular expression.
//
// As Salt's, a line is uncommented when it starts with char, blanks and
// the regex, and every char at its start goes, the blanks after it stay
// ("# foo" becomes " foo"); an indented comment is left alone.
//
// Salt: under test the changes are the diff a real run makes, where Salt gives {name: "updated"}.
func fileUncomment(ctx context.Context, req *Request) Result {
	return fileCommentLines(ctx, req, false)
}

func fileCommentLines(ctx context.Context, req *Request, comment bool) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	regex := a.String("regex", "")
	char := a.String("char", "#")
	ignoreMissing := a.Bool("ignore_missing", false)
	backup := fileBackupSuffix(a, ".bak")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if regex == "" {
		return fileFail(req, &ArgError{Arg: "regex", Err: errors.New("want a regular expression, got nothing")})
	}
	if char == "" {
		return fileFail(req, &ArgError{Arg: "char", Err: errors.New("want a comment character, got nothing")})
	}
	// Salt's comment_line: the regex without its anchors, anchored at
	// the start of the line (and at its end when it ended with $).
	body := strings.TrimRight(strings.TrimLeft(regex, "^"), "$")
	tail := ""
	if strings.HasSuffix(regex, "$") {
		tail = "$"
	}
	start, err := fileCompilePattern("^(?:"+body+")"+tail, 0)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "regex", Err: err})
	}
	uncomment, err := fileCompilePattern("^"+regexp.QuoteMeta(char)+`\s*(?:`+body+")"+tail, 0)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "regex", Err: err})
	}
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		return fileNotFound(req)
	}
	lines, nl := fileLines(cur.data)
	out, hits, done := fileCommentEdit(lines, start, uncomment, char, comment)
	if hits == 0 {
		switch {
		case done > 0 && comment:
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Pattern already commented"}
		case done > 0:
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Pattern already uncommented"}
		case ignoreMissing && comment:
			return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Pattern not found and ignore_missing set to True"}
		case comment:
			return Failf(req.Name, "%s: Pattern not found", fileUnanchor(regex))
		}
		return Failf(req.Name, "%s: Pattern not found", regex)
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: fileJoinLines(out, nl),
		perms: filePerms{uid: -1, gid: -1}, showChanges: true, backup: backup})
	if err != nil {
		return fileFail(req, err)
	}
	done2 := "Commented lines successfully"
	if !comment {
		done2 = "Uncommented lines successfully"
	}
	return fileEditResult(req, changes, done2, "File "+req.Name+" is set to be updated", "No changes needed to be made")
}

// fileUnanchor drops a leading inline flag group and ^ and a trailing $
// from a regex, as Salt's comment() does before it reports the pattern.
func fileUnanchor(regex string) string {
	s := fileUnanchorRx.FindStringSubmatch(regex)
	if s == nil {
		return regex
	}
	return s[2]
}

var fileUnanchorRx = regexp.MustCompile(`^(\(\?[iLmsux]\))?\^?(.*?)\$?$`)

// fileCommentEdit comments (or uncomments) lines as Salt's
// file.comment_line does: a line is commented when it starts with the
// regex (re.match), char put before it; it is uncommented when it starts
// with char, blanks, then the regex, every char at its start removed (so
// "# foo" gives " foo", and an indented comment is left alone). start is
// the regex anchored at the start of a line; uncomment is
// ^char\s*(regex). hits is how many lines it changed, done how many were
// already as asked.
func fileCommentEdit(lines []string, start, uncomment *regexp.Regexp, char string, comment bool) (out []string, hits, done int) {
	out = make([]string, len(lines))
	for i, l := range lines {
		out[i] = l
		switch {
		case comment && start.MatchString(l):
			out[i] = char + l
			hits++
		case comment:
			if rest, ok := strings.CutPrefix(l, char); ok && start.MatchString(strings.TrimLeft(rest, " \t")) {
				done++
			}
		case uncomment.MatchString(l):
			for strings.HasPrefix(out[i], char) {
				out[i] = strings.TrimPrefix(out[i], char)
			}
			hits++
		case start.MatchString(strings.TrimLeft(l, " \t")):
			done++
		}
	}
	return out, hits, done
}

// Blockreplace manages the text between two marker lines, leaving the rest
// of the file as it is: how a state owns its own part of a shared file.
//
// The lines of file.accumulated states for the file are added to the
// content, after it: those of the accumulators the state requires (their
// require_in or watch_in names it), or of every accumulator of the file
// when it requires none, as in Salt.
//
// Salt: insert_before_match and insert_after_match are not supported.
func fileBlockreplace(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	start := a.String("marker_start", "#-- start managed zone --")
	end := a.String("marker_end", "#-- end managed zone --")
	appendNF := a.Bool("append_if_not_found", false)
	prependNF := a.Bool("prepend_if_not_found", false)
	nl := blockNewlineIfMissing
	if v, ok := a.Get("append_newline"); ok && v != nil {
		nl = blockNewlineNever
		if a.Bool("append_newline", false) {
			nl = blockNewlineAlways
		}
	}
	show := a.Bool("show_changes", true)
	template := fileTemplateArg(a)
	backup := fileBackupSuffix(a, ".bak")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if start == "" {
		return fileFail(req, &ArgError{Arg: "marker_start", Err: errors.New("want a marker line, got nothing")})
	}
	if end == "" {
		return fileFail(req, &ArgError{Arg: "marker_end", Err: errors.New("want a marker line, got nothing")})
	}
	if template != "" && template != "jinja" {
		return fileFail(req, &ArgError{Arg: "template", Err: fmt.Errorf(`want "jinja", got %q`, template)})
	}
	var content string
	if a.Has("source") {
		data, err := fileFirstSource(ctx, req)
		if err != nil {
			return fileFail(req, err)
		}
		if template == "jinja" {
			if data, err = fileRender(ctx, req, path, data); err != nil {
				return fileFail(req, err)
			}
		}
		content = string(data)
	} else if content, err = fileLinesArg(a, "content"); err != nil {
		return fileFail(req, err)
	}
	// file.accumulated's lines for this file join the content, each
	// after a newline of its own, as Salt's do (a content ending in a
	// newline so leaves an empty line before them).
	for _, l := range fileAccumLines(req, req.Name) {
		if content == "" {
			content = l
		} else {
			content += "\n" + l
		}
	}
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		return fileNotFound(req)
	}
	out, err := fileBlockEdit(cur.data, start, end, content, nl, appendNF, prependNF)
	if be := (*blockError)(nil); errors.As(err, &be) {
		return Failf(req.Name, "Encountered error managing block: %s. See the log for details.", be.msg)
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: out,
		perms: filePerms{uid: -1, gid: -1}, showChanges: show, hiddenIsTrue: true, backup: backup})
	if err != nil {
		return fileFail(req, err)
	}
	return fileEditResult(req, changes, "Changes were made", "Changes would be made", "No changes needed to be made")
}

// blockError is a failure of Salt's file.blockreplace module function,
// worded as it is: the state reports it as Salt's does.
type blockError struct{ msg string }

func (e *blockError) Error() string { return e.msg }

// blockNewline says what append_newline asks: add a line break after the
// content always (True), never (False), or when it lacks one (unset:
// Salt's None).
type blockNewline int

const (
	blockNewlineIfMissing blockNewline = iota
	blockNewlineAlways
	blockNewlineNever
)

// fileBlockEdit is Salt's file.blockreplace on data: every block from a
// line containing start to the next line containing end gets content in
// place of its lines. The start line stays as it is; the end line keeps
// what follows the end marker and loses what precedes it. Lines are
// ended with the file's own line separator (that of its first line).
// Without a block, the markers and content are added at the end or the
// start when asked, else it fails as Salt does.
func fileBlockEdit(data []byte, start, end, content string, nl blockNewline, appendNF, prependNF bool) ([]byte, error) {
	if appendNF && prependNF {
		return nil, &blockError{"Only one of append and prepend_if_not_found is permitted"}
	}
	appendNL := nl == blockNewlineAlways || nl == blockNewlineIfMissing && !strings.HasSuffix(content, "\n")
	var lines []string
	for _, w := range strings.Split(content, "\r\n") {
		lines = append(lines, strings.Split(w, "\n")...)
	}
	linesep := ""
	// add writes the block's content and its end line as Salt's
	// _add_content does.
	add := func(out []string, withStart bool, endLine string) []string {
		endLine = strings.TrimRight(endLine, "\r\n") + linesep
		if withStart {
			out = append(out, start+linesep)
		}
		for i, l := range lines {
			switch {
			case i < len(lines)-1:
				out = append(out, l+linesep)
			case appendNL:
				out = append(out, l+linesep, endLine)
			default:
				out = append(out, l+endLine)
			}
		}
		return out
	}
	var out []string
	inBlock, found := false, false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		if line == "" {
			continue
		}
		if linesep == "" {
			switch {
			case strings.HasSuffix(line, "\r\n"):
				linesep = "\r\n"
			default:
				linesep = "\n"
			}
		}
		keep := true
		if strings.Contains(line, start) {
			inBlock = true
		} else if inBlock {
			keep = false
			if at := strings.Index(line, end); at >= 0 {
				inBlock, found = false, true
				out = add(out, false, line[at:])
			}
		}
		if keep {
			out = append(out, line)
		}
	}
	if linesep == "" {
		linesep = "\n"
	}
	switch {
	case inBlock:
		return nil, &blockError{"Unterminated marked block. End of file reached before marker_end."}
	case found:
	case prependNF:
		out = append(add(nil, true, end), out...)
	case appendNF:
		if n := len(out); n > 0 && !strings.HasSuffix(out[n-1], linesep) {
			out[n-1] += linesep
		}
		out = add(out, true, end)
	default:
		return nil, &blockError{"Cannot edit marked block. Markers were not found in file."}
	}
	return []byte(strings.Join(out, "")), nil
}
