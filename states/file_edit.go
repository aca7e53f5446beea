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
	for _, fun := range []string{"file.append", "file.prepend"} {
		fn := fileAppend
		if fun == "file.prepend" {
			fn = filePrepend
		}
		params := []Param{
			fileName("the path of the file; it is created when missing."),
			{Name: "text", Type: StringList, Doc: "a line, or a list of lines (an item may hold several lines, added together)."},
			{Name: "source", Type: Any, Doc: "a salt:// URL or local path (or a list of them) whose content is the text, instead of text."},
			fileSourceTemplate, fileContext, fileDefaults,
			fileMakedirs,
		}
		if fun == "file.append" {
			params = append(params, Param{Name: "ignore_whitespace", Type: Bool, Default: true, Doc: "a chunk is there when its words are, whatever the whitespace between them and before them; False: the chunk is a Python regular expression searched for in the file, line by line."})
		} else {
			params = append(params, Param{Name: "header", Type: Bool, Default: false, Doc: "the text must be the file's first lines, exactly: added in full unless the file starts with it, never looked for elsewhere."})
		}
		Register(fun, fn, params...)
	}
}

// fileLines splits text into lines without their newlines, and reports
// whether the text ended with one, so that a join gives the text back.
func fileLines(data []byte) ([]string, bool) {
	if len(data) == 0 {
		return nil, true
	}
	s := string(data)
	nl := strings.HasSuffix(s, "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n"), nl
}

func fileJoinLines(lines []string, finalNL bool) []byte {
	if len(lines) == 0 {
		return []byte{}
	}
	s := strings.Join(lines, "\n")
	if finalNL {
		s += "\n"
	}
	return []byte(s)
}

// fileTextChunks reads text (append/prepend): a string or a list, each item
// a chunk of one or more lines.
func fileTextChunks(req *Request) ([]string, error) {
	v, ok := req.Args.Get("text")
	if !ok || v == nil {
		return nil, &ArgError{Arg: "text", Err: errors.New("want a line or a list of lines, got nothing")}
	}
	items, isList := v.([]any)
	if !isList {
		items = []any{v}
	}
	out := make([]string, 0, len(items))
	for i, it := range items {
		s, err := fileLinesValue(it)
		if err != nil {
			return nil, &ArgError{Arg: "text", Err: fmt.Errorf("item %d: %v", i, err)}
		}
		out = append(out, s)
	}
	return out, nil
}

// fileChunkPattern is the Python regex Salt's
// build_whitespace_split_regex makes of a chunk, by which file.append
// and file.prepend tell it is there already: each line's words (as
// shlex splits them, whitespace_split, quotes as Salt sets them) with
// optional whitespace around and between them, the lines run together,
// the whole anchored at a line's start and end. ok is false
// when a quote is left open (shlex raises; Salt's state fails).
func fileChunkPattern(chunk string) (pat string, ok bool) {
	var b strings.Builder
	for _, line := range pyLines(chunk) {
		quotes := "'\""
		switch {
		case strings.Contains(line, `'\"`): // Salt's r"'\"", backslash and all
			quotes = ""
		case strings.Contains(line, "'"):
			quotes = "\""
		case strings.Contains(line, "\""):
			quotes = "'"
		}
		words, ok := fileShlexWords(line, quotes)
		if !ok {
			return "", false
		}
		for i := range words {
			words[i] = pyre.Escape(words[i])
		}
		b.WriteString(`(?:[\s]+)?` + strings.Join(words, `(?:[\s]+)?`) + `(?:[\s]+)?`)
	}
	return "(?m)^" + b.String() + "$", true
}

// pyLines is Python's str.splitlines() for \n, \r\n and \r.
func pyLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// fileShlexWords splits a line as Python's non-POSIX shlex with
// whitespace_split and no commenters: words end at whitespace; a word
// that starts with one of quotes runs to the same quote, blanks and
// all, quotes kept; a quote inside a word is a plain character.
func fileShlexWords(line, quotes string) (words []string, ok bool) {
	var tok strings.Builder
	state := rune(' ')
	for _, c := range line {
		switch {
		case state == ' ':
			switch {
			case strings.ContainsRune(" \t\r\n", c):
			case strings.ContainsRune(quotes, c):
				tok.WriteRune(c)
				state = c
			default:
				tok.WriteRune(c)
				state = 'a'
			}
		case state == 'a':
			if strings.ContainsRune(" \t\r\n", c) {
				words = append(words, tok.String())
				tok.Reset()
				state = ' '
			} else {
				tok.WriteRune(c)
			}
		default: // inside quotes
			tok.WriteRune(c)
			if c == state {
				words = append(words, tok.String())
				tok.Reset()
				state = ' '
			}
		}
	}
	if state != ' ' && state != 'a' {
		return nil, false
	}
	if tok.Len() > 0 {
		words = append(words, tok.String())
	}
	return words, true
}

// fileHasChunk is Salt's check before adding a chunk: with
// ignore_whitespace, a search for fileChunkPattern; without it, the
// chunk itself is the (Python) regular expression searched for, line by
// line (MULTILINE).
func fileHasChunk(data []byte, chunk string, ignoreWS bool) (bool, error) {
	pat := chunk
	if ignoreWS {
		var ok bool
		if pat, ok = fileChunkPattern(chunk); !ok {
			return false, &ArgError{Arg: "text", Err: fmt.Errorf("no closing quotation in %q", chunk)}
		}
	}
	rx, err := pyre.Compile(pat, pyre.Multiline)
	if err != nil {
		return false, &ArgError{Arg: "text", Err: fmt.Errorf("ignore_whitespace is False, so the text is a regular expression: %w", err)}
	}
	return rx.Match(data), nil
}

// Append adds lines at the end of a file, only those not already in it.
//
// Salt: the same; under test on a missing file Salt's changes are {new: name} and the real run's a diff: brine reports the diff in both.
func fileAppend(ctx context.Context, req *Request) Result {
	return fileAddLines(ctx, req, false)
}

// Prepend adds lines at the start of a file, only those not already in it.
//
// Salt: the same. Under test with header, Salt reports the header as added even when the file starts with it; brine reports what a real run does.
func filePrepend(ctx context.Context, req *Request) Result {
	return fileAddLines(ctx, req, true)
}

func fileAddLines(ctx context.Context, req *Request, atStart bool) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	makedirs := a.Bool("makedirs", false)
	ignoreWS, header := true, false
	if atStart {
		header = a.Bool("header", false)
	} else {
		ignoreWS = a.Bool("ignore_whitespace", true)
	}
	template := fileTemplateArg(a)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if template != "" && template != "jinja" {
		return fileFail(req, &ArgError{Arg: "template", Err: fmt.Errorf(`want "jinja", got %q`, template)})
	}
	var chunks []string
	if a.Has("source") && !a.Has("text") {
		data, err := fileFirstSource(ctx, req)
		if err != nil {
			return fileFail(req, err)
		}
		if template == "jinja" {
			if data, err = fileRender(ctx, req, path, data); err != nil {
				return fileFail(req, err)
			}
		}
		chunks = []string{string(data)}
	} else if chunks, err = fileTextChunks(req); err != nil {
		return fileFail(req, err)
	}
	path, cur, err := fileReadTarget(req, path)
	if err != nil {
		return fileFail(req, err)
	}
	if !cur.exists {
		if err := fileEnsureParent(req, path, makedirs, filePerms{uid: -1, gid: -1}, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
	}
	// As Salt's: each chunk is looked for in the file as it was (not with
	// the chunks before it added); header lines are never looked for.
	var add []string
	for _, c := range chunks {
		if !header {
			there, err := fileHasChunk(cur.data, c, ignoreWS)
			if err != nil {
				return fileFail(req, err)
			}
			if there {
				continue
			}
		}
		add = append(add, pyLines(c)...)
	}
	out := cur.data
	switch {
	case len(add) == 0:
	case header:
		// The file's first lines already the header: nothing to do.
		if head := pyLines(string(cur.data)); len(head) < len(add) || !slices.Equal(head[:len(add)], add) {
			out = fileAddBlock(cur.data, []byte(strings.Join(add, "\n")), true)
		} else {
			add = nil
		}
	default:
		out = fileAddBlock(cur.data, []byte(strings.Join(add, "\n")), atStart)
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: out, perms: filePerms{uid: -1, gid: -1},
		showChanges: true, makedirs: makedirs, dirMode: fileDefaultDirMode})
	if err != nil {
		return fileFail(req, err)
	}
	if len(changes) > 0 {
		// Salt's own diffs: append's joins difflib's items of lines
		// without their ends by "\n"; prepend's is get_diff's.
		diff := "--- \n+++ \n" + textdiff.Unified(string(cur.data), string(out))
		if !atStart {
			diff = textdiff.JoinedLines(pyLines(string(cur.data)), pyLines(string(out)))
		}
		if fileIsBinary(cur.data) {
			diff = "Replace binary file"
		}
		changes = map[string]any{"diff": diff}
	}
	verb := "Appended"
	if atStart {
		verb = "Prepended"
	}
	test := "File " + req.Name + " is set to be updated"
	if !cur.exists {
		test = "File " + req.Name + " is set to be created"
	}
	return fileEditResult(req, changes, fmt.Sprintf("%s %d lines", verb, len(add)), test, "File "+req.Name+" is in correct state")
}
