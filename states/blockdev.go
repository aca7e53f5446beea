package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

func init() {
	Register("blockdev.formatted", blockdevFormatted,
		Param{Name: "name", Type: String, Doc: "the block device (or image file) to format."},
		Param{Name: "fs_type", Type: String, Default: "ext4", Doc: "the file system: what mkfs.<fs_type> makes."},
		Param{Name: "force", Type: Bool, Default: false, Doc: "pass mkfs its force flag (-F for ext*, -f for xfs and btrfs)."},
		Param{Name: "inode_size", Type: Int, Doc: "ext*'s inode size (-i)."},
		Param{Name: "lazy_itable_init", Type: Int, Doc: "ext*'s lazy_itable_init (0 or 1)."},
		Param{Name: "fat", Type: Int, Doc: "vfat's FAT size (-F)."},
		saltKwargs,
	)
}

// blockdevType is Salt's _checkblk: the file system type blkid sees, ""
// for none.
func blockdevType(ctx context.Context, path string) string {
	out, _ := exec.CommandContext(ctx, "blkid", "-o", "value", "-s", "TYPE", path).Output()
	return strings.TrimSpace(string(out))
}

// blockdevFormatted makes sure a block device holds a file system of a
// type, with mkfs (util-linux, and e2fsprogs, xfsprogs… for the type),
// reading the type with blkid. A device with another file system is
// formatted over it: mkfs destroys its data.
//
// Changes are {new: fs_type, old: fs_type}: Salt reads the type again
// after mkfs and reports that as old too.
//
// Salt: comments and changes are Salt 3006's blockdev.formatted and
// disk.format (mkfs -t TYPE, then sync); Salt retries blkid for 30 s
// when it reads nothing after mkfs, brine reads it once; under --root the
// device is the root's path.
func blockdevFormatted(ctx context.Context, req *Request) Result {
	fsType := req.Args.String("fs_type", "ext4")
	force := req.Args.Bool("force", false)
	inodeSize := req.Args.Int("inode_size", 0)
	lazy, hasLazy := req.Args.Int("lazy_itable_init", 0), req.Args.Has("lazy_itable_init")
	fat := req.Args.Int("fat", 0)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if _, err := os.Stat(hp); err != nil {
		return Failf(req.Name, "%s does not exist", req.Name)
	}
	if _, err := exec.LookPath("blkid"); err != nil {
		return Failf(req.Name, "blkid is not installed (util-linux): %v", err)
	}
	if blockdevType(ctx, hp) == fsType {
		return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s already formatted with %s", req.Name, fsType), Changes: map[string]any{}}
	}
	if strings.ContainsAny(fsType, "/ ") || fsType == "" {
		return Failf(req.Name, "Invalid fs_type: %s", fsType)
	}
	if _, err := exec.LookPath("mkfs." + fsType); err != nil {
		return Failf(req.Name, "Invalid fs_type: %s", fsType)
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Changes to %s will be applied ", req.Name), Changes: map[string]any{"new": fsType, "old": fsType}}
	}
	argv := []string{"mkfs", "-t", fsType}
	switch {
	case strings.HasPrefix(fsType, "ext"):
		if inodeSize > 0 {
			argv = append(argv, "-i", fmt.Sprint(inodeSize))
		}
		if hasLazy {
			argv = append(argv, "-E", fmt.Sprintf("lazy_itable_init=%d", lazy))
		}
		if force {
			argv = append(argv, "-F")
		}
	case fsType == "vfat":
		if fat > 0 {
			argv = append(argv, "-F", fmt.Sprint(fat))
		}
	case fsType == "xfs" || fsType == "btrfs":
		if force {
			argv = append(argv, "-f")
		}
	}
	argv = append(argv, hp)
	if out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput(); err != nil {
		req.Log().Error("blockdev.formatted: mkfs failed", "device", req.Name, "err", err, "output", string(out))
		return Failf(req.Name, "Failed to format %s", req.Name)
	}
	exec.CommandContext(ctx, "sync").Run()
	if cur := blockdevType(ctx, hp); cur != fsType {
		return Failf(req.Name, "Failed to format %s", req.Name)
	}
	return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("%s has been formatted with %s", req.Name, fsType), Changes: map[string]any{"new": fsType, "old": fsType}}
}
