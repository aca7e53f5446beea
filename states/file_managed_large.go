package states

// file.managed with a large source: the source is compared, checked and
// copied as a stream, so that a gigabyte file costs a buffer of memory,
// not a gigabyte (a minion used to hold the whole of it, several times).

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

// FileOpener is an ability a FileSource may have besides ReadFile: it
// opens a salt:// file for reading without holding it in memory, and
// gives its size. file.managed copies a large source through it. As with
// ReadFile, a missing file matches fs.ErrNotExist.
type FileOpener interface {
	Open(ctx context.Context, url string) (io.ReadCloser, int64, error)
}

// fileLargeMin is the size of a source, or of the file it replaces, from
// which file.managed streams instead of reading both whole: past it a
// line diff is of no use to a reader, and the memory is of use to the
// host.
const fileLargeMin = 1 << 20

// fileCopyBuf is the buffer of each side of a compare.
const fileCopyBuf = 256 << 10

// fileLarge is a file.managed call with a source, no template, and its
// arguments read.
type fileLarge struct {
	path       string
	perms      filePerms
	follow     bool
	replace    bool
	create     bool
	makedirs   bool
	show       bool
	skipVerify bool
	backup     string
	sourceHash string
	dirMode    fs.FileMode
	// remote is a remote source, already downloaded and checked.
	remote *fileRemote
}

// managed runs the call when its source or its file is large, and says
// so. Otherwise it changes nothing and returns false, and file.managed
// goes its usual way, which also words every error about the arguments:
// a small source over a small file, a salt:// source the FileSource
// cannot open as a stream, no source that exists, or a file that is not
// a regular one.
func (l *fileLarge) managed(ctx context.Context, req *Request) (Result, bool) {
	fi, exists, ok := l.target()
	if !ok || (exists && !l.replace) || (!exists && !l.create) {
		return Result{}, false
	}
	src, size, ok, err := l.source(ctx, req)
	if err != nil {
		return fileFail(req, err), true
	}
	if !ok || (size < fileLargeMin && (!exists || fi.Size() < fileLargeMin)) {
		return Result{}, false
	}
	if h := cmp.Or(src.hash, l.sourceHash); h != "" && !l.skipVerify && l.remote == nil {
		h, err := fileResolveHash(ctx, req, req.Name, src.url, h, req.Args.String("source_hash_name", ""))
		if err != nil {
			return fileFail(req, err), true
		}
		err = l.withSource(ctx, req, src.url, func(r io.Reader) error {
			return fileVerifyHashFrom(src.url, fileCtxReader(ctx, r), h)
		})
		if err != nil {
			return fileFail(req, err), true
		}
	}
	changed := !exists || fi.Size() != size
	if !changed {
		same, err := l.same(ctx, req, src.url)
		if err != nil {
			return fileFail(req, err), true
		}
		changed = !same
	}
	changes := map[string]any{}
	if changed {
		d, err := l.diff(ctx, req, src.url, exists)
		if err != nil {
			return fileFail(req, err), true
		}
		changes["diff"] = d
	}
	newMode := fileDefaultMode
	if l.perms.hasMode {
		newMode = l.perms.mode
	}
	var old fs.FileInfo
	if exists {
		old = fi
	}
	filePermChanges(l.perms, old, newMode, changes)
	if !exists {
		if err := fileEnsureParent(req, l.path, l.makedirs, l.perms, l.dirMode); err != nil {
			return fileFail(req, err), true
		}
	}
	if req.Test || len(changes) == 0 {
		return fileResultFor(req, changes, ""), true
	}
	if changed {
		if err := l.write(ctx, req, src.url, old, newMode); err != nil {
			return fileFail(req, err), true
		}
	}
	if err := fileApplyPerms(l.path, l.perms, false); err != nil {
		return fileFail(req, err), true
	}
	return fileResultFor(req, changes, "File "+req.Name+" updated"), true
}

// target stats the managed file: exists, or not (a link that is to be
// replaced counts as none). ok is false for anything file.managed's usual
// way must word: a directory, a device, an error.
func (l *fileLarge) target() (fi fs.FileInfo, exists, ok bool) {
	if !l.follow {
		if fi, err := os.Lstat(l.path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			return nil, false, true // the rename of the new file replaces the link
		}
	}
	fi, err := os.Stat(l.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, false, true
	case err != nil || !fi.Mode().IsRegular():
		return nil, false, false
	}
	return fi, true, true
}

// source finds the first source that exists, as fileManagedContent does,
// and returns it with its size. ok is false when a source cannot be
// streamed, or none exists.
func (l *fileLarge) source(ctx context.Context, req *Request) (src fileSource, size int64, ok bool, err error) {
	if l.remote != nil {
		fi, err := os.Stat(l.remote.local)
		if err != nil || !fi.Mode().IsRegular() {
			return fileSource{}, 0, false, nil
		}
		return fileSource{url: l.remote.url}, fi.Size(), true, nil
	}
	srcs, err := fileSources(&req.Args, "source")
	if err != nil {
		return fileSource{}, 0, false, nil
	}
	for _, s := range srcs {
		r, size, ok, err := l.open(ctx, req, s.url)
		if !ok {
			return fileSource{}, 0, false, nil
		}
		if IsNotExist(err) {
			continue
		}
		if err != nil {
			return fileSource{}, 0, false, fmt.Errorf("source %s: %w", s.url, err)
		}
		r.Close()
		return s, size, true, nil
	}
	return fileSource{}, 0, false, nil
}

// open opens one source. ok is false for a source that cannot be opened
// as a stream: a salt:// URL with a FileSource that is no FileOpener, a
// local path that leaves the root or is no regular file.
func (l *fileLarge) open(ctx context.Context, req *Request, u string) (r io.ReadCloser, size int64, ok bool, err error) {
	if l.remote != nil && u == l.remote.url {
		f, err := os.Open(l.remote.local)
		if err != nil {
			return nil, 0, true, err
		}
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, 0, false, nil
		}
		return f, fi.Size(), true, nil
	}
	if strings.HasPrefix(u, "salt://") {
		var o FileOpener
		if req.Env != nil {
			o, _ = req.Env.Files.(FileOpener)
		}
		if o == nil {
			return nil, 0, false, nil
		}
		r, size, err := o.Open(ctx, u)
		return r, size, true, err
	}
	lp, err := fileRootPath(req, strings.TrimPrefix(u, "file://"), true)
	if err != nil {
		return nil, 0, false, nil
	}
	f, err := os.Open(lp)
	if err != nil {
		return nil, 0, true, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, 0, false, nil
	}
	return f, fi.Size(), true, nil
}

// withSource opens the source u again and hands it to fn.
func (l *fileLarge) withSource(ctx context.Context, req *Request, u string, fn func(io.Reader) error) error {
	r, _, _, err := l.open(ctx, req, u)
	if err == nil && r == nil {
		err = fmt.Errorf("can no longer be opened: %w", fs.ErrNotExist)
	}
	if err != nil {
		return fmt.Errorf("source %s: %w", u, err)
	}
	defer r.Close()
	return fn(r)
}

// same compares the source with the managed file, which has its size.
func (l *fileLarge) same(ctx context.Context, req *Request, u string) (bool, error) {
	cur, err := os.Open(l.path)
	if err != nil {
		return false, err
	}
	defer cur.Close()
	same := true
	err = l.withSource(ctx, req, u, func(src io.Reader) error {
		a, b := make([]byte, fileCopyBuf), make([]byte, fileCopyBuf)
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			n, errA := io.ReadFull(src, a)
			m, errB := io.ReadFull(cur, b)
			if n != m || !bytes.Equal(a[:n], b[:m]) {
				same = false
				return nil
			}
			eofA := errors.Is(errA, io.EOF) || errors.Is(errA, io.ErrUnexpectedEOF)
			eofB := errors.Is(errB, io.EOF) || errors.Is(errB, io.ErrUnexpectedEOF)
			switch {
			case errA != nil && !eofA:
				return fmt.Errorf("source %s: %w", u, errA)
			case errB != nil && !eofB:
				return fmt.Errorf("read %s: %w", l.path, errB)
			case eofA || eofB:
				same = eofA && eofB
				return nil
			}
		}
	})
	return same, err
}

// diff is the "diff" change of a large file: no line diff, but Salt's
// words for a binary file when either is one.
func (l *fileLarge) diff(ctx context.Context, req *Request, u string, exists bool) (string, error) {
	switch {
	case !exists:
		return "New file", nil // Salt says so even with show_changes: False
	case !l.show:
		return "<show_changes=False>", nil
	}
	// fileIsBinary looks at 8 KiB; the bytes past them let it tell a cut
	// rune from a bad one.
	var head []byte
	err := l.withSource(ctx, req, u, func(r io.Reader) error {
		var err error
		head, err = io.ReadAll(io.LimitReader(r, 8192+8))
		return err
	})
	if err != nil {
		return "", err
	}
	cur, err := os.Open(l.path)
	if err != nil {
		return "", err
	}
	defer cur.Close()
	curHead, err := io.ReadAll(io.LimitReader(cur, 8192+8))
	if err != nil {
		return "", fmt.Errorf("read %s: %w", l.path, err)
	}
	if fileIsBinary(head) || fileIsBinary(curHead) {
		return "Replace binary file", nil
	}
	return fmt.Sprintf("Replace text file (no line diff past %d MiB)", fileLargeMin>>20), nil
}

// write replaces the managed file with the source, keeping a backup of
// the old one when asked, as fileCheckApply does for content in memory.
func (l *fileLarge) write(ctx context.Context, req *Request, u string, old fs.FileInfo, newMode fs.FileMode) error {
	if old != nil && l.backup != "" {
		dst, err := fileBackupPath(req, l.path, l.backup)
		if err != nil {
			return err
		}
		cur, err := os.Open(l.path)
		if err != nil {
			return fmt.Errorf("backup %s: %w", l.path, err)
		}
		err = fileWriteFrom(ctx, dst, cur, old.Mode().Perm())
		cur.Close()
		if err != nil {
			return fmt.Errorf("backup %s: %w", l.path, err)
		}
	}
	if err := l.withSource(ctx, req, u, func(r io.Reader) error { return fileWriteFrom(ctx, l.path, r, newMode) }); err != nil {
		return err
	}
	// Set again a kept setuid or setgid bit, which the chown cleared (as
	// fileCheckApply does).
	if old != nil && !l.perms.hasMode && old.Mode()&(fs.ModeSetuid|fs.ModeSetgid) != 0 {
		if err := os.Chmod(l.path, fileModeBits(old.Mode())); err != nil {
			return fmt.Errorf("chmod %s: %w", l.path, err)
		}
	}
	return nil
}

// fileWriteFrom replaces path with what r holds (atomicfile.WriteFrom):
// when the file exists its owner and mode are kept; otherwise it gets
// perm. As with atomicfile.Write, durability is the state run's syncfs at
// its end. The copy stops when ctx ends.
func fileWriteFrom(ctx context.Context, path string, r io.Reader, perm fs.FileMode) error {
	return atomicfile.WriteFrom(path, fileCtxReader(ctx, r), perm)
}

// fileCopySpan is how much a fileCtxReader copies between looks at its
// context: within a span, a copy from file to file is the kernel's
// (copy_file_range), with no buffer at all.
const fileCopySpan = 64 << 20

// fileCtxReader reads r until ctx ends: a long copy stops with its state.
func fileCtxReader(ctx context.Context, r io.Reader) io.Reader {
	return &fileCtxStream{ctx: ctx, r: r}
}

type fileCtxStream struct {
	ctx context.Context
	r   io.Reader
}

func (s *fileCtxStream) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	return s.r.Read(p)
}

// WriteTo copies in spans, so that io.Copy into a file (atomicfile's)
// still hands the file a LimitedReader of the source, which
// os.File.ReadFrom copies in the kernel, and looks at ctx between spans.
func (s *fileCtxStream) WriteTo(w io.Writer) (int64, error) {
	var n int64
	for {
		if err := s.ctx.Err(); err != nil {
			return n, err
		}
		k, err := io.CopyN(w, s.r, fileCopySpan)
		n += k
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
