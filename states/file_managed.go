package states

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pystr"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/pkg/urlfetch"
)

func init() {
	Register("file.managed", fileManaged,
		fileName("the path of the file."),
		Param{Name: "source", Type: Any, Doc: "salt://, http://, https:// or ftp:// URL, file:// URL or absolute local path, or a list of them; the first found wins (a HEAD request tells for a remote one). A list item may be a one-key mapping {url: hash}. A remote source is downloaded into ROOT/var/cache/brine/extrn_files/base/HOST/PATH."},
		fileSourceHash,
		Param{Name: "skip_verify", Type: Bool, Default: false, Doc: "True does not check source_hash, and takes a remote source without one (a cached copy is then used as it is)."},
		fileSourceHashName, fileVerifySSL, fileKeepSource, fileUseEtag,
		Param{Name: "contents", Type: Any, Doc: "the content, as a string or a list of lines; a trailing newline is added when missing. As in Salt, an item that is not a string is written as Python's str() of it (True, 1.0, ['a'])."},
		Param{Name: "contents_pillar", Type: Any, Doc: `a pillar path such as "app:config" whose value is the content, or a list of paths whose values are joined by newlines.`},
		Param{Name: "contents_grains", Type: Any, Doc: `a grain path such as "os_family" whose value is the content, or a list of paths whose values are joined by newlines.`},
		Param{Name: "contents_delimiter", Type: String, Default: ":", Doc: "the separator of the keys in contents_pillar and contents_grains paths."},
		Param{Name: "contents_newline", Type: Bool, Default: true, Doc: "end the content with a newline; False strips every trailing newline."},
		Param{Name: "allow_empty", Type: Bool, Default: false, Doc: "allow contents, contents_pillar or contents_grains to give an empty content (an empty string or list, 0, False); otherwise the state fails."},
		Param{Name: "template", Type: String, Doc: `"jinja" renders the content with the grains, pillar, context and defaults.`},
		fileContext, fileDefaults, fileTemplateVars,
		fileUserParam, fileGroupParam,
		Param{Name: "mode", Type: Mode, Doc: "the file mode in octal such as 0644; the mode is kept when not given, and a new file gets 0644."},
		fileMakedirs,
		Param{Name: "dir_mode", Type: Mode, Default: fileDefaultDirMode, Doc: "the mode of directories that makedirs creates."},
		Param{Name: "replace", Type: Bool, Default: true, Doc: "replace the content of an existing file; False only creates the file."},
		Param{Name: "create", Type: Bool, Default: true, Doc: "create the file when missing."},
		Param{Name: "backup", Type: String, Doc: `"minion" keeps a copy of the old file under ROOT/var/cache/brine/file_backup/PATH_TIME.`},
		fileShowChange,
		Param{Name: "follow_symlinks", Type: Bool, Default: true, Doc: "when name is a symlink, manage the file it points to; False replaces the link with a file."},
	)
}

// Managed makes sure a file has the given content, owner and mode.
//
// Salt: comments are Salt's (a new file with no content given is touched, {new: "file X created"} and "Empty file", as manage_file does); under test a new file's changes are the diff ("New file") and mode a real run reports, where Salt's check_managed_changes gives {newfile: name}, and a real perms-only change says "File X updated" where Salt's comment is empty; a missing parent directory (without makedirs) fails a dry run as it fails the real run, unless an earlier state of the run makes it, where Salt's dry run reports the file as to be created; so does a user or group an earlier user.present or group.present of the run makes (Salt's dry run fails on it). source_hash is checked for salt:// sources too, where Salt ignores it for them; a missing grain in a contents_grains list is named by its path, where Salt's comment prints its internal sentinel object; a remote source whose download does not match source_hash fails the dry run too (Salt's dry run reports the diff, its real run fails); s3:// and swift:// sources, attrs and selinux are not supported; local sources are read under --root like the managed path.
func fileManaged(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	replace := a.Bool("replace", true)
	create := a.Bool("create", true)
	makedirs := a.Bool("makedirs", false)
	show := a.Bool("show_changes", true)
	follow := a.Bool("follow_symlinks", true)
	skipVerify := a.Bool("skip_verify", false)
	newline := a.Bool("contents_newline", true)
	backup := a.String("backup", "")
	dirMode, hasDirMode := a.Mode("dir_mode")
	template := a.String("template", "")
	sourceHash := a.String("source_hash", "")
	sourceHashName := a.String("source_hash_name", "")
	keepSource := a.Bool("keep_source", true)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if !hasDirMode {
		dirMode = fileDefaultDirMode
	}
	if backup != "" && backup != "minion" {
		return fileFail(req, &ArgError{Arg: "backup", Err: fmt.Errorf(`want "minion", got %q`, backup)})
	}
	if template != "" && template != "jinja" {
		return fileFail(req, &ArgError{Arg: "template", Err: fmt.Errorf(`want "jinja", got %q`, template)})
	}
	perms, err := fileReadPerms(req, "mode")
	if err != nil {
		return fileFail(req, err)
	}
	n := 0
	for _, k := range []string{"contents", "contents_pillar", "contents_grains"} {
		if a.Has(k) && !fileArgEmpty(a, k) {
			n++
		}
	}
	hasSource := a.Has("source") && !fileArgEmpty(a, "source")
	switch {
	case hasSource && n > 0:
		return Failf(req.Name, "'source' cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'")
	case n > 1:
		return Failf(req.Name, "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted")
	}
	if hasSource {
		n = 1
	}

	if follow {
		if path, err = fileResolveLinks(req, path); err != nil {
			return fileFail(req, err)
		}
	}
	var remote *fileRemote
	if !keepSource && !req.Test {
		// Salt's managed() removes the cached source once it ran
		// (its finally: clause), whatever the outcome.
		defer func() {
			if remote != nil && remote.local != path {
				os.Remove(remote.local)
			}
		}()
	}
	if hasSource {
		// A remote source is picked, checked and downloaded first, as
		// Salt's source_list and get_managed do, unless the file is
		// left alone anyway (missing with create False, or there with
		// replace False).
		_, err := os.Stat(path)
		exists := err == nil
		if (exists && replace) || (!exists && create) {
			r, ok, err := fileRemoteSource(ctx, req, req.Name, path, sourceHash, sourceHashName, skipVerify)
			if err != nil {
				return fileFail(req, err)
			}
			if ok {
				remote = &r
			}
		}
	}
	if n == 1 && template == "" && !fileArgEmpty(a, "source") && len(req.CheckCmd) == 0 {
		// A large source is copied as a stream, never held in memory
		// (check_cmd's content is checked whole: a config file).
		large := fileLarge{path: path, perms: perms, follow: follow, replace: replace, create: create,
			makedirs: makedirs, show: show, skipVerify: skipVerify, backup: backup, sourceHash: sourceHash, dirMode: dirMode, remote: remote}
		if r, ok := large.managed(ctx, req); ok {
			return r
		}
	}
	var cur fileCurrent
	if !follow {
		if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			cur = fileCurrent{} // the link will be replaced: a new file
		} else if cur, err = fileRead(path); err != nil {
			return fileFail(req, err)
		}
		// A link is replaced by the rename of the new file over it.
	} else if cur, err = fileRead(path); err != nil {
		return fileFail(req, err)
	}
	if !cur.exists && !create {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{},
			Comment: "File " + req.Name + " is not present and is not set for creation"}
	}

	edit := fileEdit{path: path, cur: cur, perms: perms, showChanges: show,
		backup: backup, makedirs: makedirs, dirMode: dirMode}
	hasContent := n == 1
	if hasContent && !hasSource {
		// Salt's managed reads the contents first: a value of None (a
		// pillar key set to nothing) is no content at all, so the file
		// is only touched; an empty one fails unless allow_empty.
		v, err := fileContentsArg(req)
		if err != nil {
			return fileFail(req, err)
		}
		if v == nil {
			hasContent = false
		} else if !a.Bool("allow_empty", false) && !pyTruth(v) {
			return Failf(req.Name, "%s value would result in empty contents. Set allow_empty to True to allow the managed file to be empty.", fileContentsID(a))
		}
	}
	if !hasContent || (cur.exists && !replace) {
		// Only owner and mode are managed, or an empty file is created.
		edit.keep = cur.exists
		edit.new = []byte{}
	} else {
		data, source, err := fileManagedContent(ctx, req, sourceHash, skipVerify, newline, remote)
		if err != nil {
			return fileFail(req, err)
		}
		if template == "jinja" {
			if data, err = fileRenderWith(ctx, req, path, data, fileManagedVars(req, source)); err != nil {
				return fileFail(req, err)
			}
		}
		edit.new = data
	}
	if !cur.exists {
		if err := fileEnsureParent(req, path, makedirs, perms, dirMode); err != nil {
			return fileFail(req, err)
		}
	}
	if len(req.CheckCmd) > 0 && !req.Test && !edit.keep && (!cur.exists || !bytes.Equal(cur.data, edit.new)) {
		if r, failed := fileCheckCmd(ctx, req, path, edit.new); failed {
			return r
		}
	}
	changes, err := fileCheckApply(req, edit)
	if err != nil {
		return fileFail(req, err)
	}
	if cur.exists && (!hasContent || !replace) {
		return fileManagedPermsResult(req, cur, changes)
	}
	if !cur.exists && !hasContent {
		// Salt's manage_file touches an empty file: {new: "file X
		// created"} in place of a diff, and the comment "Empty file".
		if _, ok := changes["diff"]; ok {
			delete(changes, "diff")
			changes["new"] = "file " + req.Name + " created"
		}
		return fileResultFor(req, changes, "Empty file")
	}
	return fileResultFor(req, changes, "File "+req.Name+" updated")
}

// fileCheckCmd is Salt's check_cmd of file.managed: each command runs
// with the path of a temporary file holding the new content appended
// (visudo -cf, nginx -t -c…), in the shell grain's shell, before the file
// is written; the first that fails fails the state, and the file is left
// as it was.
func fileCheckCmd(ctx context.Context, req *Request, path string, data []byte) (Result, bool) {
	dir, err := os.MkdirTemp("", "brine-check-")
	if err != nil {
		return fileFail(req, err), true
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(path))
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return fileFail(req, err), true
	}
	var grains map[string]any
	if req.Env != nil {
		grains = req.Env.Grains
	}
	sub := &Request{ID: req.ID, Name: req.Name, Func: "cmd.run_all", Args: NewArgs(map[string]any{"shell": DefaultShell(grains)}),
		Root: req.Root, Env: &Env{Grains: grains, Log: req.Log()}}
	for _, cmd := range req.CheckCmd {
		out, err := RunCmd(ctx, sub, cmd+" "+cmdShellQuote(tmp))
		if err != nil {
			return Failf(req.Name, "check_cmd execution failed\n%v", err), true
		}
		if out.Retcode != 0 || out.TimedOut {
			comment := "check_cmd execution failed"
			for _, s := range []string{out.Stdout, out.Stderr} {
				if s != "" {
					comment += "\n" + s
				}
			}
			return Result{Name: req.Name, Result: False, Comment: comment, Changes: map[string]any{}}, true
		}
	}
	return Result{}, false
}

// fileResultFor is the common ending of file states: True with the correct
// state comment, None under test, True with doneComment after a change.
func fileResultFor(req *Request, changes map[string]any, doneComment string) Result {
	switch {
	case len(changes) == 0:
		return Result{Name: req.Name, Result: True, Comment: fileCorrectComment(req.Name, req.Test), Changes: changes}
	case req.Test:
		return Result{Name: req.Name, Result: None, Comment: fileTestComment(req.Name), Changes: changes}
	}
	return Result{Name: req.Name, Result: True, Comment: doneComment, Changes: changes}
}

// fileManagedPermsResult words the result for an existing file whose
// content is left alone (no content given, or replace: False), as Salt's
// managed() does on its replace=False path. After a real change Salt's
// comment is empty; brine says "File X updated".
func fileManagedPermsResult(req *Request, cur fileCurrent, changes map[string]any) Result {
	r := Result{Name: req.Name, Result: True, Changes: changes}
	switch {
	case req.Test && changes["mode"] != nil:
		r.Result = None
		r.Comment = fmt.Sprintf("File %s will be updated with permissions %s from its current state of %s",
			req.Name, changes["mode"], fileFmtMode(fileModeBits(cur.fi.Mode())))
	case req.Test:
		if len(changes) > 0 {
			r.Result = None
		}
		r.Comment = "File " + req.Name + " not updated"
	case len(changes) == 0:
		r.Comment = "File " + req.Name + " exists with proper permissions. No changes made."
	default:
		r.Comment = "File " + req.Name + " updated"
	}
	return r
}

func fileArgEmpty(a *Args, k string) bool {
	v, _ := a.Get(k)
	return v == nil
}

// PillarMissingError is a contents_pillar key the pillar does not have;
// its text is Salt's file.managed comment for it.
type PillarMissingError struct{ Key string }

func (e *PillarMissingError) Error() string { return "Pillar " + e.Key + " does not exist" }

// fileManagedContent returns the content asked for by source, contents or
// contents_pillar.
func fileManagedContent(ctx context.Context, req *Request, sourceHash string, skipVerify, newline bool, remote *fileRemote) (data []byte, source string, err error) {
	a := &req.Args
	switch {
	case remote != nil:
		// Checked against its source_hash when it was fetched.
		data, err := os.ReadFile(remote.local)
		if err != nil {
			return nil, "", fmt.Errorf("source %s: %w", remote.url, err)
		}
		return data, remote.url, nil
	case fileHasContents(a):
		v, err := fileContentsArg(req)
		if err != nil {
			return nil, "", err
		}
		return []byte(fileContentsText(v, newline)), "", nil
	}
	srcs, err := fileSources(a, "source")
	if err != nil {
		return nil, "", err
	}
	for _, src := range srcs {
		data, err := fileFetch(ctx, req, src.url)
		if IsNotExist(err) {
			continue
		}
		if err != nil {
			return nil, "", fmt.Errorf("source %s: %w", src.url, err)
		}
		h := sourceHash
		if src.hash != "" {
			h = src.hash
		}
		if h != "" && !skipVerify {
			if h, err = fileResolveHash(ctx, req, req.Name, src.url, h, a.String("source_hash_name", "")); err != nil {
				return nil, "", err
			}
			if err := fileVerifyHash(src.url, data, h); err != nil {
				return nil, "", err
			}
		}
		return data, src.url, nil
	}
	v, _ := a.Get("source")
	_, isList := v.([]any)
	env := req.Saltenv
	if env == "" {
		env = "base"
	}
	return nil, "", &SourceMissingError{URL: srcs[0].url, List: isList, Saltenv: env}
}

// SourceMissingError is a file.managed source that is not there, in Salt's
// words: a list none of whose items exists is file.source_list's error as
// the state wraps it; a single source is file.get_managed's comment, which
// differs for a salt:// URL and a local path.
type SourceMissingError struct {
	URL     string
	List    bool
	Saltenv string
}

func (e *SourceMissingError) Error() string {
	switch {
	case e.List:
		return "Unable to manage file: none of the specified sources were found"
	case strings.HasPrefix(e.URL, "salt://"):
		return fmt.Sprintf("Source file %s not found in saltenv '%s'", e.URL, e.Saltenv)
	}
	return fmt.Sprintf("Local file source %s does not exist", strings.TrimPrefix(e.URL, "file://"))
}

type fileSource struct{ url, hash string }

// fileSources reads a source argument: a string, a list of strings, or a
// list of one-key mappings {url: hash}.
func fileSources(a *Args, key string) ([]fileSource, error) {
	var out []fileSource
	for i, item := range a.List(key) {
		switch t := item.(type) {
		case string:
			out = append(out, fileSource{url: t})
		case map[string]any:
			if len(t) != 1 {
				return nil, &ArgError{Arg: key, Err: fmt.Errorf("item %d: want a URL or a one-key mapping {url: hash}", i)}
			}
			for k, v := range t {
				h, _ := v.(string)
				out = append(out, fileSource{url: k, hash: h})
			}
		default:
			return nil, &ArgError{Arg: key, Err: fmt.Errorf("item %d: want a URL, got %s", i, typeName(item))}
		}
	}
	if len(out) == 0 {
		return nil, &ArgError{Arg: key, Err: errors.New("want a salt:// URL or a path, got nothing")}
	}
	for _, s := range out {
		if err := fileCheckURL(s.url); err != nil {
			return nil, &ArgError{Arg: key, Err: err}
		}
	}
	return out, nil
}

func fileCheckURL(u string) error {
	switch {
	case strings.HasPrefix(u, "salt://"), strings.HasPrefix(u, "file:///"), filepath.IsAbs(u), urlfetch.Remote(u):
		return nil
	case strings.Contains(u, "://"):
		return fmt.Errorf("%q: only salt://, http://, https://, ftp://, file:// and absolute paths are supported", u)
	}
	return fmt.Errorf("%q: want a salt:// URL or an absolute path", u)
}

// fileFetch reads one source. A missing file matches fs.ErrNotExist. A
// remote source is downloaded into the cache each time, and not checked
// here: file.managed checks its source_hash (fileRemoteSource).
func fileFetch(ctx context.Context, req *Request, u string) ([]byte, error) {
	if urlfetch.Remote(u) {
		return fileFetchRemote(ctx, req, u)
	}
	if strings.HasPrefix(u, "salt://") {
		if req.Env == nil || req.Env.Files == nil {
			return nil, errors.New("no file source to read salt:// URLs from")
		}
		return req.Env.Files.ReadFile(ctx, u)
	}
	p := strings.TrimPrefix(u, "file://")
	lp, err := fileRootPath(req, p, true)
	if err != nil {
		return nil, &ArgError{Arg: "source", Err: err}
	}
	return os.ReadFile(lp)
}

// fileFirstSource reads the first URL of the source argument, which is
// all of a source list that file.blockreplace, file.append and
// file.prepend use.
func fileFirstSource(ctx context.Context, req *Request) ([]byte, error) {
	srcs, err := fileSources(&req.Args, "source")
	if err != nil {
		return nil, err
	}
	data, err := fileFetch(ctx, req, srcs[0].url)
	if err != nil {
		return nil, &ArgError{Arg: "source", Err: err}
	}
	return data, nil
}

// fileVerifyHash checks data against "algo=hex" or bare hex.
func fileVerifyHash(src string, data []byte, spec string) error {
	return fileVerifyHashFrom(src, bytes.NewReader(data), spec)
}

// fileVerifyHashFrom is fileVerifyHash on a stream, for a source too large
// to hold.
func fileVerifyHashFrom(src string, r io.Reader, spec string) error {
	algo, want, ok := strings.Cut(strings.TrimSpace(spec), "=")
	if !ok {
		want = algo
		if algo, ok = fileHashTypeOf(len(want)); !ok {
			return &ArgError{Arg: "source_hash", Err: fmt.Errorf("want algo=HEX such as sha256=..., got %q", spec)}
		}
	}
	algo = strings.ToLower(strings.TrimSpace(algo))
	h := fileNewHash(algo)
	if h == nil {
		return &ArgError{Arg: "source_hash", Err: fmt.Errorf("unsupported hash type %q (want md5, sha1, sha224, sha256, sha384 or sha512)", algo)}
	}
	if _, err := io.Copy(h, r); err != nil {
		return fmt.Errorf("source %s: %w", src, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if !strings.EqualFold(got, strings.TrimSpace(want)) {
		return &hashMismatchError{algo: algo, src: src, want: strings.ToLower(strings.TrimSpace(want)), got: got}
	}
	return nil
}

// hashMismatchError is a source whose checksum is not source_hash's.
type hashMismatchError struct{ algo, src, want, got string }

// Error is Salt's manage_file comment for it.
func (e *hashMismatchError) Error() string {
	return fmt.Sprintf("Specified %s checksum for %s (%s) does not match actual checksum (%s). If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'.", e.algo, e.src, e.want, e.got)
}

// fileLinesArg reads an argument given as a string or a list of lines.
func fileLinesArg(a *Args, key string) (string, error) {
	v, _ := a.Get(key)
	s, err := fileLinesValue(v)
	if err != nil {
		return "", &ArgError{Arg: key, Err: err}
	}
	return s, nil
}

func fileLinesValue(v any) (string, error) {
	switch t := v.(type) {
	case nil:
		return "", nil
	case string:
		return t, nil
	case int, int64, uint64, float64, bool:
		return fmt.Sprint(t), nil
	case []any:
		lines := make([]string, len(t))
		for i, e := range t {
			switch s := e.(type) {
			case string:
				lines[i] = s
			case int, int64, uint64, float64, bool:
				lines[i] = fmt.Sprint(s)
			default:
				return "", fmt.Errorf("line %d: want a string, got %s", i, typeName(e))
			}
		}
		return strings.Join(lines, "\n"), nil
	}
	return "", fmt.Errorf("want a string or a list of lines, got %s", typeName(v))
}

// fileHasContents reports whether contents, contents_pillar or
// contents_grains is given (a YAML null counts as not given, as Salt's
// "is not None" tests).
func fileHasContents(a *Args) bool {
	for _, k := range []string{"contents", "contents_pillar", "contents_grains"} {
		if a.Has(k) && !fileArgEmpty(a, k) {
			return true
		}
	}
	return false
}

// GrainMissingError is a contents_grains key the grains do not have;
// its text is Salt's file.managed comment for it.
type GrainMissingError struct{ Key string }

func (e *GrainMissingError) Error() string { return "Grain " + e.Key + " does not exist" }

// fileContentsArg is the value Salt's managed calls use_contents: the
// contents argument, or what the contents_pillar or contents_grains path
// (or list of paths, whose values are joined by newlines) holds, looked up
// with contents_delimiter as traverse_dict_and_list does. nil is None.
func fileContentsArg(req *Request) (any, error) {
	a := &req.Args
	delim := a.String("contents_delimiter", ":")
	if err := a.Err(); err != nil {
		return nil, err
	}
	if delim == "" {
		delim = ":"
	}
	var data map[string]any
	var missing func(string) error
	key := "contents"
	switch {
	case a.Has("contents_pillar") && !fileArgEmpty(a, "contents_pillar"):
		key = "contents_pillar"
		if req.Env != nil {
			data = req.Env.Pillar
		}
		missing = func(k string) error { return &PillarMissingError{Key: k} }
	case a.Has("contents_grains") && !fileArgEmpty(a, "contents_grains"):
		key = "contents_grains"
		if req.Env != nil {
			data = req.Env.Grains
		}
		missing = func(k string) error { return &GrainMissingError{Key: k} }
	default:
		v, _ := a.Get("contents")
		return v, nil
	}
	v, _ := a.Get(key)
	lookup := func(k any) (any, error) {
		ks := fileSaltStr(k)
		got, ok := fileTraverseDelim(data, ks, delim)
		if !ok {
			return nil, missing(ks)
		}
		return got, nil
	}
	list, isList := v.([]any)
	if !isList {
		return lookup(v)
	}
	vals := make([]any, 0, len(list))
	for _, k := range list {
		got, err := lookup(k)
		if err != nil {
			return nil, err
		}
		vals = append(vals, got)
	}
	// os.linesep.join of the values: Python's join takes strings only.
	parts := make([]string, len(vals))
	for i, got := range vals {
		s, ok := got.(string)
		if !ok {
			return nil, &ContentsJoinError{Item: i, Type: filePyType(got)}
		}
		parts[i] = s
	}
	return strings.Join(parts, "\n"), nil
}

// ContentsJoinError is a list of contents_pillar or contents_grains paths
// one of whose values is not a string: Salt's os.linesep.join raises a
// TypeError, which the state reports as an exception.
type ContentsJoinError struct {
	Item int
	Type string
}

func (e *ContentsJoinError) Error() string {
	return fmt.Sprintf("An exception occurred in this state: TypeError: sequence item %d: expected str instance, %s found", e.Item, e.Type)
}

// filePyType is the Python type name of a YAML value as Salt holds it
// (mappings from the pillar and SLS loaders are OrderedDicts).
func filePyType(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case int, int64, uint64:
		return "int"
	case float64:
		return "float"
	case []any:
		return "list"
	case map[string]any, *odict.Map:
		return "OrderedDict"
	}
	return fmt.Sprintf("%T", v)
}

// fileContentsID names the content argument in the allow_empty comment,
// as Salt's managed does.
func fileContentsID(a *Args) string {
	for _, k := range []string{"contents_pillar", "contents_grains"} {
		if v, ok := a.Get(k); ok && pyTruth(v) {
			return k + " " + fileSaltStr(v)
		}
	}
	return "'contents'"
}

// fileContentsText is the content Salt's managed writes for use_contents:
// _validate_str_list makes it a list of strings (a string is itself, a
// list one part per item with str() of an item that is not a string, any
// other value its str()); every line of every part (split as Python's
// str.splitlines, so CRLF, a form feed or an empty item give what Python
// gives) is ended by a newline; contents_newline False then strips all the
// trailing newlines and carriage returns.
func fileContentsText(v any, newline bool) string {
	var parts []string
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		parts = []string{t}
	case []any:
		for _, e := range t {
			parts = append(parts, fileSaltStr(e))
		}
	default:
		parts = []string{fileSaltStr(v)}
	}
	var b strings.Builder
	for _, p := range parts {
		for _, line := range pystr.SplitLines(p, false) {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	s := b.String()
	if !newline {
		s = strings.TrimRight(strings.TrimRight(s, "\n"), "\r")
	}
	return s
}

// pyTruth is Python's bool() of a YAML value (an ordered mapping
// included).
func pyTruth(v any) bool {
	if m, ok := v.(*odict.Map); ok {
		return m.Len() > 0
	}
	return pyfmt.Truth(v)
}

// fileSaltStr is Python's str() of an argument as Salt holds it: the SLS
// and pillar YAML loader makes every mapping an OrderedDict, which Python
// 3.10 (Salt 3006's) prints as OrderedDict([('k', v)]).
func fileSaltStr(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	fileSaltRepr(&b, v, 0)
	return b.String()
}

func fileSaltRepr(b *strings.Builder, v any, depth int) {
	if depth > 100 {
		b.WriteString("...")
		return
	}
	switch t := v.(type) {
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteString(", ")
			}
			fileSaltRepr(b, e, depth+1)
		}
		b.WriteByte(']')
	case *odict.Map:
		b.WriteString("OrderedDict([")
		for i, k := range t.Keys() {
			if i > 0 {
				b.WriteString(", ")
			}
			e, _ := t.Get(k)
			b.WriteString("(" + pyfmt.Quote(k) + ", ")
			fileSaltRepr(b, e, depth+1)
			b.WriteByte(')')
		}
		b.WriteString("])")
	case map[string]any:
		// Go's map has lost the order the YAML gave: the keys are sorted.
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		m := odict.New(len(keys))
		for _, k := range keys {
			m.Set(k, t[k])
		}
		fileSaltRepr(b, m, depth)
	default:
		b.WriteString(pyfmt.Repr(v))
	}
}

// fileTraverse walks a "a:b:c" path through nested mappings.
func fileTraverse(m map[string]any, key string) (any, bool) {
	return fileTraverseDelim(m, key, ":")
}

// fileTraverseDelim is Salt's traverse_dict_and_list: key is split at
// delim and walked through mappings; in a list, a number indexes it
// (negative from the end) and any other key is looked up in the first of
// its mappings that has it.
func fileTraverseDelim(m map[string]any, key, delim string) (any, bool) {
	var cur any = m
	for _, k := range strings.Split(key, delim) {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[k]
			if !ok {
				return nil, false
			}
			cur = v
		case *odict.Map:
			v, ok := t.Get(k)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if idx, err := strconv.Atoi(k); err == nil {
				if idx < 0 {
					idx += len(t)
				}
				if idx < 0 || idx >= len(t) {
					return nil, false
				}
				cur = t[idx]
				continue
			}
			found := false
			for _, e := range t {
				var v any
				var ok bool
				switch em := e.(type) {
				case map[string]any:
					v, ok = em[k]
				case *odict.Map:
					v, ok = em.Get(k)
				}
				if ok {
					cur, found = v, true
					break
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return cur, true
}

// fileRender renders data as a Jinja template with defaults, then context
// on top.
func fileRender(ctx context.Context, req *Request, path string, data []byte) ([]byte, error) {
	return fileRenderWith(ctx, req, path, data, nil)
}

// fileRenderWith is fileRender with base variables under everything else
// (file.managed's name, source, user…: see fileManagedVars).
func fileRenderWith(ctx context.Context, req *Request, path string, data []byte, base map[string]any) ([]byte, error) {
	if req.Env == nil || req.Env.Render == nil {
		return nil, &ArgError{Arg: "template", Err: errors.New("no template renderer is configured")}
	}
	// As in Salt, arguments the state does not take are template variables
	// too (formulas pass paths that way), when it declares so (a Rest
	// Param); defaults and then context go on top.
	vars := map[string]any{}
	for k, v := range base {
		vars[k] = v
	}
	for k, v := range req.Args.RestVars() {
		vars[k] = v
	}
	defaults := req.Args.Vars("defaults")
	context := req.Args.Vars("context")
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	for k, v := range defaults {
		vars[k] = v
	}
	for k, v := range context {
		vars[k] = v
	}
	// file.accumulated's lines for this file, as Salt's accumulator.
	if acc := fileAccumFor(req, req.Name); len(acc) > 0 {
		m := make(map[string]any, len(acc))
		for k, v := range acc {
			m[k] = v
		}
		vars["accumulator"] = m
	}
	out, err := req.Env.Render.Render(ctx, fileHostPath(req, path), data, vars)
	if err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	return out, nil
}
