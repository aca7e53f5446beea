package states

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

func init() {
	Register("file.rename", fileRename,
		fileName("the new path."),
		Param{Name: "source", Type: Path, Required: true, Doc: "the path to move to name (a link is moved, not followed)."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "remove whatever is at name first (else an existing name is left alone)."},
		fileMakedirs,
		saltKwargs,
	)
	Register("file.hardlink", fileHardlink,
		fileName("the path of the hard link."),
		Param{Name: "target", Type: Path, Required: true, Doc: "the existing file the link shares (a path under --root, as name)."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "replace a file that is in the way."},
		fileMakedirs,
		Param{Name: "user", Type: String, Doc: "the owner of directories makedirs creates, a name or uid."},
		Param{Name: "group", Type: String, Doc: "the group of directories makedirs creates, a name or gid."},
		Param{Name: "dir_mode", Type: Mode, Doc: "the mode of directories makedirs creates (default 0755)."},
		saltKwargs,
	)
}

// Rename moves source to name, once: a source already gone is success.
//
// Salt: comments and changes ({name: source}) are Salt's; a dry run
// predicts the changes and fails where a real run would (a missing parent
// without makedirs), where Salt's reports no changes and succeeds.
func fileRename(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	source := a.String("source", "")
	force := a.Bool("force", false)
	makedirs := a.Bool("makedirs", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	src, err := fileArgUnderRoot(req, "source", source, false)
	if err != nil {
		return fileFail(req, err)
	}
	changes := map[string]any{}
	if _, err := os.Lstat(src); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return fileFail(req, err)
		}
		return Result{Name: req.Name, Result: True, Changes: changes,
			Comment: fmt.Sprintf("Source file %q has already been moved out of place", source)}
	}
	_, err = os.Lstat(path)
	switch {
	case err == nil && !force:
		return Result{Name: req.Name, Result: True, Changes: changes,
			Comment: fmt.Sprintf("The target file %q exists and will not be overwritten", req.Name)}
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if err := fileEnsureParent(req, path, makedirs, filePerms{uid: -1, gid: -1}, fileDefaultDirMode); err != nil {
			return fileParentFail(req, err, "The target directory %s is not present")
		}
	default:
		return fileFail(req, err)
	}
	changes[req.Name] = source
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("File %q is set to be moved to %q", source, req.Name)}
	}
	if force {
		if err := os.RemoveAll(path); err != nil {
			return Failf(req.Name, "Failed to delete %q in preparation for forced move: %v", req.Name, err)
		}
	}
	if err := fileMove(src, path); err != nil {
		return Failf(req.Name, "Failed to move %q to %q: %v", source, req.Name, err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("Moved %q to %q", source, req.Name)}
}

// fileMove renames src to dst; across filesystems it copies src, owner,
// mode and times kept, then removes it, as Python's shutil.move.
func fileMove(src, dst string) error {
	err := os.Rename(src, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	if err := fileCopyTree(src, dst, true); err != nil {
		os.RemoveAll(dst)
		return err
	}
	return os.RemoveAll(src)
}

// Hardlink makes sure name is a hard link of target: the same file.
//
// A file at name that is a hard link of another file is replaced by one
// of target; any other file in the way only with force. The new link is
// made beside name and renamed over it, so name is never missing.
//
// Salt: comments are Salt's; changes are those of Salt's real run ({new: name}, and {forced: …} when force replaced a file) in both modes (Salt's dry run says {change: name} for a link to another file, and nothing for a forced replace); a dry run fails where a real run would (a missing parent without makedirs, a file in the way without force); user and group apply only to directories makedirs creates (Salt also checks they exist when nothing is created).
func fileHardlink(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	target := a.String("target", "")
	force := a.Bool("force", false)
	makedirs := a.Bool("makedirs", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	tpath, err := fileArgUnderRoot(req, "target", target, true)
	if err != nil {
		return fileFail(req, err)
	}
	perms, err := fileReadPerms(req, "dir_mode")
	if err != nil {
		return fileFail(req, err)
	}
	dirMode := fileDefaultDirMode
	if perms.hasMode {
		dirMode = perms.mode
	}
	tfi, err := os.Stat(tpath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Failf(req.Name, "Target %s for hard link does not exist", target)
	case err != nil:
		return fileFail(req, err)
	case tfi.IsDir():
		return Failf(req.Name, "Unable to hard link from directory %s", target)
	}

	changes := map[string]any{"new": req.Name}
	var testComment, comment string
	nfi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := fileEnsureParent(req, path, makedirs, perms, dirMode); err != nil {
			return fileFail(req, err)
		}
		testComment = "Hard link " + req.Name + " to " + target + " is set for creation"
		comment = "Created new hard link " + req.Name + " -> " + target
	case err != nil:
		return fileFail(req, err)
	case nfi.IsDir():
		return Failf(req.Name, "Unable to hard link to directory %s", req.Name)
	case os.SameFile(nfi, tfi):
		c := "Target of hard link " + req.Name + " is already pointing to " + target
		if req.Test {
			c = "The hard link " + req.Name + " is presently targetting " + target
		}
		return Result{Name: req.Name, Result: True, Comment: c, Changes: map[string]any{}}
	case nfi.Mode().IsRegular() && fileLinkCount(nfi) > 1:
		testComment = "Link " + req.Name + " target is set to be changed to " + target
		comment = "Set target of hard link " + req.Name + " -> " + target
	case !force:
		return Failf(req.Name, "File exists where the hard link %s should be", req.Name)
	default:
		changes["forced"] = "File for hard link was forcibly replaced"
		testComment = "The file or directory " + req.Name + " is set for removal to make way for a new hard link targeting " + target
		comment = "Created new hard link " + req.Name + " -> " + target
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: testComment, Changes: changes}
	}
	if err := fileLinkOver(tpath, path); err != nil {
		return Failf(req.Name, "Unable to create new hard link %s -> %s: %v", req.Name, target, err)
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
}

// fileLinkCount is how many names a file has.
func fileLinkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// fileLinkOver makes path a hard link of target: linked beside path under
// a temporary name, then renamed over whatever path was.
func fileLinkOver(target, path string) error {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf(".%s.brine-link-%d", filepath.Base(path), os.Getpid()))
	os.Remove(tmp)
	if err := os.Link(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// fileArgUnderRoot reads a path argument that must be absolute, resolved
// under --root as fileRootPath does; errors name the argument.
func fileArgUnderRoot(req *Request, arg, p string, follow bool) (string, error) {
	if !filepath.IsAbs(p) {
		return "", &ArgError{Arg: arg, Err: fmt.Errorf("want an absolute path, got %q", p)}
	}
	hp, err := fileRootPath(req, p, follow)
	if err != nil {
		return "", &ArgError{Arg: arg, Err: err}
	}
	return hp, nil
}
