// Package tree is the vocabulary the stages of a run share about the
// state tree, with no code behind it: how files are read from the tree
// (salt:// URLs), how templates are rendered, and the key a state's
// result is kept under. It imports nothing of brine's, so that the
// renderer, the compiler, pillar and the master can speak of the tree
// without linking the state modules.
package tree

import (
	"context"
	"strings"
)

// FileSource reads files from the state tree, addressed as salt://path
// (optionally salt://path?saltenv=env). A file that does not exist gives an
// error that matches fs.ErrNotExist, so a source list can try the next one.
type FileSource interface {
	ReadFile(ctx context.Context, url string) ([]byte, error)
}

// FileLister lists a salt:// directory (file.recurse): every regular
// file under it, relative to it, slash-separated, sorted.
type FileLister interface {
	ListDir(ctx context.Context, url string) ([]string, error)
}

// SymlinkLister lists the symlinks of an environment's tree
// (cp.list_master_symlinks): each link's path relative to the root of the
// tree, slash-separated, to where it points as the link says it.
type SymlinkLister interface {
	ListSymlinks(ctx context.Context, env string) (map[string]string, error)
}

// EnvLister lists the environments of the state tree, as Salt's file
// server's envs: a highstate reads the top file of each (top.Merge).
// The order does not matter; the caller orders them as Salt does.
type EnvLister interface {
	Envs(ctx context.Context) ([]string, error)
}

// Renderer renders a template (file.managed's `template: jinja`) with the
// given variables added to the usual grains, pillar and salt context.
type Renderer interface {
	Render(ctx context.Context, name string, src []byte, vars map[string]any) ([]byte, error)
}

// Key returns Salt's result key for a state call: "file_|-ID_|-NAME_|-managed".
func Key(fun, id, name string) string {
	mod, f, _ := strings.Cut(fun, ".")
	return mod + "_|-" + id + "_|-" + name + "_|-" + f
}
