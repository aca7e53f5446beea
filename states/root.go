package states

// Every path a state reads or writes under --root goes through rootPath,
// which confines it to the root with rootfs.Resolve: a ".." or a symlink
// planted in the image cannot make a state touch the host. Modules call it
// once per path, before they read anything, and use the path it returns
// for the read and for the write, so that both see the same file.

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/brine-cm/brine/pkg/osuser"
	"github.com/brine-cm/brine/pkg/rootfs"
)

// rootPath returns the host path of p, the value (or the default) of the
// argument arg, inside the request's root. A p that is not absolute, or
// that resolves outside the root, is an *ArgError naming arg, wrapping the
// *rootfs.EscapeError; with arg "" (a file no argument names, such as
// /etc/shadow) the error is returned bare. followLast is as in
// rootfs.Resolve: true for a file read and rewritten in place, false for
// one replaced or removed as a link.
func rootPath(req *Request, arg, p string, followLast bool) (string, error) {
	wrap := func(err error) error {
		if arg == "" {
			return err
		}
		return &ArgError{Arg: arg, Err: err}
	}
	if !filepath.IsAbs(p) {
		return "", wrap(fmt.Errorf("%q is not an absolute path", p))
	}
	hp, err := rootfs.Resolve(req.Root, p, followLast)
	if err != nil {
		return "", wrap(err)
	}
	return hp, nil
}

// rootReadFile reads the file p of the root (see rootPath); a file that
// does not exist reads as nil, as a fresh image may lack it.
func rootReadFile(req *Request, arg, p string) ([]byte, error) {
	hp, err := rootPath(req, arg, p, true)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(hp)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	return b, nil
}

// rootAccountPaths returns the host paths of the root's passwd and group
// files, resolved as rootPath does (arg is the argument whose lookup
// reads them, for the error).
func rootAccountPaths(req *Request, arg string) (passwd, group string, err error) {
	if passwd, err = rootPath(req, arg, "/etc/passwd", true); err != nil {
		return "", "", err
	}
	if group, err = rootPath(req, arg, "/etc/group", true); err != nil {
		return "", "", err
	}
	return passwd, group, nil
}

// rootAccounts is osuser.Load for the request's root, with both files
// reached through rootPath: an image whose /etc/passwd is a link to the
// host's would otherwise lend the host's accounts to the image.
func rootAccounts(req *Request, arg string) (*osuser.DB, error) {
	pw, err := rootReadFile(req, arg, "/etc/passwd")
	if err != nil {
		return nil, err
	}
	gr, err := rootReadFile(req, arg, "/etc/group")
	if err != nil {
		return nil, err
	}
	return &osuser.DB{Users: osuser.ParsePasswd(pw), Groups: osuser.ParseGroup(gr)}, nil
}
