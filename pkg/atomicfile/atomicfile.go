// Package atomicfile writes files so that a reader sees the old content or
// the new, never a half-written file: a temp file in the same directory,
// then a rename over the old one.
//
// Durability is a separate, batched step. An fsync per file costs about
// 2 ms on the disks brine runs on, which would make a 900-file state run
// take seconds, so Write leaves the data to the page cache and a state run
// calls SyncFS once at its end. WriteSync is for the few files that must be
// on disk before the caller goes on (keys, credentials).
//
// WriteFrom and WriteFromSync do the same from a stream, for files too
// large to hold in memory: a gigabyte costs a copy buffer, or nothing
// when the stream can write itself (io.WriterTo) or is a file the kernel
// copies (copy_file_range).
package atomicfile

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// TempMark is in the name of every temp file, which is "." + the file's
// base name + TempMark + random digits, in the file's directory: a
// caller that sweeps what a dead process left behind looks for it.
const TempMark = ".brine-"

// Write replaces path with data. When the file exists its owner and mode
// are kept; otherwise it gets perm and the process's owner. The caller
// sets other ownership afterwards if it manages that.
func Write(path string, data []byte, perm fs.FileMode) error {
	return write(path, bytes.NewReader(data), perm, false)
}

// WriteSync is Write, with the file and its directory flushed to disk
// before it returns.
func WriteSync(path string, data []byte, perm fs.FileMode) error {
	return write(path, bytes.NewReader(data), perm, true)
}

// WriteFrom is Write with the content read from r until io.EOF. An error
// from r, the first one, fails the write and leaves path as it was: a
// stream that checks its content (a hash) as it goes refuses it by
// returning an error instead of io.EOF at the end. The copy is io.Copy's,
// so r's WriteTo writes straight into the temp file when r has one.
func WriteFrom(path string, r io.Reader, perm fs.FileMode) error {
	return write(path, r, perm, false)
}

// WriteFromSync is WriteFrom, with the file and its directory flushed to
// disk before it returns: the file is on disk before it has its name.
func WriteFromSync(path string, r io.Reader, perm fs.FileMode) error {
	return write(path, r, perm, true)
}

// SyncFS flushes the filesystem that holds path to disk: the one
// durability step at the end of a state run.
func SyncFS(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	defer f.Close()
	if err := unix.Syncfs(int(f.Fd())); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	return nil
}

// write replaces path with what r holds; Write's bytes come as a
// bytes.Reader, whose WriteTo makes one write of them.
func write(path string, r io.Reader, perm fs.FileMode, sync bool) error {
	uid, gid := -1, -1
	if fi, err := os.Stat(path); err == nil {
		perm = fi.Mode().Perm() | fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)
		if st, ok := fi.Sys().(*syscall.Stat_t); ok {
			uid, gid = int(st.Uid), int(st.Gid)
		}
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+TempMark+"*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := io.Copy(tmp, r); err != nil {
		return fail(err)
	}
	// chown before chmod: chown clears the setuid and setgid bits.
	if uid >= 0 {
		if err := tmp.Chown(uid, gid); err != nil && !os.IsPermission(err) {
			return fail(err)
		}
	}
	if err := tmp.Chmod(perm); err != nil {
		return fail(err)
	}
	if sync {
		if err := tmp.Sync(); err != nil {
			return fail(err)
		}
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if sync {
		if d, err := os.Open(dir); err == nil {
			d.Sync() // best effort: the rename is already visible
			d.Close()
		}
	}
	return nil
}
