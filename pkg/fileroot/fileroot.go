// Package fileroot serves files from state-tree roots on local disk, for
// `brine call --local` and for the master's file server. It confines every
// path to its roots: no "..", no absolute paths, no symlink that escapes.
package fileroot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// DefaultEnv is Salt's default environment.
const DefaultEnv = "base"

// ErrEscape is returned for a path that leaves its root.
var ErrEscape = errors.New("path escapes the file root")

// Roots maps an environment (saltenv) to its root directories, searched in
// order; the first root that has the file wins, as in Salt's file_roots.
type Roots map[string][]string

// ParseURL splits salt://path?saltenv=env into a clean relative path and
// the environment ("" when the URL names none).
func ParseURL(raw string) (rel, env string, err error) {
	s, ok := strings.CutPrefix(raw, "salt://")
	if !ok {
		return "", "", fmt.Errorf("%q: not a salt:// URL", raw)
	}
	if p, q, found := strings.Cut(s, "?"); found {
		s = p
		v, err := url.ParseQuery(q)
		if err != nil {
			return "", "", fmt.Errorf("%q: %w", raw, err)
		}
		env = v.Get("saltenv")
	}
	rel, err = Clean(s)
	if err != nil {
		return "", "", fmt.Errorf("%q: %w", raw, err)
	}
	return rel, env, nil
}

// Clean checks a relative path and returns its clean form. It refuses
// absolute paths and any ".." element.
func Clean(p string) (string, error) {
	if p == "" {
		return "", fmt.Errorf("empty path")
	}
	if strings.HasPrefix(p, "/") || strings.Contains(p, "\\") || strings.ContainsRune(p, 0) {
		return "", ErrEscape
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return "", ErrEscape
		}
	}
	return path.Clean(p), nil
}

// Resolve finds rel in env's roots and returns the file's absolute path on
// disk, after following symlinks and checking the result is still inside
// the root it was found in.
func (r Roots) Resolve(env, rel string) (string, error) {
	if env == "" {
		env = DefaultEnv
	}
	rel, err := Clean(rel)
	if err != nil {
		return "", err
	}
	dirs, ok := r[env]
	if !ok {
		return "", fmt.Errorf("environment %q: %w", env, fs.ErrNotExist)
	}
	for _, dir := range dirs {
		root, err := realRoot(dir)
		if err != nil {
			continue
		}
		real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return "", err
		}
		if !within(real, root) {
			return "", fmt.Errorf("%s: %w", rel, ErrEscape)
		}
		return real, nil
	}
	return "", fmt.Errorf("salt://%s in environment %q: %w", rel, env, fs.ErrNotExist)
}

// Source reads salt:// URLs from the roots. It implements states.FileSource.
//
// With Memo set, a Source remembers what it read, so that a template used
// by 900 states is resolved and read once: set it on a Source that lives
// for one run, never on a long-lived one (a master's), which must see
// edits. The caller must not change the content it gets back.
type Source struct {
	Roots Roots
	Env   string // the default environment, when a URL names none
	Memo  bool

	mu    sync.Mutex
	cache map[string][]byte
}

// parseURL is ParseURL with the Source's default environment for a URL
// that names none.
func (s *Source) parseURL(raw string) (rel, env string, err error) {
	rel, env, err = ParseURL(raw)
	if err != nil {
		return "", "", err
	}
	if env == "" {
		env = s.Env
	}
	return rel, env, nil
}

// ReadFile reads one salt:// URL.
func (s *Source) ReadFile(ctx context.Context, raw string) ([]byte, error) {
	rel, env, err := s.parseURL(raw)
	if err != nil {
		return nil, err
	}
	key := env + "\x00" + rel
	s.mu.Lock()
	b, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return b, nil
	}
	p, err := s.Roots.Resolve(env, rel)
	if err != nil {
		return nil, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("salt://%s is a directory: %w", rel, fs.ErrNotExist)
	}
	b, err = os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if !s.Memo {
		return b, nil
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string][]byte{}
	}
	s.cache[key] = b
	s.mu.Unlock()
	return b, nil
}

// Open opens one salt:// URL for reading without reading it into memory
// (states.FileOpener), and returns its size. It does not use the Memo: a
// file opened this way is one too large to keep.
func (s *Source) Open(ctx context.Context, raw string) (io.ReadCloser, int64, error) {
	rel, env, err := s.parseURL(raw)
	if err != nil {
		return nil, 0, err
	}
	p, err := s.Roots.Resolve(env, rel)
	if err != nil {
		return nil, 0, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	if fi.IsDir() {
		f.Close()
		return nil, 0, fmt.Errorf("salt://%s is a directory: %w", rel, fs.ErrNotExist)
	}
	return f, fi.Size(), nil
}

// List returns every regular file under the directory rel of env's roots,
// relative to it and slash-separated, sorted: file.recurse's view of a
// salt:// directory. As with Salt's file_roots, the roots are merged and
// the first root that has a path wins. Entries whose symlinks leave their
// root are left out. A directory that no root has gives fs.ErrNotExist.
func (r Roots) List(env, rel string) ([]string, error) {
	if env == "" {
		env = DefaultEnv
	}
	rel, err := Clean(rel)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	found := false
	for _, dir := range r[env] {
		root, err := realRoot(dir)
		if err != nil {
			continue
		}
		base, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
		if err != nil || !within(base, root) {
			continue
		}
		fi, err := os.Stat(base)
		if err != nil || !fi.IsDir() {
			continue
		}
		found = true
		err = filepath.WalkDir(base, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil // unreadable entries are left out, as Salt's walk does
			}
			real, err := filepath.EvalSymlinks(p)
			if err != nil || !within(real, root) {
				if d.IsDir() && p != base {
					return fs.SkipDir
				}
				return nil
			}
			st, err := os.Stat(real)
			if err != nil || !st.Mode().IsRegular() {
				return nil
			}
			name, err := filepath.Rel(base, p)
			if err == nil {
				seen[filepath.ToSlash(name)] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("salt://%s in environment %q: %w", rel, env, fs.ErrNotExist)
	}
	out := make([]string, 0, len(seen))
	for name := range seen {
		out = append(out, name)
	}
	sort.Strings(out)
	return out, nil
}

// Envs lists the environments that have roots (tree.EnvLister), sorted.
func (s *Source) Envs(context.Context) ([]string, error) {
	out := make([]string, 0, len(s.Roots))
	for env := range s.Roots {
		out = append(out, env)
	}
	sort.Strings(out)
	return out, nil
}

// ListSymlinks lists the symlinks of env's tree (tree.SymlinkLister).
func (s *Source) ListSymlinks(_ context.Context, env string) (map[string]string, error) {
	if env == "" {
		env = s.Env
	}
	return s.Roots.Symlinks(env)
}

// Symlinks returns the symlinks under env's roots, as Salt's roots
// backend lists them for cp.list_master_symlinks (salt/fileserver/roots.py
// _file_lists "links"): each link's path relative to its root, to what
// the link says (readlink), when Salt's reckoning of the destination
// stays inside the root: a destination starting with ".." is joined to
// the link itself, any other to the link's directory, then resolved.
// Links to directories are not followed into, so that no walk loops; a
// path more than one root has is the first root's. An environment with no
// roots has no links.
func (r Roots) Symlinks(env string) (map[string]string, error) {
	if env == "" {
		env = DefaultEnv
	}
	out := map[string]string{}
	for _, dir := range r[env] {
		root, err := realRoot(dir)
		if err != nil {
			continue
		}
		_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == root || d.Type()&fs.ModeSymlink == 0 {
				return nil // unreadable entries are left out, as Salt's walk does
			}
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return nil
			}
			rel = filepath.ToSlash(rel)
			if _, ok := out[rel]; ok {
				return nil
			}
			dest, err := os.Readlink(p)
			if err != nil {
				return nil
			}
			joined := filepath.Join(filepath.Dir(p), dest)
			if strings.HasPrefix(dest, "..") {
				joined = filepath.Join(p, dest)
			} else if filepath.IsAbs(dest) {
				joined = filepath.Clean(dest)
			}
			if real, err := filepath.EvalSymlinks(joined); err == nil {
				joined = real
			}
			if within(joined, root) {
				out[rel] = dest
			}
			return nil
		})
	}
	return out, nil
}

// ListDir lists a salt:// directory (states.FileLister).
func (s *Source) ListDir(ctx context.Context, raw string) ([]string, error) {
	rel, env, err := s.parseURL(raw)
	if err != nil {
		return nil, err
	}
	return s.Roots.List(env, rel)
}

// realRoot is a root directory as an absolute path with its symlinks
// followed: the form that within compares paths against. A root that does
// not resolve (one that does not exist) is an error: every caller passes
// over it.
func realRoot(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return filepath.EvalSymlinks(abs)
}

// within reports whether path is root or under it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, root+string(filepath.Separator))
}

// FS is env's roots as one read-only file system: a name is looked up in
// each root in turn, and the first that has it wins, as for salt:// URLs.
// Each lookup goes through os.Root, so that no "..", absolute path or
// symlink can lead out of the root it started in.
func (r Roots) FS(env string) fs.FS {
	if env == "" {
		env = DefaultEnv
	}
	return rootsFS(r[env])
}

type rootsFS []string

func (dirs rootsFS) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	for _, dir := range dirs {
		root, err := os.OpenRoot(dir)
		if err != nil {
			continue
		}
		f, err := root.Open(name)
		root.Close()
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
}
