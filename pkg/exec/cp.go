package exec

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/atomicfile"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/pkg/tree"
	"github.com/brine-cm/brine/states"
)

// The cp.* functions, as Salt's cp module: files come from the state
// tree (salt://) through the host's file source, which on a minion is
// its fetcher (cached by hash, large files streamed); cp.recv_chunked
// takes the chunks `brine cp` sends, in jobs the master signed.

func init() {
	saltenv := states.Param{Name: "saltenv", Type: states.String, Doc: "the environment (default: the minion's, base); a ?saltenv= in the URL wins."}
	register("cp.get_file", cpGetFile, "Copy a file of the state tree to the host: cp.get_file salt://files/motd /etc/motd. Returns the path written; a file that cannot be fetched is an error (Salt returns \"\").",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the salt:// URL."},
		states.Param{Name: "dest", Type: states.Path, Required: true, Doc: "where to write it; a directory (or a path ending in /) gets the file's own name."},
		saltenv,
		states.Param{Name: "makedirs", Type: states.Bool, Default: false, Doc: "make dest's missing parent directories."},
		states.Param{Name: "template", Type: states.String, Doc: "jinja: render the file first, with grains and pillar."},
		states.Param{Name: "gzip", Type: states.Any, Doc: "accepted and ignored."})
	register("cp.cache_file", cpCacheFile, "Copy a file of the state tree into the minion's cache (cachedir/cached/SALTENV/PATH; Salt's is cachedir/files/…) and return where; False when the tree has no such file, as Salt's.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the salt:// URL."},
		saltenv,
		states.Param{Name: "source_hash", Type: states.String, Doc: "accepted and ignored: the file is fetched each time."})
	register("cp.get_file_str", cpGetFileStr, "Return the text of a file of the state tree, as cp.cache_file caches it; False when the tree has no such file, as Salt's.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the salt:// URL."},
		saltenv)
	register("cp.get_dir", cpGetDir, "Copy a directory of the state tree, recursively, into a directory of the host: cp.get_dir salt://app /srv makes /srv/app. Returns the files written.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the salt:// URL of the directory."},
		states.Param{Name: "dest", Type: states.Path, Required: true, Doc: "the directory to copy it into."},
		saltenv,
		states.Param{Name: "template", Type: states.String, Doc: "jinja: render each file first."},
		states.Param{Name: "gzip", Type: states.Any, Doc: "accepted and ignored."})
	register("cp.list_master", cpListMaster, "List the files of the state tree, sorted.",
		saltenv,
		states.Param{Name: "prefix", Type: states.String, Default: "", Doc: "only those under this path."})
	register("cp.hash_file", cpHashFile, "Return the sha256 of a file of the state tree: hsum and hash_type; empty when there is no such file.",
		states.Param{Name: "path", Type: states.String, Required: true, Doc: "the salt:// URL."},
		saltenv)
	register("cp.recv_chunked", cpRecvChunked, "Receive one chunk of a file `brine cp` pushes (Salt's salt-cp --chunked): the chunks go to a hidden file beside dest, which takes dest's name, atomically, with the last.",
		states.Param{Name: "dest", Type: states.Path, Required: true, Doc: "the file to write."},
		states.Param{Name: "chunk", Type: states.String, Required: true, Doc: "the chunk, base64 (of gzip with compressed)."},
		states.Param{Name: "append", Type: states.Bool, Default: false, Doc: "add to the chunks received so far; False starts the file over."},
		states.Param{Name: "compressed", Type: states.Bool, Default: true, Doc: "the chunk is gzip."},
		states.Param{Name: "mode", Type: states.Mode, Doc: "the file's mode (default 0644)."},
		states.Param{Name: "final", Type: states.Bool, Default: true, Doc: "the last chunk: the file takes dest's name."},
		states.Param{Name: "size", Type: states.Int, Doc: "with final, the size the whole file must have."})
}

// saltURL is path with the call's saltenv, unless it names one.
func saltURL(c *call, p string) (string, error) {
	if !strings.HasPrefix(p, "salt://") {
		return "", &states.ArgError{Func: c.fun, Arg: "path", Err: fmt.Errorf("%q: brine copies salt:// files only", p)}
	}
	if env := c.str("saltenv"); env != "" && !strings.Contains(p, "?saltenv=") {
		p += "?saltenv=" + env
	}
	if _, _, err := fileroot.ParseURL(p); err != nil {
		return "", &states.ArgError{Func: c.fun, Arg: "path", Err: err}
	}
	return p, nil
}

// fetch writes the file at url to hp: streamed from the source when it
// can (a minion's cache file), rendered first with a template.
func fetch(ctx context.Context, c *call, url, hp string) error {
	if tmpl := c.str("template"); tmpl != "" {
		if tmpl != "jinja" {
			return &states.ArgError{Func: c.fun, Arg: "template", Err: fmt.Errorf("%q: brine renders jinja", tmpl)}
		}
		src, err := c.host.Files.ReadFile(ctx, url)
		if err != nil {
			return err
		}
		r, err := newStateRun(ctx, c)
		if err != nil {
			return err
		}
		out, err := r.comp.Render(ctx, url, src, nil)
		if err != nil {
			return err
		}
		return atomicfile.Write(hp, out, 0o644)
	}
	if o, ok := c.host.Files.(states.FileOpener); ok {
		rc, _, err := o.Open(ctx, url)
		if err == nil {
			defer rc.Close()
			return atomicfile.WriteFrom(hp, rc, 0o644)
		}
		if !errors.Is(err, errors.ErrUnsupported) {
			return err
		}
	}
	data, err := c.host.Files.ReadFile(ctx, url)
	if err != nil {
		return err
	}
	return atomicfile.Write(hp, data, 0o644)
}

func cpGetFile(ctx context.Context, c *call) Return {
	url, err := saltURL(c, c.str("path"))
	if err != nil {
		return failed(err.Error())
	}
	dest := c.str("dest")
	rel, _, _ := fileroot.ParseURL(url)
	if hp, err := rootfs.Resolve(c.host.Root, dest, true); err == nil {
		if fi, err := os.Stat(hp); (err == nil && fi.IsDir()) || strings.HasSuffix(dest, "/") {
			dest = path.Join(dest, path.Base(rel))
		}
	}
	hp, err := rootfs.Resolve(c.host.Root, dest, true)
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "dest", Err: err}).Error())
	}
	if _, err := os.Stat(filepath.Dir(hp)); err != nil {
		if !c.boolean("makedirs") {
			return failed(fmt.Sprintf("cp.get_file: %s does not exist (makedirs=True makes it)", path.Dir(dest)))
		}
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			return failed(fmt.Sprintf("cp.get_file: %v", err))
		}
	}
	if err := fetch(ctx, c, url, hp); err != nil {
		return failed(fmt.Sprintf("cp.get_file %s: %v", c.str("path"), err))
	}
	return nested(c.rel(hp))
}

// cpCacheFile is Salt's cp.cache_file: the file goes to the minion's
// cache, on the host (not under --root), at cachedir/cached/ENV/PATH
// (Salt's cachedir/files is where a brine minion keeps the files it
// fetched by hash).
func cpCacheFile(ctx context.Context, c *call) Return {
	url, err := saltURL(c, c.str("path"))
	if err != nil {
		return failed(err.Error())
	}
	rel, env, _ := fileroot.ParseURL(url)
	if env == "" {
		env = c.host.Env
	}
	cachedir, _ := templateOpts(c.host, c.host.Env, false)["cachedir"].(string)
	dest := filepath.Join(cachedir, "cached", env, filepath.FromSlash(path.Clean("/"+rel)))
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return failed(fmt.Sprintf("cp.cache_file: %v", err))
	}
	if err := fetch(ctx, c, url, dest); err != nil {
		if states.IsNotExist(err) {
			c.host.Log.Error(fmt.Sprintf("Unable to cache file '%s' from saltenv '%s'.", c.str("path"), env))
			return nested(false)
		}
		return failed(fmt.Sprintf("cp.cache_file %s: %v", c.str("path"), err))
	}
	return nested(dest)
}

// cpGetFileStr is Salt's cp.get_file_str: cache_file, then the cached
// file's text (False when it could not be cached or read).
func cpGetFileStr(ctx context.Context, c *call) Return {
	r := cpCacheFile(ctx, c)
	fn, ok := r.Value.(string)
	if !ok || r.Retcode != 0 {
		return r
	}
	b, err := os.ReadFile(fn)
	if err != nil {
		return nested(false)
	}
	return nested(string(b))
}

func cpGetDir(ctx context.Context, c *call) Return {
	url, err := saltURL(c, c.str("path"))
	if err != nil {
		return failed(err.Error())
	}
	lister, ok := c.host.Files.(tree.FileLister)
	if !ok {
		return failed("cp.get_dir: the file source cannot list directories")
	}
	files, err := lister.ListDir(ctx, url)
	if err != nil {
		return failed(fmt.Sprintf("cp.get_dir %s: %v", c.str("path"), err))
	}
	rel, env, _ := fileroot.ParseURL(url)
	base := path.Base(rel)
	if rel == "" || rel == "." {
		base = ""
	}
	out := []string{}
	for _, f := range files {
		dest := path.Join(c.str("dest"), base, f)
		hp, err := rootfs.Resolve(c.host.Root, dest, true)
		if err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "dest", Err: err}).Error())
		}
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			return failed(fmt.Sprintf("cp.get_dir: %v", err))
		}
		src := "salt://" + path.Join(rel, f)
		if env != "" {
			src += "?saltenv=" + env
		}
		if err := fetch(ctx, c, src, hp); err != nil {
			return failed(fmt.Sprintf("cp.get_dir %s: %v", src, err))
		}
		out = append(out, c.rel(hp))
	}
	sort.Strings(out)
	return nested(out)
}

func cpListMaster(ctx context.Context, c *call) Return {
	lister, ok := c.host.Files.(tree.FileLister)
	if !ok {
		return failed("cp.list_master: the file source cannot list files")
	}
	url := "salt://." // the whole tree
	if env := c.str("saltenv"); env != "" {
		url += "?saltenv=" + env
	}
	files, err := lister.ListDir(ctx, url)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return failed(fmt.Sprintf("cp.list_master: %v", err))
	}
	prefix := strings.TrimPrefix(c.str("prefix"), "/")
	out := []string{}
	for _, f := range files {
		if strings.HasPrefix(f, prefix) {
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return nested(out)
}

func cpHashFile(ctx context.Context, c *call) Return {
	url, err := saltURL(c, c.str("path"))
	if err != nil {
		return failed(err.Error())
	}
	h := sha256.New()
	if o, ok := c.host.Files.(states.FileOpener); ok {
		rc, _, err := o.Open(ctx, url)
		switch {
		case err == nil:
			defer rc.Close()
			if _, err := io.Copy(h, rc); err != nil {
				return failed(fmt.Sprintf("cp.hash_file: %v", err))
			}
			return nested(map[string]any{"hsum": hex.EncodeToString(h.Sum(nil)), "hash_type": "sha256"})
		case errors.Is(err, fs.ErrNotExist):
			return nested(map[string]any{})
		case !errors.Is(err, errors.ErrUnsupported):
			return failed(fmt.Sprintf("cp.hash_file: %v", err))
		}
	}
	data, err := c.host.Files.ReadFile(ctx, url)
	if errors.Is(err, fs.ErrNotExist) {
		return nested(map[string]any{})
	}
	if err != nil {
		return failed(fmt.Sprintf("cp.hash_file: %v", err))
	}
	h.Write(data)
	return nested(map[string]any{"hsum": hex.EncodeToString(h.Sum(nil)), "hash_type": "sha256"})
}

// cpStaging is where the chunks of dest gather until the last: hidden
// beside it, named as atomicfile's temp files are, so that a sweep of
// what a dead run left finds it.
func cpStaging(hp string) string {
	return filepath.Join(filepath.Dir(hp), "."+filepath.Base(hp)+atomicfile.TempMark+"cp")
}

func cpRecvChunked(_ context.Context, c *call) Return {
	hp, err := c.hostPath("dest", true)
	if err != nil {
		return failed(err.Error())
	}
	raw, err := base64.StdEncoding.DecodeString(c.str("chunk"))
	if err != nil {
		return failed((&states.ArgError{Func: c.fun, Arg: "chunk", Err: err}).Error())
	}
	if c.boolean("compressed") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "chunk", Err: err}).Error())
		}
		// A chunk never holds more than a chunk: a bomb stops there.
		raw, err = io.ReadAll(io.LimitReader(zr, proto.CpChunkSize+1))
		if err != nil {
			return failed((&states.ArgError{Func: c.fun, Arg: "chunk", Err: err}).Error())
		}
	}
	if len(raw) > proto.CpChunkSize {
		return failed(fmt.Sprintf("cp.recv_chunked: a chunk larger than %d bytes", proto.CpChunkSize))
	}
	mode := fs.FileMode(0o644)
	if m, ok := c.kw["mode"].(fs.FileMode); ok {
		mode = m
	}
	if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
		return failed(fmt.Sprintf("cp.recv_chunked: %v", err))
	}
	stage := cpStaging(hp)
	flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
	if c.boolean("append") {
		flags = os.O_WRONLY | os.O_APPEND
	}
	f, err := os.OpenFile(stage, flags|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return failed(fmt.Sprintf("cp.recv_chunked %s: %v (a chunk to append to a transfer that did not start here?)", c.str("dest"), err))
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return failed(fmt.Sprintf("cp.recv_chunked: %v", err))
	}
	if !c.boolean("final") {
		if err := f.Close(); err != nil {
			return failed(fmt.Sprintf("cp.recv_chunked: %v", err))
		}
		return nested(true)
	}
	fi, err := f.Stat()
	if err == nil && c.has("size") && fi.Size() != int64(c.kw["size"].(int)) {
		err = fmt.Errorf("got %d bytes, want %d: a chunk went missing", fi.Size(), c.kw["size"].(int))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(stage, mode)
	}
	if err == nil {
		err = os.Rename(stage, hp)
	}
	if err != nil {
		_ = os.Remove(stage)
		return failed(fmt.Sprintf("cp.recv_chunked %s: %v", c.str("dest"), err))
	}
	return nested(map[string]any{c.rel(hp): true})
}
