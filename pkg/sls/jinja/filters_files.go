package jinja

// Salt's file filters (salt/utils/files.py is_text, is_binary, is_empty,
// list_files; salt/utils/hashutils.py get_hash): they read the minion's
// files, here as the run's salt functions do, under SaltContext.Root
// (or its Files) when set.

import (
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"syscall"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/py/hashlib"
	"github.com/brine-cm/brine/pkg/rootfs"
)

// hostVar holds the render's *saltCtx among the variables, under a name
// no template can write.
const hostVar = "\x00host"

func addFileFilters() {
	filters["is_text_file"] = fIsTextFile
	filters["is_bin_file"] = fIsBinFile
	filters["is_empty"] = func(e *env, v any, _ []any, _ map[string]any) (any, error) {
		p, err := pathArg(v)
		if err != nil {
			return nil, err
		}
		fi, err := e.hostStat(p)
		// a missing file, or a parent that cannot be read: False
		return err == nil && fi.Size() == 0, nil
	}
	filters["file_hashsum"] = fFileHashsum
	filters["list_files"] = fListFiles
}

func pathArg(v any) (string, error) {
	p, ok := normalize(v).(string)
	if !ok {
		return "", fmt.Errorf("stat: path should be string, bytes, os.PathLike or integer, not %s", typeName(v))
	}
	return p, nil
}

func (e *env) host() *saltCtx {
	if e == nil || e.rs == nil {
		return nil
	}
	c, _ := e.rs.vars[hostVar].(*saltCtx)
	return c
}

// hostPath is where p is for the host the run is for: inside Root, links
// resolved there (the last one when follow); relative paths as they are.
func (e *env) hostPath(p string, follow bool) (string, error) {
	c := e.host()
	if c == nil || c.Root == "" || !filepath.IsAbs(p) {
		return p, nil
	}
	return rootfs.Resolve(c.Root, p, follow)
}

func (e *env) hostStat(p string) (fs.FileInfo, error) {
	if c := e.host(); c != nil && c.Files != nil {
		return fs.Stat(c.Files, confinedPath(p))
	}
	real, err := e.hostPath(p, true)
	if err != nil {
		return nil, err
	}
	return os.Stat(real)
}

func (e *env) hostOpen(p string) (io.ReadCloser, error) {
	if c := e.host(); c != nil && c.Files != nil {
		return c.Files.Open(confinedPath(p))
	}
	real, err := e.hostPath(p, true)
	if err != nil {
		return nil, err
	}
	return os.Open(real)
}

func (e *env) hostReadDir(p string) ([]fs.DirEntry, error) {
	if c := e.host(); c != nil && c.Files != nil {
		return fs.ReadDir(c.Files, confinedPath(p))
	}
	real, err := e.hostPath(p, true)
	if err != nil {
		return nil, err
	}
	return os.ReadDir(real)
}

// hostHead reads at most n bytes of the file at p.
func (e *env) hostHead(p string, n int) ([]byte, error) {
	f, err := e.hostOpen(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, int64(n)))
}

// textBytes are the bytes is_text counts as text.
func isTextByte(b byte, formfeed bool) bool {
	return b >= 32 && b < 127 || b == '\n' || b == '\r' || b == '\t' || b == '\b' || formfeed && b == '\f'
}

// fIsTextFile is salt.utils.files.is_text: the first blocksize bytes have
// no NUL and are UTF-8, or at most 30% of them are not text; an empty
// file is text, one that cannot be read is not.
func fIsTextFile(e *env, v any, args []any, kw map[string]any) (any, error) {
	p, err := pathArg(v)
	if err != nil {
		return nil, err
	}
	block, err := e.hostHead(p, intArg(args, kw, 0, "blocksize", 512))
	if err != nil {
		return false, nil
	}
	for _, b := range block {
		if b == 0 {
			return false, nil
		}
	}
	if len(block) == 0 || utf8.Valid(block) {
		return true, nil
	}
	nontext := 0
	for _, b := range block {
		if !isTextByte(b, true) {
			nontext++
		}
	}
	return float64(nontext)/float64(len(block)) <= 0.30, nil
}

// fIsBinFile is salt.utils.files.is_binary: not a regular file is False;
// the first 2048 bytes that are not UTF-8 are binary; else
// salt.utils.stringutils.is_binary of the text: a NUL, or more than 30%
// of its characters outside printable ASCII and \n \r \t \b.
func fIsBinFile(e *env, v any, _ []any, _ map[string]any) (any, error) {
	p, err := pathArg(v)
	if err != nil {
		return nil, err
	}
	if fi, err := e.hostStat(p); err != nil || !fi.Mode().IsRegular() {
		return false, nil
	}
	data, err := e.hostHead(p, 2048)
	if err != nil {
		return false, nil
	}
	if !utf8.Valid(data) {
		return true, nil
	}
	text := string(data)
	if text == "" {
		return false, nil
	}
	chars, nontext := 0, 0
	for _, r := range text {
		chars++
		if r == 0 {
			return true, nil
		}
		if r >= utf8.RuneSelf || !isTextByte(byte(r), false) {
			nontext++
		}
	}
	return float64(nontext)/float64(chars) > 0.30, nil
}

// fFileHashsum is salt.utils.hashutils.get_hash(path, form='sha256'): the
// hex digest of the file; a missing file is an error.
func fFileHashsum(e *env, v any, args []any, kw map[string]any) (any, error) {
	p, err := pathArg(v)
	if err != nil {
		return nil, err
	}
	form, err := toStr(arg(args, kw, 0, "form", "sha256"))
	if err != nil {
		return nil, err
	}
	h, ok := hashlib.Attr(form)
	if !ok {
		return nil, fmt.Errorf("Invalid hash type: %s", form)
	}
	f, err := e.hostOpen(p)
	if err != nil {
		return nil, fmt.Errorf("file_hashsum %s: %w", p, err)
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("file_hashsum %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// maxListFiles bounds list_files, as range() is bounded.
const maxListFiles = maxRange

// fListFiles is salt.utils.files.list_files: the directory itself and
// every file and directory under it (salt.utils.path.safe_walk, which
// follows links to directories once each), as os.path.join writes them.
// Salt gives them in a set's order, which changes from run to run;
// brine sorts them.
func fListFiles(e *env, v any, _ []any, _ map[string]any) (any, error) {
	top, err := pathArg(v)
	if err != nil {
		return nil, err
	}
	seen := map[[2]uint64]bool{}
	set := map[string]bool{top: true}
	var walk func(dir string, depth int) error
	walk = func(dir string, depth int) error {
		ents, err := e.hostReadDir(dir)
		if err != nil || depth > maxNesting {
			return nil // safe_walk skips what it cannot list
		}
		if fi, err := e.hostStat(dir); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Ino != 0 {
				node := [2]uint64{uint64(st.Dev), st.Ino}
				if seen[node] {
					return nil
				}
				seen[node] = true
			}
		}
		for _, ent := range ents {
			full := pyJoin(dir, ent.Name())
			if len(set) >= maxListFiles {
				return fmt.Errorf("list_files: more than %d files", maxListFiles)
			}
			set[full] = true
			if fi, err := e.hostStat(full); err == nil && fi.IsDir() {
				if err := walk(full, depth+1); err != nil {
					return err
				}
			}
		}
		return nil
	}
	if err := walk(top, 0); err != nil {
		return nil, err
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return stringList(out), nil
}

// pyJoin is os.path.join of two parts.
func pyJoin(a, b string) string {
	switch {
	case path.IsAbs(b):
		return b
	case a == "" || a[len(a)-1] == '/':
		return a + b
	}
	return a + "/" + b
}
