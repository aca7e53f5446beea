// Package rootfs confines paths to a root directory, the folder of an image
// that brine manages with --root. Every path a state touches under a root
// goes through Resolve, so that neither a ".." in an argument nor a
// symlink planted in the image can make brine read or write the host.
//
// Resolve works as chroot(2) would see the path: ".." and symlinks are
// resolved one component at a time against the files under the root, and
// an absolute link target (Debian's /var/run -> /run) starts again at the
// root rather than at the host's "/". Unlike chroot, where "/.." is "/",
// a ".." that would climb above the root is refused: it only ever comes
// from a mistake or from an image built to escape, and saying so beats
// quietly writing somewhere else.
//
// The check happens before the caller's open or rename, so a process that
// swaps links inside the image at the same moment can still race it; brine
// assumes the image is not being changed by anyone else while it runs.
package rootfs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// MaxHops is how many symlinks one resolution follows before it gives up
// with ELOOP; 40 is Linux's own limit (MAXSYMLINKS).
const MaxHops = 40

// EscapeError is the error for a path that would resolve outside its
// root. Callers decide on it with errors.As.
type EscapeError struct {
	Root string // the root, as given
	Path string // the path asked for, as seen inside the root
	// Link is the symlink, as a path inside the root, whose target led
	// out, and Target that target; both are empty when Path's own ".."
	// climbs above the root.
	Link, Target string
}

func (e *EscapeError) Error() string {
	if e.Link != "" {
		return fmt.Sprintf("%q resolves outside the root %s (through the link %s -> %s)", e.Path, e.Root, e.Link, e.Target)
	}
	return fmt.Sprintf("%q resolves outside the root %s", e.Path, e.Root)
}

// Live reports whether root means the host itself ("" or "/"), where
// there is nothing to confine to.
func Live(root string) bool { return root == "" || filepath.Clean(root) == "/" }

// Resolve returns the host path of p, a path inside root (a relative p
// is read from the root's "/"). Symlinks among p's directories are
// followed inside the root; the last element is followed too when
// followLast is true, and left as it is otherwise, for callers that act
// on a link itself (lstat, rename over it, remove it).
//
// Elements that do not exist are kept as they are, so a file or directory
// about to be made resolves through its existing parents, and a dangling
// link resolves to where its target would be made.
//
// The error is an *EscapeError for a path that would leave the root, an
// fs.PathError matching syscall.ELOOP after MaxHops links, and the lstat
// or readlink error otherwise. With root "" or "/" the path is only
// cleaned: the host's own paths need no confinement.
func Resolve(root, p string, followLast bool) (string, error) {
	if !filepath.IsAbs(p) {
		p = "/" + p
	}
	if Live(root) {
		return filepath.Clean(p), nil
	}
	// todo is the work still to do; a link's target is put in front of
	// the rest, so that ".." after a link climbs from the link's target,
	// as the kernel does, and not lexically from the link.
	todo := elems(p, "", "")
	cur := "/" // the path resolved so far, inside the root, with no links in it
	hops := 0
	for len(todo) > 0 {
		e := todo[0]
		todo = todo[1:]
		switch e.name {
		case "", ".":
			continue
		case "..":
			if cur == "/" {
				return "", &EscapeError{Root: root, Path: p, Link: e.link, Target: e.target}
			}
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, e.name)
		if !followLast && isLast(todo) {
			cur = next
			continue
		}
		host := filepath.Join(root, next)
		fi, err := os.Lstat(host)
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
			// Missing: what follows cannot exist either, but ".." may
			// still bring the walk back to something that does.
			cur = next
			continue
		case err != nil:
			return "", fmt.Errorf("resolve %s in %s: %w", p, root, err)
		case fi.Mode()&fs.ModeSymlink == 0:
			cur = next
			continue
		}
		if hops++; hops > MaxHops {
			return "", &fs.PathError{Op: "resolve", Path: p, Err: syscall.ELOOP}
		}
		target, err := os.Readlink(host)
		if err != nil {
			return "", fmt.Errorf("resolve %s in %s: %w", p, root, err)
		}
		if filepath.IsAbs(target) {
			cur = "/" // chroot's view: an absolute target starts at the root
		}
		todo = append(elems(target, next, target), todo...)
	}
	return filepath.Join(root, cur), nil
}

// elem is one element of a path still to resolve, with the link whose
// target it came from ("" for the path asked for), so that an escape
// names the link to blame.
type elem struct{ name, link, target string }

func elems(p, link, target string) []elem {
	names := strings.Split(p, "/")
	out := make([]elem, len(names))
	for i, n := range names {
		out[i] = elem{n, link, target}
	}
	return out
}

// isLast reports whether nothing but empty and "." elements is left, so
// that "/etc/x/" and "/etc/x/." still treat x as the last element.
func isLast(todo []elem) bool {
	for _, e := range todo {
		if e.name != "" && e.name != "." {
			return false
		}
	}
	return true
}

// Rel turns a path Resolve returned back into the path inside the root,
// for messages: "/etc/fstab" rather than "/mnt/image/etc/fstab". A path
// not under root is returned as it is.
func Rel(root, hostPath string) string {
	if Live(root) {
		return hostPath
	}
	rel, err := filepath.Rel(root, hostPath)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return hostPath
	}
	return filepath.Join("/", rel)
}
