package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/py/pypath"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// More of Salt's file module (salt/modules/file.py): path arithmetic as
// Python's os.path does it, the owner and mode getters, prepend, copy,
// move, rename, readdir, links and check_hash. Paths go through
// rootfs.Resolve, as file.go's do.

func init() {
	path := func(doc string) states.Param {
		return states.Param{Name: "path", Type: states.Path, Required: true, Doc: doc}
	}
	follow := states.Param{Name: "follow_symlinks", Type: states.Bool, Default: true, Doc: "describe what a link points to rather than the link."}
	register("file.basename", fileBasename, "Return the last part of a path, as Python's os.path.basename ('' for a path ending in /).",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the path."})
	register("file.dirname", fileDirname, "Return a path without its last part, as Python's os.path.dirname.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the path."})
	register("file.join", fileJoin, "Join paths as Python's os.path.join: an absolute part starts over: file.join /etc app.conf.",
		states.Param{Name: "args", Type: states.String, Many: true, Doc: "the parts, one an argument."})
	register("file.readdir", fileReaddir, "Return the names in a directory, '.' and '..' first, as Salt's.",
		path("the directory."))
	register("file.is_link", fileIsLink, "Return True when the path is a symbolic link.", path("the path."))
	register("file.readlink", fileReadlink, "Return what a symbolic link points to.",
		path("the link."),
		states.Param{Name: "canonicalize", Type: states.Bool, Default: false, Doc: "follow every link, and return the path reached."})
	register("file.get_mode", fileGetMode, "Return a file's mode, such as 0644.", path("the path."), follow)
	register("file.set_mode", fileChmod, "Set a file's mode and return it: file.set_mode /etc/app.conf 0640.",
		path("the file."),
		states.Param{Name: "mode", Type: states.Mode, Required: true, Doc: "the mode, in octal."})
	register("file.get_user", fileOwner("user"), "Return the name of a file's owner.", path("the path."), follow)
	register("file.get_group", fileOwner("group"), "Return the name of a file's group.", path("the path."), follow)
	register("file.get_uid", fileOwner("uid"), "Return the uid of a file's owner.", path("the path."), follow)
	register("file.get_gid", fileOwner("gid"), "Return the gid of a file's group.", path("the path."), follow)
	register("file.prepend", filePrepend, `Put the lines given at the start of a file: file.prepend /etc/motd "first line".`,
		path("the file."),
		states.Param{Name: "args", Type: states.String, Many: true, Doc: "the lines, one an argument; each gets a newline."})
	register("file.copy", fileCopy, "Copy a file (or, with recurse, a directory) and give the copy the source's owner, group and mode, as Salt's.",
		states.Param{Name: "src", Type: states.Path, Required: true, Doc: "the source."},
		states.Param{Name: "dst", Type: states.Path, Required: true, Doc: "the copy."},
		states.Param{Name: "recurse", Type: states.Bool, Default: false, Doc: "copy a directory, and into one."},
		states.Param{Name: "remove_existing", Type: states.Bool, Default: false, Doc: "with recurse, remove dst first rather than copy over it."})
	register("file.move", fileMove, "Move a file or directory; return {result, comment}, as Salt's.",
		states.Param{Name: "src", Type: states.Path, Required: true, Doc: "the source."},
		states.Param{Name: "dst", Type: states.Path, Required: true, Doc: "the destination."},
		states.Param{Name: "disallow_copy_and_unlink", Type: states.Bool, Default: false, Doc: "fail rather than copy and remove when src and dst are on different filesystems."})
	register("file.rename", fileRename, "Rename a file or directory (on one filesystem).",
		states.Param{Name: "src", Type: states.Path, Required: true, Doc: "the source."},
		states.Param{Name: "dst", Type: states.Path, Required: true, Doc: "the new name."})
	register("file.check_hash", fileCheckHash, "Return True when the file's hash is the one given: file.check_hash /etc/passwd sha256:HEX (or HEX alone, its type known by its length).",
		path("the file."),
		states.Param{Name: "file_hash", Type: states.String, Required: true, Doc: "TYPE:HEX or TYPE=HEX, or HEX alone."})
}

// fileBasename, fileDirname and fileJoin are Python's posixpath
// arithmetic (pkg/py/pypath), as Salt's file module and the templates'
// have it.
func fileBasename(_ context.Context, c *call) Return { return nested(pypath.Basename(c.str("path"))) }

func fileDirname(_ context.Context, c *call) Return { return nested(pypath.Dirname(c.str("path"))) }

func fileJoin(_ context.Context, c *call) Return {
	parts := c.strings("args")
	if len(parts) == 0 {
		return failed("Passed invalid arguments to file.join: join() missing 1 required positional argument: 'a'")
	}
	return nested(pypath.Join(parts[0], parts[1:]...))
}

func fileReaddir(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	if fi, err := os.Stat(hp); err != nil || !fi.IsDir() {
		return invocationError("A valid directory was not specified.")
	}
	ents, err := os.ReadDir(hp)
	if err != nil {
		return failed(fmt.Sprintf("file.readdir: %v", err))
	}
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		names = append(names, e.Name())
	}
	// os.listdir's order is the directory's; sorted, a listing is the
	// same from one run to the next.
	sort.Strings(names)
	out := []any{".", ".."}
	for _, n := range names {
		out = append(out, n)
	}
	return nested(out)
}

func fileIsLink(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", false)
	if err != nil {
		return failed(err.Error())
	}
	fi, err := os.Lstat(hp)
	return nested(err == nil && fi.Mode()&fs.ModeSymlink != 0)
}

// fileReadlink is Salt's file.readlink: SaltInvocationError for a path
// that is not a link, CommandExecutionError when the link cannot be
// read. (A relative path is refused when the arguments bind.)
func fileReadlink(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", false)
	if err != nil {
		return failed(err.Error())
	}
	if fi, err := os.Lstat(hp); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return invocationError("A valid link was not specified: " + c.str("path"))
	}
	if c.boolean("canonicalize") {
		real, err := c.realPath(c.str("path"))
		if err != nil {
			return failed(err.Error())
		}
		return nested(real)
	}
	target, err := os.Readlink(hp)
	if err != nil {
		return commandError(fmt.Sprintf("Not a symbolic link: %s (%v)", c.str("path"), pyErr(err)))
	}
	return nested(target)
}

// realPath is Python's os.path.realpath of a path, inside the root:
// every link followed. rootfs.Resolve follows none on the live host.
func (c *call) realPath(p string) (string, error) {
	if rootfs.Live(c.host.Root) {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			// realpath keeps what it cannot resolve, as it is.
			return filepath.Clean(p), nil
		}
		return real, nil
	}
	hp, err := rootfs.Resolve(c.host.Root, p, true)
	if err != nil {
		return "", err
	}
	return c.rel(hp), nil
}

// statPath is os.Stat (or os.Lstat without follow_symlinks) of the path
// argument, with Salt's "Path not found" error.
func statPath(c *call) (fs.FileInfo, *syscall.Stat_t, error) {
	follow := c.boolean("follow_symlinks")
	hp, err := c.hostPath("path", follow)
	if err != nil {
		return nil, nil, err
	}
	stat := os.Stat
	if !follow {
		stat = os.Lstat
	}
	fi, err := stat(hp)
	if err != nil {
		// Salt's stats raises CommandExecutionError.
		return nil, nil, &CommandError{Msg: "Path not found: " + c.str("path")}
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, nil, fmt.Errorf("no stat data for %s", c.str("path"))
	}
	return fi, st, nil
}

func fileGetMode(_ context.Context, c *call) Return {
	fi, _, err := statPath(c)
	if err != nil {
		return errorReturn(err)
	}
	return nested(modeString(fi.Mode()))
}

// fileOwner returns the function for file.get_user, get_group, get_uid
// and get_gid: one field of file.stats.
func fileOwner(field string) func(context.Context, *call) Return {
	return func(_ context.Context, c *call) Return {
		_, st, err := statPath(c)
		if err != nil {
			return errorReturn(err)
		}
		db, _ := osuser.Load(c.host.Root)
		switch field {
		case "user":
			return nested(nameOr(db, int(st.Uid), true))
		case "group":
			return nested(nameOr(db, int(st.Gid), false))
		case "uid":
			return nested(int(st.Uid))
		}
		return nested(int(st.Gid))
	}
}

func filePrepend(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	old, err := os.ReadFile(hp)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failed(fmt.Sprintf("file.prepend: %v", err))
	}
	text, n := fileLines(c)
	if err := writeFile(hp, append([]byte(text), old...)); err != nil {
		return failed(fmt.Sprintf("file.prepend: %v", err))
	}
	return nested(fmt.Sprintf("Prepended %d lines to \"%s\"", n, c.str("path")))
}

// fileCopy is Salt's file.copy, which raises: SaltInvocationError for a
// directory without recurse, CommandExecutionError for a missing source
// or a copy that failed.
func fileCopy(_ context.Context, c *call) Return {
	src, err := c.hostPath("src", true)
	if err != nil {
		return failed(err.Error())
	}
	dst, err := c.hostPath("dst", true)
	if err != nil {
		return failed(err.Error())
	}
	sfi, err := os.Stat(src)
	if err != nil {
		return commandError(fmt.Sprintf("No such file or directory '%s'", c.str("src")))
	}
	dfi, derr := os.Stat(dst)
	if sfi.IsDir() || (derr == nil && dfi.IsDir()) {
		if !c.boolean("recurse") {
			return invocationError("Cannot copy overwriting a directory without recurse flag set to true!")
		}
		if c.boolean("remove_existing") && derr == nil {
			if err := os.RemoveAll(dst); err != nil {
				return commandError(fmt.Sprintf("Could not copy '%s' to '%s'", c.str("src"), c.str("dst")))
			}
		}
		err = copyTree(src, dst)
	} else {
		err = copyOne(src, dst, sfi)
	}
	if err != nil {
		c.host.Log.Debug("file.copy", "src", c.str("src"), "dst", c.str("dst"), "err", err)
		return commandError(fmt.Sprintf("Could not copy '%s' to '%s'", c.str("src"), c.str("dst")))
	}
	// As Salt's check_perms(dst, None, user, group, mode) of the source's.
	if st, ok := sfi.Sys().(*syscall.Stat_t); ok {
		if err := os.Chown(dst, int(st.Uid), int(st.Gid)); err != nil {
			return failed(fmt.Sprintf("file.copy: %v", err))
		}
	}
	if err := os.Chmod(dst, sfi.Mode().Perm()|sfi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return failed(fmt.Sprintf("file.copy: %v", err))
	}
	return nested(true)
}

// copyOne copies a regular file's content, as shutil.copyfile does
// (an existing dst is replaced, atomically here).
func copyOne(src, dst string, fi fs.FileInfo) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return atomicfile.WriteFrom(dst, f, fi.Mode().Perm())
}

// copyTree copies a directory into dst, merging with what is there, as
// Salt's recursive_copy does; links are copied as links.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_ = os.Remove(target)
			return os.Symlink(link, target)
		case fi.Mode().IsRegular():
			return copyOne(p, target, fi)
		}
		return nil
	})
}

// fileMove is Salt's file.move: CommandExecutionError when shutil.move
// fails.
func fileMove(_ context.Context, c *call) Return {
	src, err := c.hostPath("src", false)
	if err != nil {
		return failed(err.Error())
	}
	dst, err := c.hostPath("dst", false)
	if err != nil {
		return failed(err.Error())
	}
	// shutil.move moves into a directory that is there.
	if fi, err := os.Stat(dst); err == nil && fi.IsDir() {
		dst = filepath.Join(dst, filepath.Base(src))
	}
	if err := os.Rename(src, dst); err != nil {
		var le *os.LinkError
		if !errors.As(err, &le) || !errors.Is(le.Err, syscall.EXDEV) || c.boolean("disallow_copy_and_unlink") {
			return commandError(fmt.Sprintf("Unable to move '%s' to '%s': %v", c.str("src"), c.str("dst"), pyErr(err)))
		}
		fi, serr := os.Lstat(src)
		if serr != nil {
			return commandError(fmt.Sprintf("Unable to move '%s' to '%s': %v", c.str("src"), c.str("dst"), pyErr(serr)))
		}
		if fi.IsDir() {
			err = copyTree(src, dst)
		} else {
			err = copyOne(src, dst, fi)
		}
		if err == nil {
			err = os.RemoveAll(src)
		}
		if err != nil {
			return commandError(fmt.Sprintf("Unable to move '%s' to '%s': %v", c.str("src"), c.str("dst"), pyErr(err)))
		}
	}
	return nested(map[string]any{"result": true, "comment": fmt.Sprintf("'%s' moved to '%s'", c.str("src"), c.str("dst"))})
}

// pyErr is an OS error as Python prints one: "[Errno 2] No such file or
// directory: 'x'" reads here as the errno's text.
func pyErr(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}

// fileRename is Salt's file.rename: CommandExecutionError when
// os.rename fails.
func fileRename(_ context.Context, c *call) Return {
	src, err := c.hostPath("src", false)
	if err != nil {
		return failed(err.Error())
	}
	dst, err := c.hostPath("dst", false)
	if err != nil {
		return failed(err.Error())
	}
	if err := os.Rename(src, dst); err != nil {
		return commandError(fmt.Sprintf("Could not rename '%s' to '%s'", c.str("src"), c.str("dst")))
	}
	return nested(true)
}

// hashByLength is Salt's HASHES_REVMAP: a hash's type known by its
// length in hex digits.
var hashByLength = map[int]string{32: "md5", 40: "sha1", 56: "sha224", 64: "sha256", 96: "sha384", 128: "sha512"}

func fileCheckHash(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	given := c.str("file_hash")
	form, value := "", given
	if i := strings.IndexAny(given, ":="); i >= 0 {
		form, value = given[:i], given[i+1:]
	} else if form = hashByLength[len(given)]; form == "" {
		return invocationError(fmt.Sprintf("Hash %s (length: %d) could not be matched to a supported hash type. The supported hash types and lengths are: md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128)", given, len(given)))
	}
	sum, err := hashFile(hp, form)
	if err != nil {
		return failed(fmt.Sprintf("file.check_hash: %v", err))
	}
	return nested(sum == value)
}
