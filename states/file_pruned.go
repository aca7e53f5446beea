package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"
)

func init() {
	Register("file.pruned", filePruned,
		fileName("the directory to remove when it is empty."),
		Param{Name: "recurse", Type: Bool, Default: false, Doc: "also remove the empty directories under it (deepest first); name goes too once it is empty."},
		Param{Name: "ignore_errors", Type: Bool, Default: false, Doc: "with recurse, succeed when some directories went even though others (not empty) stayed."},
		Param{Name: "older_than", Type: Int, Doc: "remove only directories last modified more than this many days ago (0: any)."},
	)
}

// filePruned removes a directory, and with recurse the empty directories
// under it, as Salt 3006's file.pruned with modules/file.py rmdir: a
// directory that is not empty stays, and the state fails unless
// ignore_errors and something went. Changes are {deleted: NAME}, or with
// recurse {deleted: [every directory removed]}; on a failure {deleted,
// errors: [[path, error]]}.
//
// Salt: the dry run reports what the real run removes (Salt's says
// {deleted: NAME} whatever recurse finds, and does not fail for a
// directory that is not empty). Errors read as Python's OSError
// ("[Errno 39] Directory not empty: 'X'").
func filePruned(ctx context.Context, req *Request) Result {
	path, err := fileArgPath(req)
	if err != nil {
		return fileFail(req, err)
	}
	a := &req.Args
	recurse := a.Bool("recurse", false)
	ignoreErrors := a.Bool("ignore_errors", false)
	days := a.Int("older_than", 0)
	if err := a.Err(); err != nil {
		return fileFail(req, err)
	}
	name := filepath.Clean(req.Name)
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Directory " + name + " is not present"}
	}
	var before time.Time
	if days > 0 {
		before = time.Now().Add(-time.Duration(days) * 24 * time.Hour)
	}
	p := filePrune{dry: req.Test, before: before, errors: []any{}, gone: map[string]bool{}, touched: map[string]bool{}}
	res := p.rmdir(path, name, recurse)
	deleted := make([]any, len(p.deleted))
	for i, d := range p.deleted {
		deleted[i] = d
	}
	r := Result{Name: req.Name, Result: True, Changes: map[string]any{}}
	switch {
	case res && recurse && len(p.deleted) > 0:
		sorted := slices.Clone(p.deleted)
		sort.Strings(sorted)
		ds := make([]any, len(sorted))
		for i, d := range sorted {
			ds[i] = d
		}
		r.Comment = "Recursively removed empty directories under " + name
		r.Changes["deleted"] = ds
	case res && !recurse:
		r.Comment = "Removed directory " + name
		r.Changes["deleted"] = name
	case res:
		// rmdir succeeded having removed nothing: Salt says nothing.
	case ignoreErrors && len(p.deleted) > 0:
		r.Comment = fmt.Sprintf("Removed %d empty directories under %s", len(p.deleted), name)
		r.Changes = map[string]any{"deleted": deleted, "errors": p.errors}
	default:
		r.Result = False
		r.Comment = "Failed to remove directory " + name
		r.Changes = map[string]any{"deleted": deleted, "errors": p.errors}
	}
	if req.Test && r.Result == True && len(r.Changes) > 0 {
		r.Result = None
		r.Comment = "Directory " + name + " is set for removal"
	}
	return r
}

// filePrune is one run of Salt's rmdir(path, recurse, verbose=True,
// older_than), for real or as a dry run that only records what would go.
type filePrune struct {
	dry     bool
	before  time.Time // zero: any age
	deleted []string  // names as the image sees them, in removal order
	errors  []any     // [path, error] pairs
	gone    map[string]bool
	touched map[string]bool // directories a removal under them made new
}

// old reports whether the directory is old enough to go: a removal in it
// has just changed its mtime, as it does for Salt's os.rmdir.
func (p *filePrune) old(host string) bool {
	if p.before.IsZero() {
		return true
	}
	if p.touched[host] {
		return false
	}
	fi, err := os.Stat(host)
	return err == nil && fi.ModTime().Before(p.before)
}

// remove removes one directory, or in a dry run checks that it would go:
// it holds nothing but directories that went.
func (p *filePrune) remove(host string) error {
	if !p.dry {
		return os.Remove(host)
	}
	ents, err := os.ReadDir(host)
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !p.gone[filepath.Join(host, e.Name())] {
			return &os.PathError{Op: "rmdir", Path: host, Err: syscall.ENOTEMPTY}
		}
	}
	return nil
}

func (p *filePrune) try(host, logical string) bool {
	if err := p.remove(host); err != nil {
		p.errors = append(p.errors, []any{logical, filePyOSError(err, logical)})
		return false
	}
	p.gone[host] = true
	p.touched[filepath.Dir(host)] = true
	p.deleted = append(p.deleted, logical)
	return true
}

// rmdir is modules/file.py rmdir: with recurse, every directory under
// path, deepest first (os.walk topdown=False), then path itself.
func (p *filePrune) rmdir(host, logical string, recurse bool) bool {
	ret := false
	if recurse {
		p.walk(host, logical)
		ret = len(p.errors) == 0
	}
	if p.old(host) {
		if p.try(host, logical) {
			ret = ret || !recurse
		} else {
			ret = false
		}
	}
	return ret
}

// walk removes the directories under dir, each after those under it.
func (p *filePrune) walk(host, logical string) {
	ents, err := os.ReadDir(host)
	if err != nil {
		return
	}
	var dirs []os.DirEntry
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, e)
		}
	}
	for _, d := range dirs {
		p.walk(filepath.Join(host, d.Name()), filepath.Join(logical, d.Name()))
	}
	for _, d := range dirs {
		h := filepath.Join(host, d.Name())
		if p.old(h) {
			p.try(h, filepath.Join(logical, d.Name()))
		}
	}
}

// filePyOSError is err as Python's OSError prints it: "[Errno 39]
// Directory not empty: '/x'".
func filePyOSError(err error, path string) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return fmt.Sprintf("[Errno %d] %s: '%s'", int(errno), msg, path)
}
