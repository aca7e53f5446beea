package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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
		Param{Name: "device_name_regex", Type: StringList, Doc: "regular expressions (matched at the start) of mounted devices that count as the device, so that no unmount is forced (a glusterfs server list, say)."},
		Param{Name: "extra_mount_invisible_options", Type: StringList, Doc: "more options the live mount never shows, so that they never force a remount (_netdev, nofail, bg, soft and others already are)."},
		Param{Name: "extra_mount_invisible_keys", Type: StringList, Doc: "more keys whose key=value options the live mount never shows (password, credentials, port and others already are)."},
		Param{Name: "extra_mount_ignore_fs_keys", Type: Map, Doc: "filesystem type → keys whose options never force a remount on that type ({ramfs: [size]} already is)."},
		Param{Name: "extra_mount_translate_options", Type: Map, Doc: "option → the name the live mount shows it by ({tcp: proto=tcp, udp: proto=udp} already are)."},
		Param{Name: "hidden_opts", Type: StringList, Doc: "options (a list or a comma string) never compared with the live mount."},
		saltKwargs,
	)
	Register("mount.unmounted", mountUnmounted,
		Param{Name: "name", Type: String, Doc: "the mount point (absolute)."},
		Param{Name: "device", Type: String, Doc: "when given, only a mount of this device counts."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
		Param{Name: "persist", Type: Bool, Default: false, Doc: "also remove the mount point's fstab entries."},
		saltKwargs,
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
// Options are compared with the live mount as Salt's mounted() does:
// Salt's options and keys that the kernel never shows (_netdev, nofail,
// bg, soft, password=…, and the rest) never force a remount, nor do the
// ones extra_mount_invisible_options, extra_mount_invisible_keys,
// extra_mount_ignore_fs_keys and hidden_opts add; tcp is looked for as
// proto=tcp (extra_mount_translate_options adds more), cifs' user= as
// username=, and uid=/gid= names as numbers. brine also never looks for
// x-* options, and reads rw, exec, suid, dev, async and atime as met
// unless their negation shows. nfs, cvfs and fuse mounts whose options
// changed are unmounted and mounted again, others remounted. With mount
// False, mkmnt still makes a missing mount point. A LABEL= device that no
// device has (no /dev/disk/by-label link, and blkid finds none) fails the
// state, as in Salt.
//
// Salt: a dry run's remount comment names the first missing option (sorted), and the changes of both runs the last, as Salt's real run does (brine remounts once, Salt once per option); the mount point mount False and mkmnt make is not in changes, as in Salt; match_on auto is the mount point for every type, and a missing fstab is created; a missing mount point without mkmnt fails a dry run too ("Mount directory is not present"), where Salt's says "X does not exist and would not be created"; with --root the mounts are not read, the comment says so, and a dry run never calls the target mounted.
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
	cmp     *mountCmp        // how options are compared with a live mount
	devRe   []*regexp.Regexp // device_name_regex, anchored at the start
}

// mountReadCmp reads the arguments that tune how options are compared
// with a live mount (Salt's extra_mount_* and hidden_opts).
func mountReadCmp(req *Request, fstype string) (*mountCmp, []*regexp.Regexp, error) {
	a := &req.Args
	invisible := a.StringList("extra_mount_invisible_options")
	for _, h := range a.StringList("hidden_opts") {
		// Salt splits a hidden_opts string on commas.
		invisible = append(invisible, strings.Split(h, ",")...)
	}
	keys := a.StringList("extra_mount_invisible_keys")
	fsKeys := map[string][]string{}
	for typ, v := range a.Dict("extra_mount_ignore_fs_keys") {
		l, err := toStringList(v)
		if err != nil {
			return nil, nil, &ArgError{Arg: "extra_mount_ignore_fs_keys", Err: fmt.Errorf("%s: %w", typ, err)}
		}
		fsKeys[typ] = l
	}
	translate := map[string]string{}
	for o, v := range a.Dict("extra_mount_translate_options") {
		t, ok := v.(string)
		if !ok {
			return nil, nil, &ArgError{Arg: "extra_mount_translate_options", Err: fmt.Errorf("%s: want the option's shown name, got %v", o, v)}
		}
		translate[o] = t
	}
	var res []*regexp.Regexp
	for _, r := range a.StringList("device_name_regex") {
		re, err := regexp.Compile("^(?:" + r + ")")
		if err != nil {
			return nil, nil, &ArgError{Arg: "device_name_regex", Err: err}
		}
		res = append(res, re)
	}
	if err := a.Err(); err != nil {
		return nil, nil, err
	}
	cmp := newMountCmp(fstype, invisible, keys, fsKeys, translate)
	// uid= and gid= given by name are compared by number, as Salt's
	// user.info and group.info give it; the live mount is the host's.
	cmp.id = func(key, name string) (string, bool) {
		db, err := rootAccounts(req, "")
		if err != nil {
			return "", false
		}
		if key == "uid" {
			if u, err := db.User(name); err == nil {
				return strconv.Itoa(u.UID), true
			}
			return "", false
		}
		if g, err := db.Group(name); err == nil {
			return strconv.Itoa(g.GID), true
		}
		return "", false
	}
	return cmp, res, nil
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
	err := req.Args.Err()
	if err != nil {
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
	if needType {
		if a.cmp, a.devRe, err = mountReadCmp(req, a.want.FSType); err != nil {
			return a, err
		}
	}
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
	// pending is a dry run that reports no change (as Salt's) but whose
	// real run makes one: the mount point mount: False, mkmnt: True makes.
	pending := false
	doMount := req.Args.Bool("mount", true)
	persist := req.Args.Bool("persist", true)
	mkmnt := req.Args.Bool("mkmnt", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	// Salt's mounted() looks a LABEL= device up with blkid first, and
	// fails when no device has the label (with mount False too).
	if label, ok := mountCutTag(want.Device, "LABEL="); ok && req.Live() {
		label = strings.Trim(label, `"`)
		if _, err := os.Stat("/dev/disk/by-label/" + label); err != nil {
			if err := host.run(ctx, "blkid", "-t", "LABEL="+label); err != nil {
				return Failf(name, "Unable to find device with label %s.", label)
			}
		}
	}
	switch {
	case !doMount && req.Live():
		// Salt's mounted() with mount False still makes a missing mount
		// point when mkmnt asks for it, and words each case.
		_, serr := os.Stat(name)
		switch {
		case serr == nil && req.Test:
			comments = append(comments, name+" would not be mounted")
		case serr == nil:
			comments = append(comments, name+" not mounted")
		case req.Test && mkmnt:
			comments, pending = append(comments, name+" would be created, but not mounted"), true
		case req.Test:
			comments = append(comments, name+" does not exist and would neither be created nor mounted")
		case mkmnt:
			if err := os.MkdirAll(name, 0o755); err != nil {
				return Failf(name, "mkmnt: %v", err)
			}
			comments = append(comments, name+" was created, not mounted")
		default:
			comments = append(comments, name+" not present and not mounted")
		}
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
		var missing []string
		regexMatched := ""
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
		case !mountSameDevice(want.Device, cur.Source) && mountDeviceRegex(a.devRe, cur.Source) == "":
			act = actReplace
			changes["umount"] = fmt.Sprintf("Forced unmount because devices don't match. Wanted: %s, current: %s", want.Device, cur.Source)
			changes["mount"] = true
		default:
			if !mountSameDevice(want.Device, cur.Source) {
				// Salt's mounted(): the options are still compared, and
				// the comment says why the other device is kept.
				regexMatched = mountDeviceRegex(a.devRe, cur.Source)
			}
			if missing = mountOptsMissing(want.Opts, cur, a.cmp); len(missing) > 0 {
				act = actRemount
				// Salt remounts once per missing option, and its changes
				// name the last; nfs, cvfs and fuse are unmounted and
				// mounted again.
				why := "Forced remount because options (%s) changed"
				if mountNeedsRemountByUmount(want.FSType) {
					why = "Forced unmount and mount because options (%s) changed"
				}
				changes["umount"] = fmt.Sprintf(why, missing[len(missing)-1])
			}
		}
		// Salt's mounted() says only what it would do to the mount under
		// test, and nothing of the fstab then (testOnly). After a remount
		// it says "Target was already mounted", the changes telling why.
		switch {
		case regexMatched != "" && (act == actNone || !req.Test):
			comments = append(comments, "An umount will not be forced because device matched device_name_regex: "+regexMatched)
		case act == actNone, act == actRemount && !req.Test:
			comments = append(comments, "Target was already mounted")
		case act == actRemount:
			// Salt's dry run stops at the first missing option.
			testOnly = "Remount would be forced because options (" + missing[0] + ") changed"
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
	if len(changes) == 0 && !(pending && req.Test) {
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
		if mountNeedsRemountByUmount(want.FSType) {
			if err := host.run(ctx, "umount", name); err != nil {
				return Result{Name: name, Result: False, Comment: "Unable to unmount " + name + ": " + err.Error(), Changes: map[string]any{}}
			}
			argv := append(append([]string{"mount", "-t", want.FSType}, optArgs("")...), want.Device, name)
			if err := host.run(ctx, argv...); err != nil {
				return Failf(name, "Unable to mount %s: %v", name, err)
			}
			break
		}
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

// mountNeedsRemountByUmount reports the types Salt's mounted() unmounts
// and mounts again when options change, where it remounts the others.
func mountNeedsRemountByUmount(fstype string) bool {
	return fstype == "nfs" || fstype == "cvfs" || strings.HasPrefix(fstype, "fuse")
}

// mountDeviceRegex returns the mounted device (as the mount shows it, or
// resolved) that one of res matches, "" when none does.
func mountDeviceRegex(res []*regexp.Regexp, source string) string {
	devs := []string{source}
	if r, err := filepath.EvalSymlinks(source); err == nil && r != source {
		devs = append(devs, r)
	}
	for _, re := range res {
		for _, d := range devs {
			if re.MatchString(d) {
				return d
			}
		}
	}
	return ""
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

// mountCutTag returns what follows an fstab(5) tag such as LABEL=, in
// any case, as Salt's device.upper().startswith() reads it.
func mountCutTag(device, tag string) (string, bool) {
	if len(device) < len(tag) || !strings.EqualFold(device[:len(tag)], tag) {
		return "", false
	}
	return device[len(tag):], true
}

// mountTagPath spells an fstab(5) tag (UUID=…, LABEL=…, PARTUUID=…,
// PARTLABEL=…) as the udev link that names its device; any other spec
// comes back as it is.
func mountTagPath(d string) string {
	for _, p := range []struct{ prefix, dir string }{
		{"UUID=", "/dev/disk/by-uuid/"}, {"LABEL=", "/dev/disk/by-label/"},
		{"PARTUUID=", "/dev/disk/by-partuuid/"}, {"PARTLABEL=", "/dev/disk/by-partlabel/"},
	} {
		// The tag in any case, the value maybe quoted, as Salt's
		// mounted() reads it (device.upper().startswith, strip('"')).
		if rest, ok := mountCutTag(d, p.prefix); ok {
			rest = strings.Trim(rest, `"`)
			if p.prefix == "UUID=" {
				// udev names a filesystem UUID in lower case, but keeps
				// a FAT volume id (ABCD-1234) as it is.
				if _, err := os.Lstat(p.dir + rest); err != nil {
					rest = strings.ToLower(rest)
				}
			}
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
		_, byName := fstabRemove(data, lines, &a.want, []string{"name"})
		switch {
		case n == 0 && byName > 0:
			// Salt's unmounted(): the mount point is there, on another device.
			comments = append(comments, "fstab entry for device "+a.want.Device+" not found")
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
