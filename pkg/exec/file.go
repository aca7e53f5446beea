package exec

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/py/hashlib"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// The file.* functions, as Salt's salt/modules/file.py: every path is a
// path of the host, or of the image under --root, reached through
// rootfs.Resolve, so that no link leads out of the root; a write replaces
// the file atomically (pkg/atomicfile), keeping its owner and mode.

func init() {
	path := func(doc string) states.Param {
		return states.Param{Name: "path", Type: states.Path, Required: true, Doc: doc}
	}
	register("file.file_exists", fileExists, "Return True when the path is a file (not a directory).", path("the path."))
	register("file.directory_exists", fileDirExists, "Return True when the path is a directory.", path("the path."))
	register("file.stats", fileStats, "Return a file's inode, uid, gid, user, group, times, size, mode, type and target (the path it resolves to); sum too when hash_type is given.",
		path("the path."),
		states.Param{Name: "hash_type", Type: states.String, Doc: "md5, sha1, sha224, sha256, sha384 or sha512: add the file's sum."},
		states.Param{Name: "follow_symlinks", Type: states.Bool, Default: true, Doc: "describe what a link points to rather than the link."})
	register("file.get_hash", fileGetHash, "Return the hex digest of a file: file.get_hash /etc/passwd [form=sha256].",
		path("the file."),
		states.Param{Name: "form", Type: states.String, Default: "sha256", Doc: "md5, sha1, sha224, sha256, sha384 or sha512."},
		states.Param{Name: "chunk_size", Type: states.Int, Doc: "accepted and ignored (the file is read in chunks anyway)."})
	register("file.contains", fileContains, "Return True when the file contains the text; False when it does not, or does not exist.",
		path("the file."),
		states.Param{Name: "text", Type: states.String, Required: true, Doc: "the text to look for."})
	register("file.search", fileSearch, "Return True when the regular expression matches in the file.",
		append([]states.Param{path("the file."),
			{Name: "pattern", Type: states.String, Required: true, Doc: "a Python regular expression, translated as file.replace's state does (no look-around or backreferences)."}},
			append(regexFlagParams(),
				states.Param{Name: "ignore_if_missing", Type: states.Bool, Default: false, Doc: "return False rather than fail when the file does not exist."},
				states.Param{Name: "multiline", Type: states.Bool, Default: false, Doc: "add MULTILINE and DOTALL to flags."})...)...)
	register("file.read", fileRead, "Return a file's content.",
		path("the file."),
		states.Param{Name: "binary", Type: states.Bool, Default: false, Doc: "accepted; the content is returned as it is either way."})
	register("file.write", fileWrite, `Write the lines given to a file, replacing it: file.write /etc/motd "line one" "line two".`,
		path("the file."),
		states.Param{Name: "args", Type: states.String, Many: true, Doc: "the lines, one an argument; each gets a newline."})
	register("file.append", fileAppend, `Append the lines given to a file (a newline is added first when it has none at its end): file.append /etc/motd "one more".`,
		path("the file."),
		states.Param{Name: "args", Type: states.String, Many: true, Doc: "the lines, one an argument; each gets a newline."})
	register("file.replace", fileReplace, "Replace what a regular expression matches in a file; return the diff (or, without show_changes, whether it changed).",
		append(append([]states.Param{path("the file."),
			{Name: "pattern", Type: states.String, Required: true, Doc: "a Python regular expression, translated as file.replace's state does."},
			{Name: "repl", Type: states.String, Required: true, Doc: `the replacement; \1 and \g<name> name groups, as in Python.`},
			{Name: "count", Type: states.Int, Default: 0, Doc: "replace at most this many matches; 0 replaces all."}},
			regexFlagParams()...),
			states.Param{Name: "append_if_not_found", Type: states.Bool, Default: false, Doc: "append repl (or not_found_content) when nothing matches."},
			states.Param{Name: "prepend_if_not_found", Type: states.Bool, Default: false, Doc: "prepend it when nothing matches."},
			states.Param{Name: "not_found_content", Type: states.String, Doc: "what to add when nothing matches (default: repl)."},
			states.Param{Name: "backup", Type: states.Any, Default: ".bak", Doc: "the suffix of a copy of the old file kept beside it; False keeps none."},
			states.Param{Name: "dry_run", Type: states.Bool, Default: false, Doc: "report, change nothing."},
			states.Param{Name: "search_only", Type: states.Bool, Default: false, Doc: "return whether the pattern matches, change nothing."},
			states.Param{Name: "show_changes", Type: states.Bool, Default: true, Doc: "return the diff rather than True/False."},
			states.Param{Name: "ignore_if_missing", Type: states.Bool, Default: false, Doc: "return False rather than fail when the file does not exist."},
			states.Param{Name: "backslash_literal", Type: states.Bool, Default: false, Doc: "take backslashes in repl literally."},
		)...)
	register("file.find", fileFind, "Return the paths under a directory that match every test given, as find(1): file.find /etc name='*.conf' type=f maxdepth=1.",
		path("the directory to search."),
		states.Param{Name: "name", Type: states.String, Doc: "a glob the base name matches, read as Salt's find reads it: * any run, ? one character or none, [..] a class."},
		states.Param{Name: "iname", Type: states.String, Doc: "name, ignoring case."},
		states.Param{Name: "regex", Type: states.String, Doc: "a Python regular expression that matches at the start of the base name (re.match)."},
		states.Param{Name: "iregex", Type: states.String, Doc: "regex, ignoring case."},
		states.Param{Name: "type", Type: states.String, Doc: "the kinds to keep, letters of f (file), d (directory), l (link), p (pipe), s (socket), b, c (devices)."},
		states.Param{Name: "user", Type: states.String, Doc: "the owner's name."},
		states.Param{Name: "group", Type: states.String, Doc: "the group's name."},
		states.Param{Name: "maxdepth", Type: states.Int, Doc: "descend at most this many levels (0: the path alone)."},
		states.Param{Name: "mindepth", Type: states.Int, Doc: "keep only paths at least this deep."},
		states.Param{Name: "size", Type: states.String, Doc: "[+-]N[bkmgt]: sizes that round to N in its unit (bytes by default), N and smaller (-) or N and larger (+)."},
		states.Param{Name: "mtime", Type: states.String, Doc: "an interval, [N w] [N d] [N h] [N m] [N s]: modified before it (ago), or within it with a leading -, as Salt's find."},
		states.Param{Name: "grep", Type: states.String, Doc: "a Python regular expression: keep the regular files whose contents it matches."},
		states.Param{Name: "print", Type: states.String, Doc: "what to return of each match instead of its path: some of path, name, size, type, mode, mtime, user, group, md5, separated by commas or blanks; one gives a value a match, several a list."})
	register("file.chown", fileChown, "Set a file's owner and group: file.chown /etc/app.conf root adm (through links, as Salt's; a broken link itself). None when done, else what went wrong, as the value: User does not exist, Group does not exist, File not found.",
		path("the file."),
		states.Param{Name: "user", Type: states.String, Required: true, Doc: "the owner, by name or uid; empty leaves it."},
		states.Param{Name: "group", Type: states.String, Required: true, Doc: "the group, by name or gid; empty leaves it."})
	register("file.chmod", fileChmod, "Set a file's mode and return it: file.chmod /etc/app.conf 0640.",
		path("the file."),
		states.Param{Name: "mode", Type: states.Mode, Required: true, Doc: "the mode, in octal."})
	register("file.remove", fileRemove, "Remove a file, a link or a whole directory; False when there was nothing there.",
		path("the path."))
	register("file.mkdir", fileMkdir, "Make a directory and its parents: file.mkdir /srv/app [user=app] [mode=0750].",
		states.Param{Name: "dir_path", Type: states.Path, Required: true, Doc: "the directory."},
		states.Param{Name: "user", Type: states.String, Doc: "the owner of the directories made."},
		states.Param{Name: "group", Type: states.String, Doc: "their group."},
		states.Param{Name: "mode", Type: states.Mode, Doc: "their mode (default 0755)."})
	register("file.touch", fileTouch, "Make a file if it is not there, and set its access and modification times (now by default).",
		states.Param{Name: "name", Type: states.Path, Required: true, Doc: "the file."},
		states.Param{Name: "atime", Type: states.Int, Doc: "the access time, in seconds since the epoch."},
		states.Param{Name: "mtime", Type: states.Int, Doc: "the modification time, in seconds since the epoch."})
	register("file.symlink", fileSymlink, "Make a symbolic link at path pointing to src: file.symlink /opt/app/current /srv/app.",
		states.Param{Name: "src", Type: states.String, Required: true, Doc: "what the link points to (as written in it; under --root, a path of the image)."},
		states.Param{Name: "path", Type: states.Path, Required: true, Doc: "the link."},
		states.Param{Name: "force", Type: states.Bool, Default: false, Doc: "replace whatever is at path."},
		states.Param{Name: "atomic", Type: states.Bool, Default: false, Doc: "replace it with a rename, so that the path never goes missing."})
}

// hostPath resolves a Path argument inside the host's root; followLast
// is as in rootfs.Resolve. The error names the argument.
func (c *call) hostPath(arg string, followLast bool) (string, error) {
	hp, err := rootfs.Resolve(c.host.Root, c.str(arg), followLast)
	if err != nil {
		return "", &states.ArgError{Func: c.fun, Arg: arg, Err: err}
	}
	return hp, nil
}

// rel is a host path as the caller names it: inside the root.
func (c *call) rel(hp string) string { return rootfs.Rel(c.host.Root, hp) }

func fileExists(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	fi, err := os.Stat(hp)
	// Python's os.path.isfile: a regular file (through links).
	return nested(err == nil && fi.Mode().IsRegular())
}

func fileDirExists(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	fi, err := os.Stat(hp)
	return nested(err == nil && fi.IsDir())
}

// fileType is Salt's name for a file's kind; its first letter is find's type letter (d, l, p, s, c, b, f).
func fileType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "dir"
	case m&fs.ModeSymlink != 0:
		return "link"
	case m&fs.ModeNamedPipe != 0:
		return "pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "char"
	case m&fs.ModeDevice != 0:
		return "block"
	}
	return "file"
}

// modeString is a mode as Salt prints one: "0644", "1777".
func modeString(m fs.FileMode) string {
	bits := uint32(m.Perm())
	if m&fs.ModeSetuid != 0 {
		bits |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		bits |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		bits |= 0o1000
	}
	return fmt.Sprintf("%04o", bits)
}

func fileStats(_ context.Context, c *call) Return {
	follow := c.boolean("follow_symlinks")
	hp, err := c.hostPath("path", follow)
	if err != nil {
		return failed(err.Error())
	}
	stat := os.Stat
	if !follow {
		stat = os.Lstat
	}
	fi, err := stat(hp)
	if err != nil {
		return commandError("Path not found: " + c.str("path"))
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return failed("file.stats: no stat data for " + c.str("path"))
	}
	db, _ := osuser.Load(c.host.Root)
	ret := map[string]any{
		"inode":  int64(st.Ino),
		"uid":    int(st.Uid),
		"gid":    int(st.Gid),
		"user":   nameOr(db, int(st.Uid), true),
		"group":  nameOr(db, int(st.Gid), false),
		"atime":  float64(st.Atim.Sec) + float64(st.Atim.Nsec)/1e9,
		"mtime":  float64(st.Mtim.Sec) + float64(st.Mtim.Nsec)/1e9,
		"ctime":  float64(st.Ctim.Sec) + float64(st.Ctim.Nsec)/1e9,
		"size":   fi.Size(),
		"mode":   modeString(fi.Mode()),
		"type":   fileType(fi.Mode()),
		"target": c.rel(hp),
	}
	// Salt's target is os.path.realpath of the path, links or not.
	if real, err := c.realPath(c.str("path")); err == nil {
		ret["target"] = real
	}
	if form := c.str("hash_type"); form != "" {
		sum, err := hashFile(hp, form)
		if err != nil {
			return failed(err.Error())
		}
		ret["sum"] = sum
	}
	return nested(ret)
}

// nameOr is a uid's (or gid's) name in the root's accounts, or the number
// as text when it has none, as Salt's uid_to_user does.
func nameOr(db *osuser.DB, id int, user bool) string {
	if db != nil {
		if user {
			if n := db.UserName(id); n != "" {
				return n
			}
		} else if n := db.GroupName(id); n != "" {
			return n
		}
	}
	return fmt.Sprint(id)
}

// newHash is a hash by Salt's name for it (hashlib's, in any case).
func newHash(form string) (hash.Hash, error) {
	if h, ok := hashlib.Attr(strings.ToLower(form)); ok {
		return h, nil
	}
	return nil, fmt.Errorf("invalid hash type %q: want md5, sha1, sha224, sha256, sha384, sha512 or sha3_224…sha3_512", form)
}

func hashFile(hp, form string) (string, error) {
	h, err := newHash(form)
	if err != nil {
		return "", err
	}
	f, err := os.Open(hp)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func fileGetHash(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	sum, err := hashFile(hp, c.str("form"))
	if err != nil {
		return failed(fmt.Sprintf("file.get_hash: %v", err))
	}
	return nested(sum)
}

func fileContains(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	data, err := os.ReadFile(hp)
	if err != nil {
		return nested(false)
	}
	// Salt's looks for str(text).strip().
	return nested(strings.Contains(string(data), strings.TrimSpace(c.str("text"))))
}

func fileSearch(_ context.Context, c *call) Return {
	f, missing, err := regexTarget(c)
	switch {
	case err != nil:
		return failed(err.Error())
	case missing:
		return nested(false)
	}
	return nested(f.re.Match(f.data))
}

// notFound words a missing file as Salt does.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("File not found")
	}
	return err
}

func fileRead(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	data, err := os.ReadFile(hp)
	if err != nil {
		return failed(fmt.Sprintf("file.read %s: %v", c.str("path"), notFound(err)))
	}
	return nested(string(data))
}

// writeFile replaces hp atomically, keeping the owner and mode of the file
// there (a new one gets 0644), as the file states write.
func writeFile(hp string, data []byte) error {
	return atomicfile.Write(hp, data, 0o644)
}

func fileLines(c *call) (string, int) {
	var b strings.Builder
	lines := c.strings("args")
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String(), len(lines)
}

func fileWrite(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	text, n := fileLines(c)
	if err := writeFile(hp, []byte(text)); err != nil {
		return failed(fmt.Sprintf("file.write: %v", err))
	}
	return nested(fmt.Sprintf("Wrote %d lines to \"%s\"", n, c.str("path")))
}

func fileAppend(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	old, err := os.ReadFile(hp)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failed(fmt.Sprintf("file.append: %v", err))
	}
	text, n := fileLines(c)
	if len(old) > 0 && old[len(old)-1] != '\n' {
		old = append(old, '\n')
	}
	if err := writeFile(hp, append(old, text...)); err != nil {
		return failed(fmt.Sprintf("file.append: %v", err))
	}
	return nested(fmt.Sprintf("Wrote %d lines to \"%s\"", n, c.str("path")))
}

func fileRemove(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", false)
	if err != nil {
		return failed(err.Error())
	}
	if root := c.host.Root; !rootfs.Live(root) && filepath.Clean(hp) == filepath.Clean(root) || hp == "/" {
		return failed("file.remove: refusing to remove the root itself")
	}
	fi, err := os.Lstat(hp)
	if err != nil {
		return nested(false)
	}
	if fi.IsDir() {
		err = os.RemoveAll(hp)
	} else {
		err = os.Remove(hp)
	}
	if err != nil {
		return commandError(fmt.Sprintf("Could not remove '%s': %v", c.str("path"), err))
	}
	return nested(true)
}

// ids reads a user and a group, by name or number, from the root's
// accounts; -1 leaves one alone (empty).
func ids(root, user, group string) (uid, gid int, err error) {
	uid, gid = -1, -1
	if user != "" {
		u, err := osuser.LookupUser(root, user)
		if err != nil {
			return 0, 0, fmt.Errorf("User does not exist: %s", user)
		}
		uid = u.UID
	}
	if group != "" {
		g, err := osuser.LookupGroup(root, group)
		if err != nil {
			return 0, 0, fmt.Errorf("Group does not exist: %s", group)
		}
		gid = g.GID
	}
	return uid, gid, nil
}

// fileChown is Salt's file.chown: what it could not do is its value,
// not an error ("User does not exist\n", "Group does not exist\n",
// "File not found"); a path that is there is chowned through its links
// (os.chown), a broken link itself (os.lchown); None when done.
func fileChown(_ context.Context, c *call) Return {
	var msg string
	uid, gid := -1, -1
	if u := c.str("user"); u != "" {
		if id, err := osuser.LookupUser(c.host.Root, u); err == nil {
			uid = id.UID
		} else {
			msg += "User does not exist\n"
		}
	}
	if g := c.str("group"); g != "" {
		if id, err := osuser.LookupGroup(c.host.Root, g); err == nil {
			gid = id.GID
		} else {
			msg += "Group does not exist\n"
		}
	}
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	if _, err := os.Stat(hp); err != nil {
		// A broken link: its own owner, as Salt's lchown.
		lp, lerr := c.hostPath("path", false)
		if lerr == nil && msg == "" {
			if fi, err := os.Lstat(lp); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
				if err := os.Lchown(lp, uid, gid); err != nil {
					return failed(fmt.Sprintf("file.chown: %v", err))
				}
				return nested(nil)
			}
		}
		msg += "File not found"
	}
	if msg != "" {
		return nested(msg)
	}
	if err := os.Chown(hp, uid, gid); err != nil {
		return failed(fmt.Sprintf("file.chown: %v", err))
	}
	return nested(nil)
}

func fileChmod(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", true)
	if err != nil {
		return failed(err.Error())
	}
	mode, _ := c.kw["mode"].(fs.FileMode)
	if _, err := os.Stat(hp); err != nil {
		return commandError(c.str("path") + ": File not found")
	}
	if err := os.Chmod(hp, mode); err != nil {
		return failed(fmt.Sprintf("file.chmod: %v", err))
	}
	fi, err := os.Stat(hp)
	if err != nil {
		return failed(fmt.Sprintf("file.chmod: %v", err))
	}
	return nested(modeString(fi.Mode()))
}

func fileMkdir(_ context.Context, c *call) Return {
	hp, err := c.hostPath("dir_path", true)
	if err != nil {
		return failed(err.Error())
	}
	mode := fs.FileMode(0o755)
	if m, ok := c.kw["mode"].(fs.FileMode); ok {
		mode = m
	}
	uid, gid, err := ids(c.host.Root, c.str("user"), c.str("group"))
	if err != nil {
		return failed(err.Error())
	}
	// The directories made are owned as asked; those there are left.
	var made []string
	for d := hp; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || d == filepath.Dir(d) {
			break
		}
		made = append(made, d)
	}
	for i := len(made) - 1; i >= 0; i-- {
		if err := os.Mkdir(made[i], mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return failed(fmt.Sprintf("file.mkdir: %v", err))
		}
		if err := os.Chmod(made[i], mode); err != nil {
			return failed(fmt.Sprintf("file.mkdir: %v", err))
		}
		if uid >= 0 || gid >= 0 {
			if err := os.Lchown(made[i], uid, gid); err != nil {
				return failed(fmt.Sprintf("file.mkdir: %v", err))
			}
		}
	}
	if fi, err := os.Stat(hp); err != nil || !fi.IsDir() {
		return failed(fmt.Sprintf("file.mkdir: %s exists and is not a directory", c.str("dir_path")))
	}
	return nested(true)
}

func fileTouch(_ context.Context, c *call) Return {
	hp, err := c.hostPath("name", true)
	if err != nil {
		return failed(err.Error())
	}
	f, err := os.OpenFile(hp, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return failed(fmt.Sprintf("file.touch: %v", err))
	}
	f.Close()
	now := time.Now()
	at, mt := now, now
	if c.has("atime") {
		at = time.Unix(int64(c.kw["atime"].(int)), 0)
	}
	if c.has("mtime") {
		mt = time.Unix(int64(c.kw["mtime"].(int)), 0)
	}
	if err := os.Chtimes(hp, at, mt); err != nil {
		return failed(fmt.Sprintf("file.touch: %v", err))
	}
	return nested(true)
}

func fileSymlink(_ context.Context, c *call) Return {
	hp, err := c.hostPath("path", false)
	if err != nil {
		return failed(err.Error())
	}
	src := c.str("src")
	if cur, err := os.Readlink(hp); err == nil && cur == src {
		return nested(true)
	}
	if _, err := os.Lstat(hp); err == nil {
		if !c.boolean("force") {
			return commandError("File exists: " + c.str("path"))
		}
		if !c.boolean("atomic") {
			if err := os.RemoveAll(hp); err != nil {
				return failed(fmt.Sprintf("file.symlink: %v", err))
			}
		}
	}
	if c.boolean("atomic") {
		tmp := filepath.Join(filepath.Dir(hp), "."+filepath.Base(hp)+atomicfile.TempMark+fmt.Sprint(os.Getpid()))
		_ = os.Remove(tmp)
		if err := os.Symlink(src, tmp); err != nil {
			return failed(fmt.Sprintf("file.symlink: %v", err))
		}
		if err := os.Rename(tmp, hp); err != nil {
			_ = os.Remove(tmp)
			return failed(fmt.Sprintf("file.symlink: %v (is %s a directory?)", err, c.str("path")))
		}
		return nested(true)
	}
	if err := os.Symlink(src, hp); err != nil {
		return failed(fmt.Sprintf("file.symlink: %v", err))
	}
	return nested(true)
}
