package states

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

func init() {
	Register("file.directory", fileDirectory,
		fileName("the path of the directory."),
		fileUserParam, fileGroupParam,
		Param{Name: "dir_mode", Type: Mode, Doc: "the directory's mode in octal such as 0755 (default: kept, 0755 for a new one)."},
		Param{Name: "mode", Type: Mode, Doc: "an alias of dir_mode, as in Salt."},
		Param{Name: "file_mode", Type: Mode, Doc: `the mode of files under it, applied when recurse has "mode" (default: dir_mode, as in Salt).`},
		fileMakedirs,
		Param{Name: "recurse", Type: StringList, Doc: `what to apply to everything under the directory: a list of "user", "group", "mode", "ignore_files", "ignore_dirs", "silent".`},
		Param{Name: "clean", Type: Bool, Default: false, Doc: "remove everything under the directory that exclude_pat does not match, path by path as Salt does: a folder it does not match goes with all it holds."},
		Param{Name: "exclude_pat", Type: StringList, Doc: `with clean, keep entries whose path relative to the directory matches this glob (fnmatch: * matches "/" too) or the regex after "E@"; a list keeps what any of them matches.`},
		saltKwargs,
	)
	Register("file.absent", fileAbsent, fileName("the path to remove."), saltKwargs)
	Register("file.exists", fileExists, fileName("the path that must exist."), saltKwargs)
	Register("file.missing", fileMissing, fileName("the path that must not exist."), saltKwargs)
}

// Directory makes sure a directory exists with the given owner and mode,
// and optionally applies them to everything under it.
//
// Salt: results match Salt's directory() (changes {path: {directory: new}} with an empty comment for a new directory, "The following files will be changed" under test), but a real run does not repeat user, group and mode at the top level of the changes nor list clean's removals under "removed", so that it reports what a dry run does; clean does not know which files other states manage (Salt keeps the files required by other states), brine keeps only what exclude_pat matches; a missing parent fails a dry run too, unless an earlier state of the run makes it; a user or group missing fails a dry run as it fails the real run, unless an earlier user.present or group.present of the run makes it (Salt's dry run only logs it).
func fileDirectory(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	makedirs := a.Bool("makedirs", false)
	clean := a.Bool("clean", false)
	exclude := a.StringList("exclude_pat")
	recurse := a.StringList("recurse")
	fileMode, hasFileMode := a.Mode("file_mode")
	modeArg := "dir_mode"
	if !a.Has("dir_mode") && a.Has("mode") {
		modeArg = "mode"
	}
	perms, err := fileReadPerms(req, modeArg)
	if err != nil {
		return fileFail(req, err)
	}
	if !hasFileMode && perms.hasMode {
		// Salt: file_mode "defaults to dir_mode" for recurse: [mode].
		fileMode, hasFileMode = perms.mode, true
	}
	rec := map[string]bool{}
	for _, r := range recurse {
		switch r {
		case "user", "group", "mode", "ignore_files", "ignore_dirs", "silent":
			rec[r] = true
		default:
			return fileFail(req, &ArgError{Arg: "recurse", Err: fmt.Errorf("want user, group, mode, ignore_files or ignore_dirs, got %q", r)})
		}
	}
	match, err := fileExcluder("exclude_pat", exclude)
	if err != nil {
		return fileFail(req, err)
	}

	// A link to a directory stays, and the directory it points to is
	// managed, as with Salt's allow_symlink default.
	if path, err = fileResolveLinks(req, path); err != nil {
		return fileFail(req, err)
	}
	// Salt's _check_directory lists the changes per path, in the order of
	// its walk (entries under the directory, then the directory, then
	// what clean removes); the test comment is built from that list.
	var order []string
	perPath := map[string]map[string]any{}
	note := func(p string, c map[string]any) {
		if _, seen := perPath[p]; !seen {
			order = append(order, p)
		}
		perPath[p] = c
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(path)
		if _, err := os.Stat(parent); errors.Is(err, fs.ErrNotExist) && !makedirs && !filePlanned(req, parent) {
			return Failf(req.Name, "No directory to create %s in", req.Name)
		}
		note(req.Name, map[string]any{"directory": "new"})
		filePlanDirs(req, path)
		if !req.Test {
			mode := fileDefaultDirMode
			if perms.hasMode {
				mode = perms.mode
			}
			if err := fileMkdirAll(path, mode, perms); err != nil {
				return fileFail(req, err)
			}
		}
		// A new directory is empty: nothing to recurse into or clean.
		return fileDirResult(req, order, perPath, nil)
	case err != nil:
		return fileFail(req, err)
	case !fi.IsDir():
		return Failf(req.Name, "Specified location %s exists and is a file", req.Name)
	}

	if len(rec) > 0 {
		sub := filePerms{uid: -1, gid: -1}
		if rec["user"] {
			sub.user, sub.uid = perms.user, perms.uid
		}
		if rec["group"] {
			sub.group, sub.gid = perms.group, perms.gid
		}
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == path {
				return err
			}
			want := sub
			switch {
			case d.IsDir() && rec["ignore_dirs"]:
				return nil
			case d.IsDir():
				want.mode, want.hasMode = perms.mode, rec["mode"] && perms.hasMode
			case d.Type()&fs.ModeSymlink != 0:
				want.hasMode = false // a link has no mode of its own
			case rec["ignore_files"]:
				return nil
			default:
				want.mode, want.hasMode = fileMode, rec["mode"] && hasFileMode
			}
			info, err := os.Lstat(p)
			if err != nil {
				return err
			}
			c := map[string]any{}
			filePermChanges(want, info, 0, c)
			if len(c) == 0 {
				return nil
			}
			note(fileHostPath(req, p), c)
			if req.Test {
				return nil
			}
			return fileApplyPerms(p, want, info.Mode()&fs.ModeSymlink != 0)
		})
		if err != nil {
			return fileFail(req, err)
		}
	}
	own := map[string]any{}
	filePermChanges(perms, fi, 0, own)
	if len(own) > 0 {
		note(req.Name, own)
		if !req.Test {
			if err := fileApplyPerms(path, perms, false); err != nil {
				return fileFail(req, err)
			}
		}
	}
	var removed []string
	if clean {
		if removed, err = fileClean(req, path, match); err != nil {
			return fileFail(req, err)
		}
		for _, p := range removed {
			note(p, map[string]any{"removed": "Removed due to clean"})
		}
	}
	res := fileDirResult(req, order, perPath, removed)
	if rec["silent"] && len(res.Changes) > 0 {
		// Salt's recurse: [silent] reports no paths.
		res.Changes = map[string]any{"recursion": "Changes silenced"}
	}
	return res
}

// fileDirResult words file.directory's result as Salt's directory() does:
// under test, or with nothing to do, the comment of _check_directory. The
// changes are the per-path ones of _check_directory in both modes; after a
// real change Salt also repeats check_perms' user, group and mode at the top
// level and lists clean's removals under "removed", which brine leaves out
// so that a dry run reports the same changes as a real run.
func fileDirResult(req *Request, order []string, perPath map[string]map[string]any, removed []string) Result {
	changes := map[string]any{}
	for _, p := range order {
		changes[p] = perPath[p]
	}
	switch {
	case len(order) == 0:
		return Result{Name: req.Name, Result: True, Comment: "The directory " + req.Name + " is in the correct state", Changes: changes}
	case req.Test:
		var b strings.Builder
		b.WriteString("The following files will be changed:\n")
		for _, p := range order {
			c := perPath[p]
			for _, k := range []string{"directory", "user", "group", "mode", "removed"} {
				if v, ok := c[k]; ok {
					fmt.Fprintf(&b, "%s: %s - %v\n", p, k, v)
				}
			}
		}
		return Result{Name: req.Name, Result: None, Comment: b.String(), Changes: changes}
	}
	if d, ok := perPath[req.Name]; ok && d["directory"] == "new" {
		// Salt returns right after making the directory, with no comment.
		return Result{Name: req.Name, Result: True, Comment: "", Changes: changes}
	}
	comment := "Directory " + req.Name + " updated"
	if len(removed) > 0 {
		comment = "Files cleaned from directory " + req.Name
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
}

// fileExcluder compiles exclude_pat or include_pat as Salt's
// check_include_exclude (salt/utils/stringutils.py) reads them: each
// pattern is a glob (fnmatch, where * also matches "/") on the path
// relative to the directory, or "E@" and a regex searched in that path;
// the path matches when one of the patterns does.
func fileExcluder(arg string, pats []string) (func(rel string) bool, error) {
	var ms []func(string) bool
	for _, pat := range pats {
		if pat == "" {
			continue
		}
		if re, ok := strings.CutPrefix(pat, "E@"); ok {
			rx, err := fileCompilePattern(re, 0)
			if err != nil {
				return nil, &ArgError{Arg: arg, Err: err}
			}
			ms = append(ms, rx.MatchString)
			continue
		}
		// Salt's glob is fnmatch: no escapes, [!…], and no bad patterns.
		glob := fnmatch.Compile(pat)
		ms = append(ms, glob.Match)
	}
	return func(rel string) bool {
		rel = filepath.ToSlash(rel)
		for _, m := range ms {
			if m(rel) {
				return true
			}
		}
		return false
	}, nil
}

// fileClean removes, or under test lists, every entry under dir that keep
// does not match, as Salt's _clean_dir: each path is judged on its own,
// at every depth, so a directory keep does not match goes whole, whatever
// it holds (keep names the parents of what must stay, as recurse's does);
// the entries inside it that keep does not match are listed too, as
// Salt's dry run lists them.
func fileClean(req *Request, dir string, keep func(string) bool) ([]string, error) {
	var gone []string
	var walk func(d string) error
	walk = func(d string) error {
		ents, err := os.ReadDir(d)
		if err != nil {
			return err
		}
		for _, e := range ents {
			p := filepath.Join(d, e.Name())
			rel, _ := filepath.Rel(dir, p)
			if !keep(rel) {
				gone = append(gone, p)
			}
			if e.IsDir() {
				if err := walk(p); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(dir); err != nil {
		return nil, fmt.Errorf("clean %s: %w", dir, err)
	}
	removed := make([]string, 0, len(gone))
	for _, p := range gone {
		removed = append(removed, fileHostPath(req, p))
		if !req.Test {
			// A path inside a directory removed before it is gone
			// already: RemoveAll says nothing of it.
			if err := os.RemoveAll(p); err != nil {
				return nil, fmt.Errorf("clean %s: %w", dir, err)
			}
		}
	}
	sort.Strings(removed)
	return removed, nil
}

// Absent makes sure a file, symlink or directory (with its content) is gone.
//
// Salt: the same; brine also refuses the root of --root.
func fileAbsent(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	if filepath.Clean(req.Name) == "/" {
		return Failf(req.Name, `Refusing to make "/" absent`)
	}
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Result{Name: req.Name, Result: True, Comment: "File " + req.Name + " is not present", Changes: map[string]any{}}
	}
	if err != nil {
		return fileFail(req, err)
	}
	kind, testKind := "file", "File"
	if fi.IsDir() {
		kind, testKind = "directory", "Directory"
	}
	changes := map[string]any{"removed": req.Name}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: testKind + " " + req.Name + " is set for removal", Changes: changes}
	}
	if err := os.RemoveAll(path); err != nil {
		return fileFail(req, err)
	}
	return Result{Name: req.Name, Result: True, Comment: "Removed " + kind + " " + req.Name, Changes: changes}
}

// Exists checks that a path exists, and changes nothing.
//
// Salt: the same.
func fileExists(ctx context.Context, req *Request) Result {
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	if _, err := os.Lstat(path); err != nil {
		return Failf(req.Name, "Specified path %s does not exist", req.Name)
	}
	return Result{Name: req.Name, Result: True, Comment: "Path " + req.Name + " exists", Changes: map[string]any{}}
}

// Missing checks that a path does not exist, and changes nothing.
//
// Salt: the same.
func fileMissing(ctx context.Context, req *Request) Result {
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	if _, err := os.Lstat(path); err == nil {
		return Failf(req.Name, "Specified path %s exists", req.Name)
	}
	return Result{Name: req.Name, Result: True, Comment: "Path " + req.Name + " is missing", Changes: map[string]any{}}
}
