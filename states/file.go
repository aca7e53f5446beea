package states

// This file holds what the file.* states share: reading the current file,
// owner and mode checks, atomic writes with backups, and the result comments.
// Each state computes its changes first and applies them only when the
// request is not a test, so test=True reports what a real run would do.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/pkg/textdiff"
)

// fileTestNote ends file.managed's test-mode comment. Salt writes it on
// two lines, broken after "may" (salt/states/file.py, managed()).
const fileTestNote = "\nNote: No changes made, actual changes may\nbe different due to other states."

// fileBackupDir is where backup: minion keeps old copies, under the
// request's root: ROOT/var/cache/brine/file_backup/<absolute path>_<time>.
const fileBackupDir = "/var/cache/brine/file_backup"

// fileDefaultMode is the mode of a file brine creates without a mode argument.
const fileDefaultMode fs.FileMode = 0o644

// fileDefaultDirMode is the mode of a directory created by makedirs.
const fileDefaultDirMode fs.FileMode = 0o755

func fileTestComment(name string) string {
	return "The file " + name + " is set to be changed" + fileTestNote
}

// fileCorrectComment is file.managed's comment for a file that needs no
// change: "File X is in the correct state" after a real run (manage_file),
// "The file X is in the correct state" under test (managed()).
func fileCorrectComment(name string, test bool) string {
	if test {
		return "The file " + name + " is in the correct state"
	}
	return "File " + name + " is in the correct state"
}

// fileFmtMode formats a mode the way Salt reports it: "0644", "4755".
func fileFmtMode(m fs.FileMode) string {
	n := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return fmt.Sprintf("%04o", n)
}

// fileModeBits keeps only the bits brine manages.
func fileModeBits(m fs.FileMode) fs.FileMode {
	return m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
}

// The arguments several file states share, declared once.
var (
	fileUserParam  = Param{Name: "user", Type: String, Doc: "the owner, a name or uid, looked up in ROOT/etc/passwd."}
	fileGroupParam = Param{Name: "group", Type: String, Doc: "the group, a name or gid, looked up in ROOT/etc/group."}
	fileMakedirs   = Param{Name: "makedirs", Type: Bool, Default: false, Doc: "create missing parent directories."}
	fileShowChange = Param{Name: "show_changes", Type: Bool, Default: true, Doc: "report the diff; False reports it as Salt does: \"<show_changes=False>\" (file.managed, serialize), or True (file.line, blockreplace)."}
	fileBackupBak  = Param{Name: "backup", Type: String, Default: ".bak", Doc: "the suffix of the copy of the old file; False keeps no copy."}
	fileTemplate   = Param{Name: "template", Type: String, Doc: `"jinja" renders the text with the grains, pillar, context and defaults first.`}
	// fileSourceTemplate is template for states whose source is rendered
	// by default, as Salt's append, prepend and blockreplace do with
	// theirs (_get_template_texts); their text or content is not.
	fileSourceTemplate = Param{Name: "template", Type: String, Default: "jinja", Doc: `how source is rendered, with the grains, pillar, context and defaults: "jinja" (the default, as in Salt), or "" for as it is; text and content are not rendered.`}
	fileContext        = Param{Name: "context", Type: Map, Doc: "variables for the template; they override defaults."}
	fileDefaults       = Param{Name: "defaults", Type: Map, Doc: "default variables for the template."}
	// fileTemplateVars is Salt's **kwargs of the states that render a
	// template: an argument they do not take is a template variable.
	fileTemplateVars = Param{Name: "(any other argument)", Rest: true, With: "template", Doc: "with template set, a variable for the template, as in Salt."}
)

// fileName is the name Param of a file state: an absolute path.
func fileName(doc string) Param { return Param{Name: "name", Type: Path, Doc: doc} }

// fileArgPath reads and checks the name: an absolute path, rebased by
// --root. Under a root, the symlinks among its directories are resolved
// inside the root (see fileRootPath); the last element is left as it is.
// A name that would leave the root is an *ArgError naming "name".
func fileArgPath(req *Request) (string, error) {
	if req.Name == "" {
		return "", &ArgError{Arg: "name", Err: errors.New("want an absolute path, got nothing")}
	}
	if !filepath.IsAbs(req.Name) {
		return "", &ArgError{Arg: "name", Err: fmt.Errorf("want an absolute path, got %q", req.Name)}
	}
	p, err := fileRootPath(req, req.Name, false)
	if err != nil {
		return "", &ArgError{Arg: "name", Err: err}
	}
	return p, nil
}

// fileRootPath rebases an absolute path under the request's root with
// rootfs.Resolve, as if the root were "/": an absolute link in an image
// (Debian's /var/run -> /run) points into the image, and a ".." or link
// that would climb out of it is an *rootfs.EscapeError. Missing elements
// are kept as they are, for files and directories about to be made. On
// the live host the path is only cleaned.
func fileRootPath(req *Request, p string, followLast bool) (string, error) {
	return rootfs.Resolve(req.Root, p, followLast)
}

// fileTemplateArg reads template as the states that render their source
// by default take it: "jinja" when not given, "" for null (template:
// None, Salt's way of asking for the file as it is).
func fileTemplateArg(a *Args) string {
	if v, ok := a.Get("template"); ok && v == nil {
		return ""
	}
	return a.String("template", "jinja")
}

// fileFail is a failed result with no changes.
func fileFail(req *Request, err error) Result { return Failf(req.Name, "%v", err) }

// fileUserDB returns the passwd and group data of the request's root,
// read through rootAccounts so that links in the image do not lead to the
// host's accounts. The parsed files are kept in the run cache and read
// again only when their size or mtime changed, because a package install
// earlier in the run may have added the very user a later file state asks
// for.
func fileUserDB(req *Request) (*osuser.DB, error) {
	pw, gr, err := rootAccountPaths(req, "user")
	if err != nil {
		return nil, err
	}
	stamp := fileStamp(pw) + "|" + fileStamp(gr)
	type entry struct {
		stamp string
		db    *osuser.DB
	}
	if req.Env == nil || req.Env.Cache == nil {
		return rootAccounts(req, "user")
	}
	key := "file.osuser:" + req.Root
	for range 2 {
		v, err := req.Env.Cache.Load(key, func() (any, error) {
			db, err := rootAccounts(req, "user")
			if err != nil {
				return nil, err
			}
			return entry{stamp, db}, nil
		})
		if err != nil {
			return nil, err
		}
		if e := v.(entry); e.stamp == stamp {
			return e.db, nil
		}
		req.Env.Cache.Forget(key)
	}
	return rootAccounts(req, "user")
}

func fileStamp(p string) string {
	fi, err := os.Stat(p)
	if err != nil {
		return "-"
	}
	return fmt.Sprintf("%d.%d", fi.Size(), fi.ModTime().UnixNano())
}

// filePerms is the owner and mode a state asks for. Empty names and a
// false hasMode leave that part alone.
type filePerms struct {
	user, group string
	uid, gid    int // -1 when not managed
	mode        fs.FileMode
	hasMode     bool
}

// fileReadPerms reads user, group and the named mode argument and resolves
// the names under the request's root. Argument errors name the argument.
func fileReadPerms(req *Request, modeArg string) (filePerms, error) {
	p := filePerms{uid: -1, gid: -1}
	p.user = req.Args.String("user", "")
	p.group = req.Args.String("group", "")
	p.mode, p.hasMode = req.Args.Mode(modeArg)
	if err := req.Args.Err(); err != nil {
		return p, err
	}
	return p, fileResolvePerms(req, &p)
}

func fileResolvePerms(req *Request, p *filePerms) error {
	if p.user == "" && p.group == "" {
		return nil
	}
	db, err := fileUserDB(req)
	if err != nil {
		return err
	}
	// Under a dry run, an account an earlier state of the run would
	// create (user.present, group.present) counts as there, so that the
	// dry run says what the real run, which makes it first, then does.
	planned := plannedAccts(req)
	var missing FileOwnerError
	if p.user != "" {
		u, err := db.User(p.user)
		if err != nil {
			if pu, ok := planned.user(p.user); ok {
				u = &pu
			}
		}
		if u != nil {
			p.uid = u.UID
		} else {
			missing.User = p.user
		}
	}
	if p.group != "" {
		g, err := db.Group(p.group)
		if err != nil {
			if pg, ok := planned.group(p.group); ok {
				g = &pg
			}
		}
		if g != nil {
			p.gid = g.GID
		} else {
			missing.Group = p.group
		}
	}
	if missing.User != "" || missing.Group != "" {
		return &missing
	}
	return nil
}

// FileOwnerError is a user or group the file states were given that the
// system (the root's passwd and group files) does not have. Its text is
// Salt's (salt/states/file.py _check_user), which the state's comment is:
// both names checked, "User x is not available " then "Group y is not
// available".
type FileOwnerError struct {
	User, Group string // the missing ones; "" when present or not given
}

func (e *FileOwnerError) Error() string {
	msg := ""
	if e.User != "" {
		msg += fmt.Sprintf("User %s is not available ", e.User)
	}
	if e.Group != "" {
		msg += fmt.Sprintf("Group %s is not available", e.Group)
	}
	return msg
}

// fileOwnerOf returns a file's uid and gid.
func fileOwnerOf(fi fs.FileInfo) (int, int) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return int(st.Uid), int(st.Gid)
	}
	return -1, -1
}

// filePermChanges records in changes how fi differs from p. A nil fi is a
// file about to be created with mode newMode by this process.
func filePermChanges(p filePerms, fi fs.FileInfo, newMode fs.FileMode, changes map[string]any) {
	var uid, gid int
	var mode fs.FileMode
	if fi == nil {
		uid, gid = os.Geteuid(), os.Getegid()
		mode = newMode
		changes["mode"] = fileFmtMode(fileModeBits(mode))
	} else {
		uid, gid = fileOwnerOf(fi)
		mode = fi.Mode()
	}
	if p.uid >= 0 && p.uid != uid {
		changes["user"] = p.user
	}
	if p.gid >= 0 && p.gid != gid {
		changes["group"] = p.group
	}
	if p.hasMode && fi != nil && fi.Mode()&fs.ModeSymlink == 0 && fileModeBits(mode) != fileModeBits(p.mode) {
		changes["mode"] = fileFmtMode(p.mode)
	}
}

// fileApplyPerms sets owner and mode on path. Owner goes first: chown
// clears setuid bits, so the mode must come after it.
func fileApplyPerms(path string, p filePerms, isLink bool) error {
	if p.uid >= 0 || p.gid >= 0 {
		if err := os.Lchown(path, p.uid, p.gid); err != nil {
			return fmt.Errorf("chown %s: %w", path, err)
		}
	}
	if p.hasMode && !isLink {
		if err := os.Chmod(path, p.mode); err != nil {
			return fmt.Errorf("chmod %s: %w", path, err)
		}
	}
	return nil
}

// fileCurrent is a regular file as it is now.
type fileCurrent struct {
	fi     fs.FileInfo // nil when missing
	data   []byte
	exists bool
}

// fileRead reads path with one open, one fstat and one read, which is the
// whole cost of a state whose file is already right. A directory or other
// non-regular file is an error.
func fileRead(path string) (fileCurrent, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fileCurrent{}, nil
		}
		return fileCurrent{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fileCurrent{}, err
	}
	if !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return fileCurrent{}, fmt.Errorf("Specified target %s is a directory", path)
		}
		return fileCurrent{}, fmt.Errorf("specified target %s is not a regular file", path)
	}
	data := make([]byte, 0, fi.Size()+1)
	buf := bytes.NewBuffer(data)
	if _, err := io.Copy(buf, f); err != nil {
		return fileCurrent{}, fmt.Errorf("read %s: %w", path, err)
	}
	return fileCurrent{fi: fi, data: buf.Bytes(), exists: true}, nil
}

// fileIsBinary uses Salt's rule of thumb: a NUL byte or text that is not
// UTF-8 in the first 8 KiB.
func fileIsBinary(b []byte) bool {
	if len(b) > 8192 {
		b = b[:8192]
		// do not call a cut multibyte rune invalid
		for i := 0; i < utf8.UTFMax && len(b) > 0 && !utf8.Valid(b); i++ {
			b = b[:len(b)-1]
		}
	}
	return bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b)
}

// fileDiff is the "diff" change: a unified diff as Salt's, "New file", "Replace
// binary file", or the show_changes placeholder.
func fileDiff(old, new []byte, exists, show bool) string {
	switch {
	case !exists:
		return "New file" // Salt says so even with show_changes: False
	case !show:
		return "<show_changes=False>"
	case fileIsBinary(old) || fileIsBinary(new):
		return "Replace binary file"
	}
	// Salt's get_diff is difflib.unified_diff with no file names: its
	// "--- " and "+++ " lines come first.
	if d := textdiff.Unified(string(old), string(new)); d != "" {
		return "--- \n+++ \n" + d
	}
	return ""
}

// fileNoParentError is a missing parent directory without makedirs, in
// the words of Salt's manage_file.
type fileNoParentError struct{ dir string }

func (e *fileNoParentError) Error() string { return "Parent directory not present" }

// fileParentFail is fileFail with a state's own words for a missing
// parent directory (format takes the directory of the state's name).
func fileParentFail(req *Request, err error, format string) Result {
	if np := (*fileNoParentError)(nil); errors.As(err, &np) {
		return Failf(req.Name, format, filepath.Dir(req.Name))
	}
	return fileFail(req, err)
}

// fileEnsureParent makes the parent directory when makedirs allows it. In
// test mode it only checks. It returns the directories that would be made.
func fileEnsureParent(req *Request, path string, makedirs bool, p filePerms, dirMode fs.FileMode) error {
	parent := filepath.Dir(path)
	fi, err := os.Stat(parent)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("parent %s is not a directory", parent)
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if !makedirs {
		if filePlanned(req, parent) {
			return nil
		}
		return &fileNoParentError{dir: fileHostPath(req, parent)}
	}
	if req.Test {
		filePlanDirs(req, parent)
		return nil
	}
	return fileMkdirAll(parent, dirMode, p)
}

// fileMkdirAll makes dir and its missing parents with mode and owner.
func fileMkdirAll(dir string, mode fs.FileMode, p filePerms) error {
	var made []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		made = append(made, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	if err := os.MkdirAll(dir, mode); err != nil {
		return err
	}
	dp := filePerms{user: p.user, group: p.group, uid: p.uid, gid: p.gid, mode: mode, hasMode: true}
	for i := len(made) - 1; i >= 0; i-- {
		if err := fileApplyPerms(made[i], dp, false); err != nil {
			return err
		}
	}
	return nil
}

// fileHostPath turns a rebased path back into the path the SLS named, for
// comments, and for resolving again from the root (fileResolveLinks).
func fileHostPath(req *Request, p string) string { return rootfs.Rel(req.Root, p) }

// fileBackup keeps a copy of path before it is replaced. kind "minion"
// copies to the backup directory under the root; any other non-empty kind
// is a suffix (file.replace's ".bak") and the copy goes next to the file.
func fileBackup(req *Request, path, kind string, data []byte, fi fs.FileInfo) (string, error) {
	if kind == "" {
		return "", nil
	}
	dst, err := fileBackupPath(req, path, kind)
	if err != nil {
		return "", err
	}
	perm := fileDefaultMode
	if fi != nil {
		perm = fi.Mode().Perm()
	}
	if err := atomicfile.Write(dst, data, perm); err != nil {
		return "", fmt.Errorf("backup %s: %w", path, err)
	}
	return dst, nil
}

// fileBackupPath is where fileBackup copies path, with its directory made.
func fileBackupPath(req *Request, path, kind string) (string, error) {
	if kind != "minion" {
		return path + kind, nil
	}
	stamp := time.Now().Format("2006-01-02T15:04:05.000000")
	dst, err := fileRootPath(req, filepath.Join(fileBackupDir, fileHostPath(req, path)+"_"+stamp), false)
	if err != nil {
		return "", fmt.Errorf("backup %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", fmt.Errorf("backup %s: %w", path, err)
	}
	return dst, nil
}

// fileEdit describes a content change on one file: the states that edit
// text (managed, replace, append, line, comment, blockreplace) build one
// and hand it to fileCheckApply.
type fileEdit struct {
	path        string
	cur         fileCurrent
	new         []byte // the content wanted; nil with keep means leave content alone
	keep        bool
	perms       filePerms
	showChanges bool
	// hiddenIsTrue reports a diff show_changes hides as True, as Salt's
	// replace, line and blockreplace do (managed says so in words).
	hiddenIsTrue bool
	backup       string // "", "minion" or a suffix
	makedirs     bool
	dirMode      fs.FileMode
}

// fileCheckApply computes the changes an edit makes and, unless the
// request is a test, applies them. The changes are the same either way.
func fileCheckApply(req *Request, e fileEdit) (map[string]any, error) {
	changes := map[string]any{}
	contentChanged := !e.keep && (!e.cur.exists || !bytes.Equal(e.cur.data, e.new))
	if contentChanged {
		changes["diff"] = fileDiff(e.cur.data, e.new, e.cur.exists, e.showChanges)
		if !e.showChanges && e.hiddenIsTrue {
			changes["diff"] = true
		}
	}
	newMode := fileDefaultMode
	if e.perms.hasMode {
		newMode = e.perms.mode
	}
	if e.cur.exists || contentChanged {
		filePermChanges(e.perms, e.cur.fi, newMode, changes)
	}
	if req.Test || len(changes) == 0 {
		return changes, nil
	}
	if contentChanged {
		if !e.cur.exists {
			if err := fileEnsureParent(req, e.path, e.makedirs, e.perms, e.dirMode); err != nil {
				return nil, err
			}
		} else if _, err := fileBackup(req, e.path, e.backup, e.cur.data, e.cur.fi); err != nil {
			return nil, err
		}
		if err := atomicfile.Write(e.path, e.new, newMode); err != nil {
			return nil, err
		}
		// atomicfile chowns after its chmod, and chown clears setuid and
		// setgid, so a kept mode with those bits is set again here.
		if old := e.cur.fi; old != nil && !e.perms.hasMode && old.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
			if err := os.Chmod(e.path, fileModeBits(old.Mode())); err != nil {
				return nil, fmt.Errorf("chmod %s: %w", e.path, err)
			}
		}
	}
	if err := fileApplyPerms(e.path, e.perms, false); err != nil {
		return nil, err
	}
	return changes, nil
}

// fileResolveLinks follows symlinks at path the way the kernel would if
// the root were /, so that an absolute link inside an image points inside
// the image and not at the host.
func fileResolveLinks(req *Request, path string) (string, error) {
	if !req.Live() {
		// fileArgPath resolved the directories already: only a link at
		// the end needs a walk.
		if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		rp, err := fileRootPath(req, fileHostPath(req, path), true)
		if err != nil {
			return "", &ArgError{Arg: "name", Err: err}
		}
		return rp, nil
	}
	for range 40 {
		fi, err := os.Lstat(path)
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if filepath.IsAbs(target) {
			path = filepath.Clean(target)
		} else {
			path = filepath.Join(filepath.Dir(path), target)
		}
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}

// fileReadTarget finds and reads the file a state edits in place: links
// at path are followed as fileResolveLinks does, then the file is read.
// The path it returns is the one read, and so the one to write back.
func fileReadTarget(req *Request, path string) (string, fileCurrent, error) {
	path, err := fileResolveLinks(req, path)
	if err != nil {
		return "", fileCurrent{}, err
	}
	cur, err := fileRead(path)
	if err != nil {
		return "", fileCurrent{}, err
	}
	return path, cur, nil
}

// fileCtxErr turns a cancelled context into a failed result before a state
// starts work.
func fileCtxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("not run: %w", err)
	}
	return nil
}
