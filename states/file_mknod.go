package states

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

func init() {
	Register("file.mknod", fileMknod,
		fileName("the path of the special file."),
		Param{Name: "ntype", Type: String, Required: true, Doc: `"p" (a fifo pipe), "c" (a character device) or "b" (a block device).`},
		Param{Name: "major", Type: Int, Default: 0, Doc: "the device's major number (not for a pipe)."},
		Param{Name: "minor", Type: Int, Default: 0, Doc: "the device's minor number (not for a pipe)."},
		fileUserParam, fileGroupParam,
		Param{Name: "mode", Type: Mode, Default: fs.FileMode(0o600), Doc: "the node's mode."},
	)
}

// fileNodeKinds are mknod's node types: Salt's words for each, and the
// mode bits of the type.
var fileNodeKinds = map[string]struct {
	what string // "Character device"
	kind string // "character device", in "is not a …"
	bits uint32
	is   func(fs.FileMode) bool
}{
	"c": {"Character device", "character device", unix.S_IFCHR, func(m fs.FileMode) bool { return m&fs.ModeCharDevice != 0 }},
	"b": {"Block device", "block device", unix.S_IFBLK, func(m fs.FileMode) bool { return m&fs.ModeDevice != 0 && m&fs.ModeCharDevice == 0 }},
	"p": {"Fifo pipe", "fifo pipe", unix.S_IFIFO, func(m fs.FileMode) bool { return m&fs.ModeNamedPipe != 0 }},
}

// fileMknod makes sure a special file exists, as Salt 3006's file.mknod:
// a fifo pipe, a character or a block device. An existing node of the
// right type gets its owner and mode; a regular file, or a device of
// other numbers, is never replaced.
//
// Salt: a dry run reports the changes a real run makes ({new: "Character
// device X created."}, or the owner and mode), where Salt's reports none
// for a new node; after an owner or mode change the comment is "Character
// device X updated" (Salt's is empty). Under --root the node is made in
// the image.
func fileMknod(ctx context.Context, req *Request) Result {
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	ntype := a.String("ntype", "")
	major := a.Int("major", 0)
	minor := a.Int("minor", 0)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	perms, err := fileReadPerms(req, "mode")
	if err != nil {
		return fileFail(req, err)
	}
	if !perms.hasMode {
		perms.mode, perms.hasMode = 0o600, true
	}
	k, ok := fileNodeKinds[ntype]
	if !ok {
		return Failf(req.Name, "Node type unavailable: '%s'. Available node types are character ('c'), block ('b'), and pipe ('p')", ntype)
	}
	fi, err := os.Lstat(path)
	switch {
	case err == nil && fi.Mode().IsRegular():
		return Failf(req.Name, "File %s exists and is not a %s. Refusing to continue", req.Name, k.kind)
	case err == nil && k.is(fi.Mode()):
		if ntype != "p" {
			st, ok := fi.Sys().(*syscall.Stat_t)
			if !ok {
				return fileFail(req, fmt.Errorf("stat %s: no device numbers", req.Name))
			}
			dmaj, dmin := unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
			if int(dmaj) != major || int(dmin) != minor {
				return Failf(req.Name, "%s %s exists and has a different major/minor %d/%d. Refusing to continue", k.what, req.Name, dmaj, dmin)
			}
		}
		changes := map[string]any{}
		filePermChanges(perms, fi, perms.mode, changes)
		switch {
		case len(changes) == 0:
			return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("%s %s is in the correct state", k.what, req.Name)}
		case req.Test:
			return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("%s %s is set to be updated", k.what, req.Name)}
		}
		if err := fileApplyPerms(path, perms, false); err != nil {
			return fileFail(req, err)
		}
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("%s %s updated", k.what, req.Name)}
	case err == nil:
		// A directory, a link or a node of another type: Salt's
		// os.mknod meets EEXIST.
		return Failf(req.Name, "File %s exists and cannot be overwritten", req.Name)
	case !errors.Is(err, fs.ErrNotExist):
		return fileFail(req, err)
	}
	changes := map[string]any{"new": fmt.Sprintf("%s %s created.", k.what, req.Name)}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("%s %s is set to be created", k.what, req.Name)}
	}
	dev := 0
	if ntype != "p" {
		dev = int(unix.Mkdev(uint32(major), uint32(minor)))
	}
	if err := unix.Mknod(path, k.bits|uint32(perms.mode.Perm()), dev); err != nil {
		return fileFail(req, &fs.PathError{Op: "mknod", Path: req.Name, Err: err})
	}
	// The umask took bits off; the mode and owner are set as asked, as
	// Salt's check_perms after os.mknod does.
	if err := fileApplyPerms(path, perms, false); err != nil {
		return fileFail(req, err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes}
}
