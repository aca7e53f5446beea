package jinja

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// whichExec is salt.utils.path.which, behind cmd.which and cmd.has_exec:
// a name with a "/" is itself the candidate, else each directory of
// $PATH and then the system directories $PATH lacks; the first regular
// file with an execute bit, as a path of the target (under root when
// set), or "" for none.
func whichExec(root, cmd string) string {
	if cmd == "" {
		return ""
	}
	cands := []string{cmd}
	if !strings.Contains(cmd, "/") {
		cands = cands[:0]
		dirs := filepath.SplitList(os.Getenv("PATH"))
		for _, d := range []string{"/bin", "/sbin", "/usr/bin", "/usr/sbin", "/usr/local/bin"} {
			if !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
		for _, dir := range dirs {
			if dir == "" {
				dir = "."
			}
			cands = append(cands, filepath.Join(dir, cmd))
		}
	}
	for _, p := range cands {
		real := p
		if root != "" && filepath.IsAbs(p) {
			r, err := rootfs.Resolve(root, p, true)
			if err != nil {
				continue
			}
			real = r
		}
		if fi, err := os.Stat(real); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// errAccessMode is a file.access mode other than f, r, w, x (or their
// os.*_OK numbers).
var errAccessMode = errors.New("Invalid mode specified.")

// accessModes are os.F_OK, R_OK, W_OK and X_OK.
var accessModes = map[string]uint32{"f": 0, "r": 4, "w": 2, "x": 1}

// fileAccess is Salt's file.access(path, mode): os.access of an absolute
// path (under root when set), mode f (exists), r, w or x.
func fileAccess(at func(string, bool) (string, error), args []any, kw map[string]any) (any, error) {
	p, err := strParam(args, kw, 0, "path")
	if err != nil {
		return nil, fmt.Errorf("file.access: %w", err)
	}
	if !filepath.IsAbs(p) {
		return nil, errors.New("file.access: Path to link must be absolute.")
	}
	var mode uint32
	switch m := param(args, kw, 1, "mode", nil).(type) {
	case string:
		v, ok := accessModes[m]
		if !ok {
			return nil, fmt.Errorf("file.access: %w", errAccessMode)
		}
		mode = v
	case int:
		if m != 0 && m != 1 && m != 2 && m != 4 {
			return nil, fmt.Errorf("file.access: %w", errAccessMode)
		}
		mode = uint32(m)
	default:
		return nil, fmt.Errorf("file.access: %w", errAccessMode)
	}
	real, err := at(p, true)
	if err != nil {
		return false, nil
	}
	return syscall.Access(real, mode) == nil, nil
}
