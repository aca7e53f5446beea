package states

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

func init() {
	Register("mount.fstab_present", mountFstabPresent,
		Param{Name: "name", Type: String, Doc: "the device (fs_spec): a path, UUID=…, LABEL=…, or a pseudo source."},
		Param{Name: "fs_file", Type: String, Required: true, Doc: "the mount point."},
		Param{Name: "fs_vfstype", Type: String, Required: true, Doc: "the filesystem type."},
		Param{Name: "fs_mntops", Type: StringList, Doc: `mount options, a comma string or a list; "defaults" when not given.`},
		Param{Name: "fs_freq", Type: Int, Default: 0, Doc: "dump, fstab's fifth field."},
		Param{Name: "fs_passno", Type: Int, Default: 0, Doc: "pass, fstab's sixth field."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
		Param{Name: "match_on", Type: StringList, Doc: `as in mount.mounted; "auto" (the default) is the mount point.`},
	)
	Register("mount.fstab_absent", mountFstabAbsent,
		Param{Name: "name", Type: String, Doc: "the device (fs_spec)."},
		Param{Name: "fs_file", Type: String, Required: true, Doc: "the mount point."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
	)
}

// FstabPresent makes sure fstab has an entry, without mounting anything.
//
// Only the entry's own line changes (or one line is appended).
//
// Salt: mount_by and not_change are not supported; comments are Salt's; a dry run with the entry already there is True (Salt's is None).
func mountFstabPresent(ctx context.Context, req *Request) Result {
	args := map[string]any{"device": req.Name, "mount": false}
	for from, to := range map[string]string{"fs_vfstype": "fstype", "fs_mntops": "opts", "fs_freq": "dump",
		"fs_passno": "pass_num", "config": "config", "match_on": "match_on"} {
		if v, ok := req.Args.Get(from); ok {
			args[to] = v
		}
	}
	file := req.Args.String("fs_file", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if file == "" {
		return Failf(req.Name, "argument %q: required", "fs_file")
	}
	if _, ok := args["fstype"]; !ok {
		return Failf(req.Name, "argument %q: required", "fs_vfstype")
	}
	sub := *req
	sub.Name = file
	sub.Args = NewArgs(args)
	a, err := mountReadArgs(&sub, true)
	if err != nil {
		return Failf(req.Name, "%v", mountFstabArgName(err))
	}
	path, data, lines, err := mountReadFstab(req, a.config)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	out, status := fstabSet(data, lines, &a.want, a.matchOn)
	// The comments are those of Salt's fstab_present(), which words a
	// dry run and a real run differently.
	if status == "present" {
		word := map[bool]string{true: "is", false: "was"}[req.Test]
		return Result{Name: req.Name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("%s entry %s already in %s.", file, word, a.config)}
	}
	persist := map[string]string{"new": "new", "update": "change"}[status]
	changes := map[string]any{"persist": persist}
	verb := map[string]string{"new": "added in", "update": "updated in"}[status]
	if req.Test {
		verb = map[string]string{"new": "will be written in", "update": "will be updated in"}[status]
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("%s entry %s %s.", file, verb, a.config)}
	}
	if err := mountWriteFstab(path, a.config, out); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("%s entry %s %s.", file, verb, a.config)}
}

// FstabAbsent makes sure fstab has no entry for a device on a mount point.
//
// Every line with both the device and the mount point is removed; other
// lines keep their bytes. Nothing is unmounted (see mount.unmounted).
//
// Salt: same shapes and comments; changes {persist: removed}; a dry run with nothing to remove is True (Salt's is None).
func mountFstabAbsent(ctx context.Context, req *Request) Result {
	file := req.Args.String("fs_file", "")
	config := req.Args.String("config", "/etc/fstab")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if file == "" {
		return Failf(req.Name, "argument %q: required", "fs_file")
	}
	if !filepath.IsAbs(config) {
		return Failf(req.Name, "argument %q: %q is not an absolute path", "config", config)
	}
	path, data, lines, err := mountReadFstab(req, config)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	want := &fstabEntry{Device: req.Name, Name: filepath.Clean(file)}
	if file == "none" || file == "swap" {
		want.Name = file
	}
	out, n := fstabRemove(data, lines, want, []string{"device", "name"})
	if n == 0 {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("%s entry is already missing in %s.", file, config)}
	}
	changes := map[string]any{"persist": "removed"}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("%s entry will be removed from %s.", file, config)}
	}
	if err := mountWriteFstab(path, config, out); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("%s entry removed from %s.", file, config)}
}

// mountFstabArgName renames mount.mounted's argument names in an error to
// the fstab_present names the user wrote.
func mountFstabArgName(err error) error {
	ae, ok := err.(*ArgError)
	if !ok {
		return err
	}
	names := map[string]string{"name": "fs_file", "device": "name", "fstype": "fs_vfstype", "opts": "fs_mntops", "dump": "fs_freq", "pass_num": "fs_passno"}
	if n, ok := names[ae.Arg]; ok {
		return &ArgError{Arg: n, Err: ae.Err}
	}
	return err
}

// mountWriteFstab writes the fstab at path, the host path that
// mountReadFstab resolved for config.
func mountWriteFstab(path, config string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("fstab %s: %w", config, err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("fstab: %w", err)
	}
	return nil
}
