package states

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// fidMknodRoot makes a root with /dev in it and, when pre is set, a node
// made ahead (type bits, device numbers, mode).
func fidMknod(name string, args map[string]any, pre func(root string) error) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		if args["ntype"] != "p" && os.Geteuid() != 0 {
			t.Skip("making a device node needs root (CAP_MKNOD)")
		}
		root := fileTestRoot(t)
		if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
			t.Fatal(err)
		}
		if pre != nil {
			if err := pre(root); err != nil {
				t.Skipf("cannot make the node ahead: %v", err)
			}
		}
		return func(test bool) Result { return fileCall(t, root, "file.mknod", name, args, test) }
	}
}

func TestSaltFidelityFileMknod(t *testing.T) {
	mk := func(p string, bits uint32, maj, min uint32, mode uint32) func(root string) error {
		return func(root string) error {
			full := filepath.Join(root, p)
			if err := unix.Mknod(full, bits|mode, int(unix.Mkdev(maj, min))); err != nil {
				return err
			}
			return os.Chmod(full, os.FileMode(mode))
		}
	}
	fidRunAll(t, []fidCase{{
		name:   "file.mknod: a fifo pipe created",
		salt:   "states/file.py mknod(); modules/file.py mknod_fifo()",
		setup:  fidMknod("/dev/fifo", map[string]any{"ntype": "p", "mode": "0640"}, nil),
		test:   fidW(None, "Fifo pipe /dev/fifo is set to be created", map[string]any{"new": "Fifo pipe /dev/fifo created."}),
		real:   fidW(True, "", map[string]any{"new": "Fifo pipe /dev/fifo created."}),
		rerun:  fidW(True, "Fifo pipe /dev/fifo is in the correct state", nil),
		retest: fidW(True, "Fifo pipe /dev/fifo is in the correct state", nil),
	}, {
		name:   "file.mknod: a character device created",
		salt:   "mknod(); modules/file.py mknod_chrdev()",
		setup:  fidMknod("/dev/null2", map[string]any{"ntype": "c", "major": 1, "minor": 3, "mode": "0666"}, nil),
		test:   fidW(None, "Character device /dev/null2 is set to be created", map[string]any{"new": "Character device /dev/null2 created."}),
		real:   fidW(True, "", map[string]any{"new": "Character device /dev/null2 created."}),
		rerun:  fidW(True, "Character device /dev/null2 is in the correct state", nil),
		retest: fidW(True, "Character device /dev/null2 is in the correct state", nil),
	}, {
		name:  "file.mknod: a block device created (default mode 0600)",
		salt:  "mknod(); modules/file.py mknod_blkdev()",
		setup: fidMknod("/dev/loop9", map[string]any{"ntype": "b", "major": 7, "minor": 9}, nil),
		test:  fidW(None, "Block device /dev/loop9 is set to be created", map[string]any{"new": "Block device /dev/loop9 created."}),
		real:  fidW(True, "", map[string]any{"new": "Block device /dev/loop9 created."}),
		rerun: fidW(True, "Block device /dev/loop9 is in the correct state", nil),
	}, {
		name:  "file.mknod: an existing device, its mode changed",
		salt:  "mknod(), check_perms() of the node (Salt's comment is empty)",
		setup: fidMknod("/dev/null2", map[string]any{"ntype": "c", "major": 1, "minor": 3, "mode": "0666"}, mk("dev/null2", unix.S_IFCHR, 1, 3, 0o600)),
		test:  fidW(None, "Character device /dev/null2 is set to be updated", map[string]any{"mode": "0666"}),
		real:  fidW(True, "Character device /dev/null2 updated", map[string]any{"mode": "0666"}),
		rerun: fidW(True, "Character device /dev/null2 is in the correct state", nil),
	}, {
		name:  "file.mknod: a device of other numbers",
		salt:  "mknod(), the get_devmm() branch",
		setup: fidMknod("/dev/null2", map[string]any{"ntype": "c", "major": 1, "minor": 5}, mk("dev/null2", unix.S_IFCHR, 1, 3, 0o600)),
		test:  fidW(False, "Character device /dev/null2 exists and has a different major/minor 1/3. Refusing to continue", nil),
		real:  fidW(False, "Character device /dev/null2 exists and has a different major/minor 1/3. Refusing to continue", nil),
	}, {
		name: "file.mknod: a regular file in the way",
		salt: "mknod(), the file.file_exists() branch",
		setup: fidMknod("/dev/fifo", map[string]any{"ntype": "p"}, func(root string) error {
			return os.WriteFile(filepath.Join(root, "dev/fifo"), nil, 0o644)
		}),
		test: fidW(False, "File /dev/fifo exists and is not a fifo pipe. Refusing to continue", nil),
		real: fidW(False, "File /dev/fifo exists and is not a fifo pipe. Refusing to continue", nil),
	}, {
		name:  "file.mknod: a node of another type",
		salt:  "modules/file.py mknod_fifo(): os.mkfifo's EEXIST",
		setup: fidMknod("/dev/null2", map[string]any{"ntype": "p"}, mk("dev/null2", unix.S_IFCHR, 1, 3, 0o600)),
		test:  fidW(False, "File /dev/null2 exists and cannot be overwritten", nil),
	}, {
		name:  "file.mknod: an unknown node type",
		salt:  "mknod(), the last else",
		setup: fidMknod("/dev/x", map[string]any{"ntype": "s"}, nil),
		test:  fidW(False, "Node type unavailable: 's'. Available node types are character ('c'), block ('b'), and pipe ('p')", nil),
	}})
}

// TestFileMknodMode: the node gets the mode asked for, whatever the umask.
func TestFileMknodMode(t *testing.T) {
	root := fileTestRoot(t)
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	old := unix.Umask(0o077)
	defer unix.Umask(old)
	if r := fileCall(t, root, "file.mknod", "/run/f", map[string]any{"ntype": "p", "mode": "0664"}, false); r.Result != True {
		t.Fatalf("%v %q", r.Result, r.Comment)
	}
	fi, err := os.Lstat(filepath.Join(root, "run/f"))
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 || fi.Mode().Perm() != 0o664 {
		t.Errorf("made %v (%v); want a fifo with mode 0664", fi.Mode(), err)
	}
}
