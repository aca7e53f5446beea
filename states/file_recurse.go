package states

import (
	"github.com/brine-cm/brine/pkg/tree"

	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

func init() {
	Register("file.recurse", fileRecurse,
		fileName("the target directory."),
		Param{Name: "source", Type: String, Required: true, Doc: "a salt:// directory."},
		Param{Name: "user", Type: String, Doc: "the owner of the files and directories, a name or uid."},
		Param{Name: "group", Type: String, Doc: "their group, a name or gid."},
		Param{Name: "file_mode", Type: Mode, Doc: "the mode of the files (default: kept, 0644 for new ones)."},
		Param{Name: "dir_mode", Type: Mode, Doc: "the mode of the directories (default 0755 for new ones)."},
		Param{Name: "makedirs", Type: Bool, Default: false, Doc: "create the target's missing parents."},
		Param{Name: "template", Type: String, Doc: `"jinja" renders every file with context and defaults.`},
		fileContext, fileDefaults, fileTemplateVars,
		Param{Name: "clean", Type: Bool, Default: false, Doc: "remove files under the target that the source does not have."},
		Param{Name: "include_pat", Type: StringList, Doc: `copy only files whose path relative to the source matches this glob (fnmatch: * matches "/" too) or the regex after "E@"; a list: any of them.`},
		Param{Name: "exclude_pat", Type: StringList, Doc: `skip files whose path relative to the source matches this glob or the regex after "E@"; a list: any of them.`},
		Param{Name: "show_changes", Type: Bool, Default: true, Doc: "report diffs."},
		Param{Name: "replace", Type: Bool, Default: true, Doc: "False leaves the content of files that exist alone (their owner and mode are still managed)."},
	)
}

// FileLister is an optional ability of a FileSource: listing a salt://
// directory, which file.recurse needs. ListDir returns the paths of every
// regular file under the directory, relative to it and slash-separated;
// a directory that does not exist gives an error matching fs.ErrNotExist.
type FileLister = tree.FileLister

// Recurse copies a directory of the state tree onto the host, file by file.
//
// The target and the directories under it that exist take user, group
// and dir_mode, as Salt's directory() gives them.
//
// Salt: symlink options, maxdepth, include_empty and backup are not supported. Changes are keyed by file path, a new directory as {path: {path: {directory: new}}} as Salt nests directory() results; real and no-op comments are Salt's, but a dry run says "The directory X is set to be changed" where Salt lists each file's own comment.
func fileRecurse(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	dir, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	source := a.String("source", "")
	makedirs := a.Bool("makedirs", false)
	clean := a.Bool("clean", false)
	show := a.Bool("show_changes", true)
	template := a.String("template", "")
	dirMode, hasDirMode := a.Mode("dir_mode")
	include := a.StringList("include_pat")
	exclude := a.StringList("exclude_pat")
	replace := a.Bool("replace", true)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if a.Has("mode") {
		return Failf(req.Name, "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'.")
	}
	if !strings.HasPrefix(source, "salt://") {
		return fileFail(req, &ArgError{Arg: "source", Err: fmt.Errorf("want a salt:// directory, got %q", source)})
	}
	if template != "" && template != "jinja" {
		return fileFail(req, &ArgError{Arg: "template", Err: fmt.Errorf(`want "jinja", got %q`, template)})
	}
	if !hasDirMode {
		dirMode = fileDefaultDirMode
	}
	perms, err := fileReadPerms(req, "file_mode")
	if err != nil {
		return fileFail(req, err)
	}
	skip, err := fileExcluder("exclude_pat", exclude)
	if err != nil {
		return fileFail(req, err)
	}
	only := func(string) bool { return true }
	if len(include) > 0 {
		if only, err = fileExcluder("include_pat", include); err != nil {
			return fileFail(req, err)
		}
	}
	var lister FileLister
	if req.Env != nil {
		lister, _ = req.Env.Files.(FileLister)
	}
	if lister == nil {
		return Failf(req.Name, "file.recurse needs a file source that can list directories, and this one cannot")
	}
	base := strings.TrimSuffix(source, "/")
	query := ""
	if i := strings.IndexByte(base, '?'); i >= 0 {
		base, query = strings.TrimSuffix(base[:i], "/"), base[i:]
	}
	files, err := lister.ListDir(ctx, base+query)
	if IsNotExist(err) {
		return Failf(req.Name, "Recurse failed: none of the specified sources were found")
	}
	if err != nil {
		return fileFail(req, fmt.Errorf("source %s: %w", source, err))
	}
	sort.Strings(files)

	// dir names the files in the changes; realDir, with a link at name
	// resolved inside the root, is where they are read and written. Each
	// file's own path is resolved again below, as the tree may hold links
	// of its own.
	realDir, err := fileResolveLinks(req, dir)
	if err != nil {
		return fileFail(req, err)
	}
	if fi, err := os.Stat(realDir); err == nil && !fi.IsDir() {
		return Failf(req.Name, "The path %s exists and is not a directory", req.Name)
	} else if err != nil {
		if err := fileEnsureParent(req, realDir, makedirs, perms, dirMode); err != nil {
			return fileFail(req, err)
		}
	}
	dirPerms := filePerms{user: perms.user, group: perms.group, uid: perms.uid, gid: perms.gid, mode: dirMode, hasMode: hasDirMode}
	changes := map[string]any{}
	keep := map[string]bool{}
	for _, rel := range files {
		relc := path.Clean(rel)
		if relc == "." || relc == ".." || strings.HasPrefix(relc, "../") || path.IsAbs(relc) {
			return fileFail(req, fmt.Errorf("source %s: listing returned a path outside it: %q", source, rel))
		}
		if skip(relc) || !only(relc) {
			continue
		}
		target := filepath.Join(dir, filepath.FromSlash(relc))
		keep[target] = true
		for d := filepath.Dir(target); d != dir && strings.HasPrefix(d, dir); d = filepath.Dir(d) {
			keep[d] = true
		}
		if err := fileRecurseDirs(req, dir, filepath.Dir(target), dirPerms, changes); err != nil {
			return fileFail(req, err)
		}
		data, err := fileFetch(ctx, req, base+"/"+relc+query)
		if err != nil {
			return fileFail(req, fmt.Errorf("source %s/%s: %w", base, relc, err))
		}
		if template == "jinja" {
			if data, err = fileRender(ctx, req, target, data); err != nil {
				return fileFail(req, err)
			}
		}
		onDisk, err := fileRootPath(req, fileHostPath(req, target), true)
		if err != nil {
			return fileFail(req, &ArgError{Arg: "name", Err: err})
		}
		cur, err := fileRead(onDisk)
		if err != nil {
			return fileFail(req, err)
		}
		e := fileEdit{path: onDisk, cur: cur, new: data, perms: perms, showChanges: show, makedirs: true, dirMode: dirMode}
		if !replace && cur.exists {
			e.keep, e.new = true, nil
		}
		c, err := fileCheckApply(req, e)
		if err != nil {
			return fileFail(req, err)
		}
		if len(c) > 0 {
			changes[fileHostPath(req, target)] = c
		}
	}
	// Salt's recurse runs directory() on every directory it manages,
	// the target too: those that exist take user, group and dir_mode.
	if err := fileRecurseDirPerms(req, dir, keep, dirPerms, changes); err != nil {
		return fileFail(req, err)
	}
	if clean {
		if _, err := os.Stat(realDir); err == nil {
			removed, err := fileClean(req, realDir, func(rel string) bool {
				return keep[filepath.Join(dir, rel)]
			})
			if err != nil {
				return fileFail(req, err)
			}
			if len(removed) > 0 {
				changes["removed"] = removed
			}
		}
	}
	switch {
	case len(changes) == 0:
		return Result{Name: req.Name, Result: True, Comment: "The directory " + req.Name + " is in the correct state", Changes: changes}
	case req.Test:
		return Result{Name: req.Name, Result: None, Comment: "The directory " + req.Name + " is set to be changed", Changes: changes}
	}
	return Result{Name: req.Name, Result: True, Comment: "Recursively updated " + req.Name, Changes: changes}
}

// fileRecurseDirPerms gives the directories that exist (the target, and
// those of keep under it) the owner and mode asked for, noting each
// change under the directory's path.
func fileRecurseDirPerms(req *Request, top string, keep map[string]bool, p filePerms, changes map[string]any) error {
	if p.uid < 0 && p.gid < 0 && !p.hasMode {
		return nil
	}
	dirs := []string{top}
	for d := range keep {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		hp := fileHostPath(req, d)
		if _, made := changes[hp]; made {
			continue // new: made with them already
		}
		rx, err := fileRootPath(req, hp, true)
		if err != nil {
			return &ArgError{Arg: "name", Err: err}
		}
		fi, err := os.Stat(rx)
		if err != nil || !fi.IsDir() {
			continue
		}
		c := map[string]any{}
		filePermChanges(p, fi, 0, c)
		if len(c) == 0 {
			continue
		}
		changes[hp] = c
		if !req.Test {
			if err := fileApplyPerms(rx, p, false); err != nil {
				return err
			}
		}
	}
	return nil
}

// fileRecurseDirs makes the directories from top down to d (under test,
// only records them), noting each new one in changes. d and top are paths
// as name gives them; each is resolved inside the root before it is looked
// at or made, so that a link in the tree cannot place a directory outside.
func fileRecurseDirs(req *Request, top, d string, p filePerms, changes map[string]any) error {
	resolve := func(x string) (string, error) {
		rx, err := fileRootPath(req, fileHostPath(req, x), true)
		if err != nil {
			return "", &ArgError{Arg: "name", Err: err}
		}
		return rx, nil
	}
	var missing []string
	for x := d; ; x = filepath.Dir(x) {
		rx, err := resolve(x)
		if err != nil {
			return err
		}
		if _, err := os.Stat(rx); err == nil {
			break
		}
		if _, seen := changes[fileHostPath(req, x)]; seen {
			break
		}
		missing = append(missing, x)
		if x == top || filepath.Dir(x) == x {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		// Salt's recurse() files the result of directory() under the
		// path, so the path appears twice.
		hp := fileHostPath(req, missing[i])
		changes[hp] = map[string]any{hp: map[string]any{"directory": "new"}}
		if req.Test {
			continue
		}
		// Resolved again now that its parent exists.
		rx, err := resolve(missing[i])
		if err != nil {
			return err
		}
		if err := os.Mkdir(rx, p.mode|0o700); err != nil && !os.IsExist(err) {
			return err
		}
		dp := p
		dp.hasMode = true
		if !p.hasMode {
			dp.mode = fileDefaultDirMode
		}
		if err := fileApplyPerms(rx, dp, false); err != nil {
			return err
		}
	}
	return nil
}
