package states

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

func init() {
	for _, fun := range []string{"file.append", "file.prepend"} {
		fn := fileAppend
		if fun == "file.prepend" {
			fn = filePrepend
		}
		Register(fun, fn,
			fileName("the path of the file; it is created when missing."),
			Param{Name: "text", Type: StringList, Doc: "a line, or a list of lines (an item may hold several lines, added together)."},
			Param{Name: "source", Type: Any, Doc: "a salt:// URL or local path (or a list of them) whose content is the text, instead of text."},
			fileSourceTemplate, fileContext, fileDefaults,
			fileMakedirs,
			Param{Name: "ignore_whitespace", Type: Bool, Default: true, Doc: "compare lines with runs of blanks folded."},
		)
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

// fileChunkRegex matches a chunk as whole lines with any runs of blanks
// between its words, which is how Salt decides a chunk is already there
// when ignore_whitespace is set.
func fileChunkRegex(chunk string) *regexp.Regexp {
	var parts []string
	for _, line := range strings.Split(strings.TrimRight(chunk, "\n"), "\n") {
		f := strings.Fields(line)
		for i := range f {
			f[i] = regexp.QuoteMeta(f[i])
		}
		parts = append(parts, `[ \t]*`+strings.Join(f, `\s+`)+`[ \t]*`)
	}
	return regexp.MustCompile(`(?m)^` + strings.Join(parts, `\r?\n`) + `$`)
}

func fileHasChunk(data []byte, chunk string, ignoreWS bool) bool {
	if ignoreWS {
		return fileChunkRegex(chunk).Match(data)
	}
	hay := "\n" + string(data)
	if !strings.HasSuffix(hay, "\n") {
		hay += "\n"
	}
	return strings.Contains(hay, "\n"+strings.TrimRight(chunk, "\n")+"\n")
}

// Append adds lines at the end of a file, only those not already in it.
//
// Salt: the same.
func fileAppend(ctx context.Context, req *Request) Result {
	return fileAddLines(ctx, req, false)
}

// Prepend adds lines at the start of a file, only those not already in it.
//
// Salt: the same, without the header argument.
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
	ignoreWS := a.Bool("ignore_whitespace", true)
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
	var add []string
	for _, c := range chunks {
		if c == "" {
			continue
		}
		if !fileHasChunk(cur.data, c, ignoreWS) {
			add = append(add, strings.Split(strings.TrimRight(c, "\n"), "\n")...)
		}
	}
	out := cur.data
	if len(add) > 0 {
		out = fileAddBlock(cur.data, []byte(strings.Join(add, "\n")), atStart)
	}
	changes, err := fileCheckApply(req, fileEdit{path: path, cur: cur, new: out, perms: filePerms{uid: -1, gid: -1},
		showChanges: true, makedirs: makedirs, dirMode: fileDefaultDirMode})
	if err != nil {
		return fileFail(req, err)
	}
	verb := "Appended"
	if atStart {
		verb = "Prepended"
	}
	return fileEditResult(req, changes, fmt.Sprintf("%s %d lines", verb, len(add)),
		"File "+req.Name+" is set to be updated", "File "+req.Name+" is in correct state")
}
