package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

func init() {
	Register("mount.mounted", mountMounted,
		Param{Name: "name", Type: String, Doc: `the mount point (absolute); "none" or "swap" for a swap entry.`},
		Param{Name: "device", Type: String, Required: true, Doc: `what to mount: a path, UUID=…, LABEL=…, PARTUUID=…, or a pseudo source such as "none" or "tmpfs".`},
		Param{Name: "fstype", Type: String, Required: true, Doc: "the filesystem type."},
		Param{Name: "opts", Type: StringList, Doc: `mount options, a comma string or a list; "defaults" when not given.`},
		Param{Name: "dump", Type: Int, Default: 0, Doc: "fstab's fifth field."},
		Param{Name: "pass_num", Type: Int, Default: 0, Doc: "fstab's sixth field."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
		Param{Name: "persist", Type: Bool, Default: true, Doc: "write the fstab entry."},
		Param{Name: "mount", Type: Bool, Default: true, Doc: "mount it now; False manages fstab only."},
		Param{Name: "mkmnt", Type: Bool, Default: false, Doc: "create the mount point when it is missing."},
		Param{Name: "match_on", Type: StringList, Doc: `which fields find the existing fstab entry to update: a list of name, device, fstype, opts, or "auto" (the default: the mount point, or the device for swap).`},
	)
	Register("mount.unmounted", mountUnmounted,
		Param{Name: "name", Type: String, Doc: "the mount point (absolute)."},
		Param{Name: "device", Type: String, Doc: "when given, only a mount of this device counts."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
		Param{Name: "persist", Type: Bool, Default: false, Doc: "also remove the mount point's fstab entries."},
	)
}

// mountHost is how the mount states see and change the running host's
// mounts; unit tests replace it.
type mountHost struct {
	mountinfo func() ([]byte, error)
	swaps     func() ([]byte, error) // /proc/swaps
	run       func(ctx context.Context, argv ...string) error
}

func mountLiveHost() mountHost {
	return mountHost{
		mountinfo: func() ([]byte, error) { return os.ReadFile("/proc/self/mountinfo") },
		swaps:     func() ([]byte, error) { return os.ReadFile("/proc/swaps") },
		run: func(ctx context.Context, argv ...string) error {
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Env = append(os.Environ(), "LC_ALL=C")
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("%s: %v: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
			}
			return nil
		},
	}
}

// mountedAt is the mount visible at the mount point name on the host,
// nil when there is none.
func (h mountHost) mountedAt(name string) (*mountInfo, error) {
	info, err := h.mountinfo()
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	mounts, err := mountinfoParse(info)
	if err != nil {
		return nil, err
	}
	return mountinfoFind(mounts, name), nil
}

// Mounted makes sure a filesystem is in fstab and mounted.
//
// A mount whose options differ from opts is remounted (mount -o
// remount,…); one on another device is unmounted and mounted again. Only
// the entry's own line in fstab changes (or one line is appended); other
// bytes, comments and alignment are kept. With --root the fstab of the
// image is written and nothing is mounted (so no mount point is made);
// config, and the links on its way, resolve inside the image, and one
// that would leave it fails the state. Swap is written to fstab but not
// activated (mount.swap does both).
//
// Salt: match_on auto is the mount point for every type, and a missing fstab is created; a missing mount point without mkmnt fails a dry run too ("Mount directory is not present"), where Salt's says "X does not exist and would not be created"; with --root the mounts are not read, the comment says so, and a dry run never calls the target mounted.
func mountMounted(ctx context.Context, req *Request) Result {
	return mountMountedOn(ctx, req, mountLiveHost())
}

// Unmounted makes sure a filesystem is not mounted, and optionally not in
// fstab.
//
// With --root only fstab is considered, resolved inside the image as for
// mount.mounted.
//
// Salt: same shapes; changes {umount: True} and {persist: purged}; with --root the mounts are not read, the comment says so (never "Target was already unmounted"), and a dry run of a purge does not call the target unmounted.
func mountUnmounted(ctx context.Context, req *Request) Result {
	return mountUnmountedOn(ctx, req, mountLiveHost())
}

// mountArgs reads the arguments both states share.
type mountArgs struct {
	want    fstabEntry
	config  string
	matchOn []string
}

func mountReadArgs(req *Request, needType bool) (mountArgs, error) {
	a := mountArgs{}
	a.want.Name = req.Name
	a.want.Device = req.Args.String("device", "")
	a.want.FSType = req.Args.String("fstype", "")
	a.config = req.Args.String("config", "/etc/fstab")
	a.want.Dump = req.Args.Int("dump", 0)
	a.want.Pass = req.Args.Int("pass_num", 0)
	var opts []string
	if v, ok := req.Args.Get("opts"); ok && v != nil {
		if s, isStr := v.(string); isStr {
			opts = strings.Split(s, ",")
		} else {
			opts = req.Args.StringList("opts")
		}
	}
	for i := range opts {
		opts[i] = strings.TrimSpace(opts[i])
	}
	if len(opts) == 0 {
		opts = []string{"defaults"}
	}
	a.want.Opts = opts
	matchOn := req.Args.StringList("match_on")
	if err := req.Args.Err(); err != nil {
		return a, err
	}
	swap := a.want.FSType == "swap"
	switch {
	case swap && (a.want.Name == "none" || a.want.Name == "swap"):
	case !filepath.IsAbs(a.want.Name):
		return a, &ArgError{Arg: "name", Err: fmt.Errorf("mount point %q is not an absolute path", a.want.Name)}
	default:
		a.want.Name = filepath.Clean(a.want.Name)
	}
	if needType {
		if a.want.Device == "" {
			return a, &ArgError{Arg: "device", Err: fmt.Errorf("required")}
		}
		if a.want.FSType == "" {
			return a, &ArgError{Arg: "fstype", Err: fmt.Errorf("required")}
		}
	}
	for _, s := range []struct{ arg, v string }{{"device", a.want.Device}, {"fstype", a.want.FSType}, {"opts", strings.Join(opts, ",")}} {
		if strings.ContainsAny(s.v, "\n#") || (s.arg != "device" && strings.ContainsAny(s.v, " \t")) {
			return a, &ArgError{Arg: s.arg, Err: fmt.Errorf("%q cannot go in an fstab field", s.v)}
		}
	}
	if !filepath.IsAbs(a.config) {
		return a, &ArgError{Arg: "config", Err: fmt.Errorf("%q is not an absolute path", a.config)}
	}
	if len(matchOn) == 0 || (len(matchOn) == 1 && matchOn[0] == "auto") {
		matchOn = []string{"name"}
		if swap {
			matchOn = []string{"device"}
		}
	}
	for _, k := range matchOn {
		switch k {
		case "name", "device", "fstype", "opts":
		default:
			return a, &ArgError{Arg: "match_on", Err: fmt.Errorf("%q: want auto, or a list of name, device, fstype, opts", k)}
		}
	}
	a.matchOn = matchOn
	return a, nil
}

// mountReadFstab reads and parses the fstab at config under the root; a
// missing file reads as empty. It returns the host path that
// mountWriteFstab then writes: config resolved inside the root, links and
// all, or an error naming the argument when it would leave the root.
func mountReadFstab(req *Request, config string) (string, []byte, []fstabLine, error) {
	path, err := rootPath(req, "config", config, true)
	if err != nil {
		return "", nil, nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil && !IsNotExist(err) {
		return "", nil, nil, fmt.Errorf("fstab %s: %w", config, err)
	}
	lines, err := fstabParse(config, data)
	return path, data, lines, err
}

func mountMountedOn(ctx context.Context, req *Request, host mountHost) Result {
	a, err := mountReadArgs(req, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	want := &a.want
	name := want.Name
	changes := map[string]any{}
	var comments []string
	testOnly := ""

	// What the running host needs.
	const (
		actNone = iota
		actMount
		actRemount
		actReplace // another device is mounted there
	)
	act, mkdir := actNone, false
	doMount := req.Args.Bool("mount", true)
	persist := req.Args.Bool("persist", true)
	mkmnt := req.Args.Bool("mkmnt", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	switch {
	case !doMount:
		comments = append(comments, map[bool]string{true: name + " would not be mounted", false: name + " not mounted"}[req.Test])
	case !req.Live():
		comments = append(comments, name+" is not mounted: with --root only the fstab is written")
	case want.FSType == "swap":
		comments = append(comments, "swap is not activated by mount.mounted")
	default:
		cur, err := host.mountedAt(name)
		if err != nil {
			return Failf(name, "%v", err)
		}
		switch {
		case cur == nil:
			if _, err := os.Stat(name); err != nil {
				if !mkmnt {
					return Failf(name, "Mount directory is not present")
				}
				mkdir = true
			}
			act = actMount
			changes["mount"] = true
		case !mountSameDevice(want.Device, cur.Source):
			act = actReplace
			changes["umount"] = fmt.Sprintf("Forced unmount because devices don't match. Wanted: %s, current: %s", want.Device, cur.Source)
			changes["mount"] = true
		default:
			if missing := mountOptsMissing(want.Opts, cur); len(missing) > 0 {
				act = actRemount
				changes["umount"] = fmt.Sprintf("Forced remount because options (%s) changed", strings.Join(missing, ","))
			}
		}
		// Salt's mounted() says only what it would do to the mount under
		// test, and nothing of the fstab then (testOnly). After a remount
		// it says "Target was already mounted", the changes telling why.
		switch {
		case act == actNone, act == actRemount && !req.Test:
			comments = append(comments, "Target was already mounted")
		case act == actRemount:
			testOnly = "Remount would be forced because options (" + strings.Join(mountOptsMissing(want.Opts, cur), ",") + ") changed"
		case act == actReplace && req.Test:
			testOnly = "An umount would have been forced because devices do not match.  Watched: " + want.Device
		case req.Test && mkdir:
			testOnly = name + " would be created and mounted"
		case req.Test:
			testOnly = name + " would be mounted"
		default:
			comments = append(comments, "Target was successfully mounted")
		}
	}

	// What the fstab needs. Salt's wording for a dry run says the
	// target "is mounted" only when the mounts were read and it was
	// (with --root, swap or mount: False they are not looked at).
	seenMounted := doMount && req.Live() && want.FSType != "swap" && act == actNone
	var newFstab []byte
	var fstabPath string
	if persist {
		path, data, lines, err := mountReadFstab(req, a.config)
		fstabPath = path
		if err != nil {
			return Failf(name, "%v", err)
		}
		var status string
		newFstab, status = fstabSet(data, lines, want, a.matchOn)
		switch status {
		case "present":
			newFstab = nil
			comments = append(comments, "Entry already exists in the fstab.")
		case "new":
			changes["persist"] = "new"
			switch {
			case !req.Test:
				comments = append(comments, "Added new entry to the fstab.")
			case seenMounted:
				comments = append(comments, name+" is mounted, but needs to be written to the fstab in order to be made persistent.")
			default:
				comments = append(comments, name+" needs to be written to the fstab in order to be made persistent.")
			}
		case "update":
			changes["persist"] = "update"
			switch {
			case !req.Test:
				comments = append(comments, "Updated the entry in the fstab.")
			case seenMounted:
				comments = append(comments, name+" is mounted, but its fstab entry must be updated.")
			default:
				comments = append(comments, "The "+name+" fstab entry must be updated.")
			}
		}
	}
	comment := strings.Join(comments, ". ")
	if testOnly != "" {
		comment = testOnly
	}
	if len(changes) == 0 {
		return Result{Name: name, Result: True, Comment: comment, Changes: changes}
	}
	if req.Test {
		return Result{Name: name, Result: None, Comment: comment, Changes: changes}
	}

	// Apply: mount first, as Salt does, so that a mount that fails does
	// not leave an fstab entry that breaks the next boot.
	if mkdir {
		if err := os.MkdirAll(name, 0o755); err != nil {
			return Failf(name, "mkmnt: %v", err)
		}
	}
	optArgs := func(prefix string) []string {
		o := strings.Join(want.Opts, ",")
		if prefix != "" {
			o = prefix + "," + o
		}
		if o == "defaults" {
			return nil
		}
		return []string{"-o", o}
	}
	switch act {
	case actReplace:
		if err := host.run(ctx, "umount", name); err != nil {
			return Result{Name: name, Result: False, Comment: "Unable to unmount " + name + ": " + err.Error(), Changes: map[string]any{}}
		}
		fallthrough
	case actMount:
		argv := append(append([]string{"mount", "-t", want.FSType}, optArgs("")...), want.Device, name)
		if err := host.run(ctx, argv...); err != nil {
			return Failf(name, "Unable to mount %s: %v", name, err)
		}
	case actRemount:
		if err := host.run(ctx, append(append([]string{"mount"}, optArgs("remount")...), name)...); err != nil {
			return Failf(name, "Unable to remount %s: %v", name, err)
		}
	}
	if newFstab != nil {
		if err := mountWriteFstab(fstabPath, a.config, newFstab); err != nil {
			return Failf(name, "%v", err)
		}
	}
	return Result{Name: name, Result: True, Comment: comment, Changes: changes}
}

// mountSameDevice compares the wanted device with a mount's source. Only
// block devices are compared (UUID= and LABEL= through /dev/disk); a
// pseudo source (none, tmpfs, a server path) is taken as matching, as the
// kernel shows whatever the mounter passed.
func mountSameDevice(want, source string) bool {
	resolve := func(d string) (string, bool) {
		d = mountTagPath(d)
		if !strings.HasPrefix(d, "/dev/") {
			return "", false
		}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			return r, true
		}
		return d, true
	}
	w, ok1 := resolve(want)
	s, ok2 := resolve(source)
	if !ok1 || !ok2 {
		return true
	}
	return w == s
}

// mountTagPath spells an fstab(5) tag (UUID=…, LABEL=…, PARTUUID=…,
// PARTLABEL=…) as the udev link that names its device; any other spec
// comes back as it is.
func mountTagPath(d string) string {
	for _, p := range []struct{ prefix, dir string }{
		{"UUID=", "/dev/disk/by-uuid/"}, {"LABEL=", "/dev/disk/by-label/"},
		{"PARTUUID=", "/dev/disk/by-partuuid/"}, {"PARTLABEL=", "/dev/disk/by-partlabel/"},
	} {
		if rest, ok := strings.CutPrefix(d, p.prefix); ok {
			return p.dir + rest
		}
	}
	return d
}

func mountUnmountedOn(ctx context.Context, req *Request, host mountHost) Result {
	a, err := mountReadArgs(req, false)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	persist := req.Args.Bool("persist", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := a.want.Name
	changes := map[string]any{}
	var comments []string
	umount := false
	if !req.Live() {
		comments = append(comments, name+" is not unmounted: with --root only the fstab is written")
	} else {
		cur, err := host.mountedAt(name)
		if err != nil {
			return Failf(name, "%v", err)
		}
		if cur != nil && (a.want.Device == "" || mountSameDevice(a.want.Device, cur.Source)) {
			umount = true
			changes["umount"] = true
			comments = append(comments, map[bool]string{true: "Mount point " + name + " is mounted but should not be", false: "Target was successfully unmounted"}[req.Test])
		} else {
			comments = append(comments, "Target was already unmounted")
		}
	}
	var newFstab []byte
	var fstabPath string
	if persist {
		path, data, lines, err := mountReadFstab(req, a.config)
		if err != nil {
			return Failf(name, "%v", err)
		}
		fstabPath = path
		matchOn := []string{"name"}
		if a.want.Device != "" {
			matchOn = append(matchOn, "device")
		}
		out, n := fstabRemove(data, lines, &a.want, matchOn)
		// Salt's unmounted(): under test a purge replaces the comment,
		// unless an unmount is due, which is all it says then.
		switch {
		case n == 0:
			comments = append(comments, "fstab entry not found")
		case !req.Test:
			comments = append(comments, "Removed target from fstab")
		case changes["umount"] == nil && req.Live():
			comments = []string{fmt.Sprintf("Mount point %s is unmounted but needs to be purged from %s to be made persistent", name, a.config)}
		case changes["umount"] == nil:
			// The mounts were not read: say nothing of them.
			comments = []string{fmt.Sprintf("Mount point %s needs to be purged from %s to be made persistent", name, a.config)}
		}
		if n > 0 {
			newFstab = out
			changes["persist"] = "purged"
		}
	}
	comment := strings.Join(comments, ". ")
	if len(changes) == 0 {
		return Result{Name: name, Result: True, Comment: comment, Changes: changes}
	}
	if req.Test {
		return Result{Name: name, Result: None, Comment: comment, Changes: changes}
	}
	if umount {
		if err := host.run(ctx, "umount", name); err != nil {
			return Failf(name, "Unable to unmount %s: %v", name, err)
		}
	}
	if newFstab != nil {
		if err := mountWriteFstab(fstabPath, a.config, newFstab); err != nil {
			return Failf(name, "%v", err)
		}
	}
	return Result{Name: name, Result: True, Comment: comment, Changes: changes}
}
