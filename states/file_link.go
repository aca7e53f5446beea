package states

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

func init() {
	Register("file.symlink", fileSymlink,
		fileName("the path of the link."),
		Param{Name: "target", Type: String, Required: true, Doc: "what the link points to, written as given (not rebased by --root)."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "replace a file or directory that is in the way."},
		Param{Name: "backupname", Type: Path, Doc: "move a file or directory that is in the way to this path instead of failing or removing it."},
		fileMakedirs,
		Param{Name: "user", Type: String, Doc: "the link's owner, a name or uid."},
		Param{Name: "group", Type: String, Doc: "the link's group, a name or gid."},
		saltKwargs,
	)
	Register("file.touch", fileTouch,
		fileName("the path of the file."),
		Param{Name: "atime", Type: Int, Doc: "the access time in seconds since the epoch (default now)."},
		Param{Name: "mtime", Type: Int, Doc: "the modification time in seconds since the epoch (default now)."},
		fileMakedirs,
	)
	Register("file.copy", fileCopy,
		fileName("the destination path."),
		Param{Name: "source", Type: Path, Required: true, Doc: "the local path to copy (read under --root)."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "overwrite a destination that differs (else an existing destination is left alone)."},
		Param{Name: "preserve", Type: Bool, Default: false, Doc: "keep the source's owner, mode and times."},
		fileMakedirs,
		Param{Name: "user", Type: String, Doc: "the owner of the copy, a name or uid (ignored with preserve)."},
		Param{Name: "group", Type: String, Doc: "the group of the copy, a name or gid (ignored with preserve)."},
		Param{Name: "mode", Type: Mode, Doc: "the mode of the copy in octal (ignored with preserve)."},
		saltKwargs,
	)
}

// Symlink makes sure name is a symbolic link to target.
//
// Salt: comments and changes are Salt's, with these differences: a link to
// another target reports {new: name} under test as in a real run (Salt
// says {change: name}), an owner change reports {ownership: "user:group"}
// as asked in both modes (Salt's dry run shows the current owner), and an
// owner not asked for is left alone (Salt sets the minion's user); a dry
// run fails where a real run would (an entry in the way without force, a
// missing parent), and backupname is honoured under test; a link's mode is
// not managed.
func fileSymlink(ctx context.Context, req *Request) Result {
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
	backupname := a.String("backupname", "")
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if target == "" {
		return fileFail(req, &ArgError{Arg: "target", Err: errors.New("want the path the link points to, got nothing")})
	}
	if backupname != "" && !filepath.IsAbs(backupname) {
		return fileFail(req, &ArgError{Arg: "backupname", Err: fmt.Errorf("want an absolute path, got %q", backupname)})
	}
	// The backup is renamed into place, so its last element is not
	// followed; its directories resolve inside the root like name's.
	var backupPath string
	if backupname != "" {
		if backupPath, err = fileRootPath(req, backupname, false); err != nil {
			return fileFail(req, &ArgError{Arg: "backupname", Err: err})
		}
	}
	perms, err := fileReadPerms(req, "")
	if err != nil {
		return fileFail(req, err)
	}

	// The wording follows Salt's symlink() and _symlink_check(); the
	// changes are those of a real run in both modes.
	changes := map[string]any{}
	var replace, moveAway bool // what is in the way: remove it, or move it to backupname
	testComment := "Symlink " + req.Name + " to " + target + " is set for creation"
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		cur, err := os.Readlink(path)
		if err != nil {
			return fileFail(req, err)
		}
		if filepath.Clean(cur) != filepath.Clean(target) {
			changes["new"] = req.Name
			testComment = "Link " + req.Name + " target is set to be changed to " + target
			break
		}
		own := map[string]any{}
		filePermChanges(perms, fi, 0, own)
		who := fileLinkOwner(req, perms, fi)
		if len(own) == 0 {
			if req.Test {
				return Result{Name: req.Name, Result: True, Comment: "The symlink " + req.Name + " is present", Changes: changes}
			}
			return Result{Name: req.Name, Result: True, Comment: "Symlink " + req.Name + " is present and owned by " + who, Changes: changes}
		}
		changes["ownership"] = who
		if req.Test {
			return Result{Name: req.Name, Result: None, Changes: changes,
				Comment: "The symlink " + req.Name + " is present, but the ownership of the symlink would be changed from " +
					fileLinkOwner(req, filePerms{uid: -1, gid: -1}, fi) + " to " + who}
		}
		if err := fileApplyPerms(path, perms, true); err != nil {
			return Failf(req.Name, "Failed to set ownership of symlink %s to %s", req.Name, who)
		}
		return Result{Name: req.Name, Result: True, Comment: "Set ownership of symlink " + req.Name + " to " + who, Changes: changes}
	case err == nil:
		switch {
		case backupname != "":
			if _, err := os.Lstat(backupPath); err == nil && !force {
				return Failf(req.Name, "Symlink & backup dest exists and Force not set. %s -> %s - backup: %s", req.Name, target, backupname)
			}
			moveAway = true
		case force:
			replace = true
			testComment = "The file or directory " + req.Name + " is set for removal to make way for a new symlink targeting " + target
		case req.Test:
			return Failf(req.Name, "File or directory exists where the symlink %s should be. Did you mean to use force?", req.Name)
		default:
			kind := "File"
			if fi.IsDir() {
				kind = "Directory"
			}
			return Failf(req.Name, "%s exists where the symlink %s should be", kind, req.Name)
		}
		changes["new"] = req.Name
	case errors.Is(err, fs.ErrNotExist):
		parent := filepath.Dir(path)
		if _, err := os.Stat(parent); errors.Is(err, fs.ErrNotExist) && !makedirs && !filePlanned(req, parent) {
			return Failf(req.Name, "Directory %s for symlink is not present", filepath.Dir(req.Name))
		}
		if err := fileEnsureParent(req, path, makedirs, perms, fileDefaultDirMode); err != nil {
			return fileFail(req, err)
		}
		if req.Test && makedirs && !fileIsDir(parent) {
			testComment += "\n" + filepath.Dir(req.Name) + " will be created"
		}
		changes["new"] = req.Name
	default:
		return fileFail(req, err)
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: testComment, Changes: changes}
	}
	if moveAway {
		if err := os.RemoveAll(backupPath); err != nil {
			return fileFail(req, err)
		}
		if err := os.Rename(path, backupPath); err != nil {
			return Failf(req.Name, "Unable to rename %s to backup %s -> : %v", req.Name, backupname, err)
		}
	} else if replace {
		if err := os.RemoveAll(path); err != nil {
			return fileFail(req, err)
		}
	}
	// A temp link renamed over the old one: the path is never missing.
	tmp := fmt.Sprintf("%s.brine-%d", path, time.Now().UnixNano())
	if err := os.Symlink(target, tmp); err != nil {
		return Failf(req.Name, "Unable to create new symlink %s -> %s: %v", req.Name, target, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return Failf(req.Name, "Unable to create new symlink %s -> %s: %v", req.Name, target, err)
	}
	if err := fileApplyPerms(path, perms, true); err != nil {
		return Failf(req.Name, "Created new symlink %s -> %s, but was unable to set ownership to %s", req.Name, target, fileLinkOwner(req, perms, nil))
	}
	return Result{Name: req.Name, Result: True, Comment: "Created new symlink " + req.Name + " -> " + target, Changes: changes}
}

func fileIsDir(p string) bool { fi, err := os.Stat(p); return err == nil && fi.IsDir() }

// fileLinkOwner names the owner a link should have, "user:group", as Salt
// words it: the names asked for, else those the link has now (fi), else
// those of this process.
func fileLinkOwner(req *Request, p filePerms, fi fs.FileInfo) string {
	uid, gid := os.Geteuid(), os.Getegid()
	if fi != nil {
		uid, gid = fileOwnerOf(fi)
	}
	if p.uid >= 0 {
		uid = p.uid
	}
	if p.gid >= 0 {
		gid = p.gid
	}
	user, group := fmt.Sprint(uid), fmt.Sprint(gid)
	if db, err := fileUserDB(req); err == nil {
		user, group = db.UserName(uid), db.GroupName(gid)
	}
	return user + ":" + group
}

// Touch creates a file when missing, or updates its access and
// modification times, as touch(1) does.
//
// Salt: the same; every run reports a change, as touch always changes the times, and so does a dry run (Salt's says "File X exists and has the correct times" for an existing file when neither atime nor mtime is given).
func fileTouch(ctx context.Context, req *Request) Result {
	if err := fileCtxErr(ctx); err != nil {
		return fileFail(req, err)
	}
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	// touch(1) follows a link at name, and so do the open and utimes
	// below: the link is resolved here so that they stay in the root.
	if path, err = fileResolveLinks(req, path); err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	now := time.Now()
	atime := time.Unix(int64(a.Int("atime", int(now.Unix()))), 0)
	mtime := time.Unix(int64(a.Int("mtime", int(now.Unix()))), 0)
	makedirs := a.Bool("makedirs", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if !a.Has("atime") {
		atime = now
	}
	if !a.Has("mtime") {
		mtime = now
	}
	changes := map[string]any{}
	_, err = os.Stat(path)
	exists := err == nil
	if exists {
		changes["touched"] = req.Name
	} else {
		changes["new"] = req.Name
		if err := fileEnsureParent(req, path, makedirs, filePerms{uid: -1, gid: -1}, fileDefaultDirMode); err != nil {
			if np := (*fileNoParentError)(nil); errors.As(err, &np) {
				return Failf(req.Name, "Directory not present to touch file %s", req.Name)
			}
			return fileFail(req, err)
		}
	}
	if req.Test {
		comment := "Times set to be updated on file " + req.Name
		if !exists {
			comment = "File " + req.Name + " is set to be created"
		}
		return Result{Name: req.Name, Result: None, Comment: comment, Changes: changes}
	}
	if !exists {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, fileDefaultMode)
		if err != nil {
			return fileFail(req, err)
		}
		f.Close()
	}
	if err := os.Chtimes(path, atime, mtime); err != nil {
		return fileFail(req, err)
	}
	comment := "Updated times on file " + req.Name
	if !exists {
		comment = "Created empty file " + req.Name
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
}

// Copy copies a local file or directory to name.
//
// Salt: directories are copied only when the destination is missing or force is set; force leaves an identical file alone ("The target file X exists and is identical to the source", where Salt copies again); a dry run reports the changes {name: source} of a real run (Salt's reports none).
func fileCopy(ctx context.Context, req *Request) Result {
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
	preserve := a.Bool("preserve", false)
	makedirs := a.Bool("makedirs", false)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	if !filepath.IsAbs(source) {
		return fileFail(req, &ArgError{Arg: "source", Err: fmt.Errorf("want an absolute local path, got %q", source)})
	}
	perms, err := fileReadPerms(req, "mode")
	if err != nil {
		return fileFail(req, err)
	}
	src, err := fileRootPath(req, source, true)
	if err != nil {
		return fileFail(req, &ArgError{Arg: "source", Err: err})
	}
	sfi, err := os.Stat(src)
	if err != nil {
		return Failf(req.Name, "Source file %q is not present", source)
	}
	changes := map[string]any{}
	dfi, err := os.Lstat(path)
	switch {
	case err == nil && !force:
		return Result{Name: req.Name, Result: True, Changes: changes,
			Comment: fmt.Sprintf("The target file %q exists and will not be overwritten", req.Name)}
	case err == nil && sfi.Mode().IsRegular() && dfi.Mode().IsRegular():
		sd, err1 := os.ReadFile(src)
		dd, err2 := os.ReadFile(path)
		if err := errors.Join(err1, err2); err != nil {
			return fileFail(req, err)
		}
		if bytes.Equal(sd, dd) {
			return Result{Name: req.Name, Result: True, Changes: changes,
				Comment: fmt.Sprintf("The target file %q exists and is identical to the source", req.Name)}
		}
	case err == nil:
	case errors.Is(err, fs.ErrNotExist):
		if err := fileEnsureParent(req, path, makedirs, perms, fileDefaultDirMode); err != nil {
			return fileParentFail(req, err, "The target directory %s is not present")
		}
	default:
		return fileFail(req, err)
	}
	changes[req.Name] = source
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("File %q is set to be copied to %q", source, req.Name)}
	}
	if dfi != nil && (dfi.IsDir() || sfi.IsDir()) {
		if err := os.RemoveAll(path); err != nil {
			return fileFail(req, err)
		}
	}
	if err := fileCopyTree(src, path, preserve); err != nil {
		return fileFail(req, err)
	}
	if !preserve {
		if err := fileApplyPerms(path, perms, false); err != nil {
			return fileFail(req, err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("Copied %q to %q", source, req.Name)}
}

// fileCopyTree copies a regular file atomically, or a directory tree.
func fileCopyTree(src, dst string, preserve bool) error {
	fi, err := os.Lstat(src)
	if err != nil {
		return err
	}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		t, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(t, dst)
	case fi.IsDir():
		if err := os.MkdirAll(dst, fi.Mode().Perm()); err != nil {
			return err
		}
		ents, err := os.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := fileCopyTree(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()), preserve); err != nil {
				return err
			}
		}
	case fi.Mode().IsRegular():
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		mode := fileDefaultMode
		if preserve {
			mode = fileModeBits(fi.Mode())
		}
		if err := atomicfile.Write(dst, data, mode); err != nil {
			return err
		}
	default:
		return fmt.Errorf("copy %s: not a regular file, directory or link", src)
	}
	if preserve {
		uid, gid := fileOwnerOf(fi)
		if err := os.Lchown(dst, uid, gid); err != nil {
			return err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			if err := os.Chmod(dst, fileModeBits(fi.Mode())); err != nil {
				return err
			}
			return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
		}
	}
	return nil
}
