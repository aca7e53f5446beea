package testbed

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// NewOverlay mounts a fresh overlayfs with lower as its read-only layer
// and returns the merged folder. Writes land in a per-test upper layer,
// so the cached root stays clean. It is unmounted and removed in
// t.Cleanup.
func NewOverlay(t testing.TB, lower string) string {
	t.Helper()
	if err := RequireRoot(); err != nil {
		t.Fatal(err)
	}
	base := t.TempDir()
	upper, work, merged := filepath.Join(base, "upper"), filepath.Join(base, "work"), filepath.Join(base, "root")
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A container root must be traversable by every user in it.
	os.Chmod(base, 0o755)
	opts := "lowerdir=" + lower + ",upperdir=" + upper + ",workdir=" + work
	if err := syscall.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		t.Fatalf("testbed: mount overlay on %s: %v", merged, err)
	}
	// Registered after TempDir, so it runs before the folder is removed.
	t.Cleanup(func() { unmount(t, merged) })
	return merged
}

// unmount detaches a mount, retrying while it is busy (a container that
// is still going away), and lazily as a last resort.
func unmount(t testing.TB, dir string) {
	var err error
	for i := 0; i < 20; i++ {
		if err = syscall.Unmount(dir, 0); err == nil || errors.Is(err, syscall.EINVAL) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("testbed: unmount %s: %v; detaching lazily", dir, err)
	if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
		t.Errorf("testbed: unmount %s: %v", dir, err)
	}
}

// CopyFile copies a host file into root at path (absolute in the root),
// creating parent folders, with the given mode.
func CopyFile(src, root, path string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	dst := filepath.Join(root, path)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode)
}

// WriteFiles writes files under root; keys are absolute paths in the root.
func WriteFiles(root string, files map[string]string) error {
	for p, content := range files {
		dst := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}
