package states

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
)

func init() {
	Register("mount.swap", mountSwap,
		Param{Name: "name", Type: String, Doc: "the swap file or device: a path, or UUID=…, LABEL=…, PARTUUID=…, PARTLABEL=…."},
		Param{Name: "persist", Type: Bool, Default: true, Doc: "also keep its fstab entry, NAME none swap defaults 0 0, as Salt writes it."},
		Param{Name: "config", Type: Path, Default: "/etc/fstab", Doc: "the fstab file."},
	)
}

// Swap makes sure a swap file or device is active, and with persist that
// fstab activates it at boot.
//
// The swap must already be made (mkswap); a file is not created. Its
// fstab entry is found by its device field and set to Salt's
// "NAME none swap defaults 0 0", so an entry with other options is
// rewritten, as Salt's set_fstab does; only that line changes. With
// --root only the image's fstab is written.
//
// Salt: comments are Salt's; changes say {swapon: True} where Salt's give the swap's line of /proc/swaps (its size and use are only known once it is on, so a dry run could not predict them); a dry run reports the fstab change a real run makes (Salt's reports none for an entry it would rewrite).
func mountSwap(ctx context.Context, req *Request) Result {
	return mountSwapOn(ctx, req, mountLiveHost())
}

func mountSwapOn(ctx context.Context, req *Request, host mountHost) Result {
	name := req.Name
	persist := req.Args.Bool("persist", true)
	config := req.Args.String("config", "/etc/fstab")
	if err := req.Args.Err(); err != nil {
		return Failf(name, "%v", err)
	}
	if name == "" || strings.ContainsAny(name, "\n#") {
		return Failf(name, "argument %q: %q cannot go in an fstab field", "name", name)
	}
	if !filepath.IsAbs(config) {
		return Failf(name, "argument %q: %q is not an absolute path", "config", config)
	}
	changes := map[string]any{}
	var comment string
	active := false
	if req.Live() {
		dev := mountSwapPath(name)
		on, err := mountActiveSwaps(host)
		if err != nil {
			return Failf(name, "%v", err)
		}
		active = on[dev]
		switch {
		case active:
			comment = "Swap " + name + " already active"
		case req.Test:
			comment = "Swap " + name + " is set to be activated"
			changes["swapon"] = true
		default:
			if err := host.run(ctx, "swapon", dev); err != nil {
				return Failf(name, "Swap %s failed to activate: %v", name, err)
			}
			if on, err = mountActiveSwaps(host); err != nil {
				return Failf(name, "%v", err)
			}
			if !on[dev] {
				return Failf(name, "Swap %s failed to activate", name)
			}
			comment = "Swap " + name + " activated"
			changes["swapon"] = true
		}
	} else {
		comment = "Swap " + name + " is not activated: with --root only the fstab is written"
	}
	if persist {
		path, data, lines, err := mountReadFstab(req, config)
		if err != nil {
			return mountSwapFailed(name, changes, err)
		}
		want := &fstabEntry{Device: name, Name: "none", FSType: "swap", Opts: []string{"defaults"}}
		out, status := fstabSet(data, lines, want, []string{"device"})
		switch {
		case status == "present":
		case req.Test && active:
			// Salt's wording, although the swap is on already.
			comment = "Swap " + name + " is set to be added to the fstab and to be activated"
		case req.Test:
		default:
			if err := mountWriteFstab(path, config, out); err != nil {
				return mountSwapFailed(name, changes, err)
			}
		}
		switch status {
		case "new":
			changes["persist"] = "new"
			if !req.Test {
				comment += ". Added new entry to the fstab."
			}
		case "update":
			changes["persist"] = "update"
			if !req.Test {
				comment += ". Updated the entry in the fstab."
			}
		}
	}
	if req.Test && len(changes) > 0 {
		return Result{Name: name, Result: None, Comment: comment, Changes: changes}
	}
	return Result{Name: name, Result: True, Comment: comment, Changes: changes}
}

// mountSwapFailed fails the state after the swap may have been turned
// on, keeping that change in the result.
func mountSwapFailed(name string, changes map[string]any, err error) Result {
	return Result{Name: name, Result: False, Comment: err.Error(), Changes: changes}
}

// mountSwapPath is the device or file a swap spec names, as the kernel
// lists it in /proc/swaps: tags through their udev links, links resolved.
func mountSwapPath(name string) string {
	p := mountTagPath(name)
	if r, err := filepath.EvalSymlinks(p); err == nil {
		return r
	}
	return filepath.Clean(p)
}

// mountActiveSwaps reads /proc/swaps: the set of active swaps, each by
// its resolved path.
func mountActiveSwaps(host mountHost) (map[string]bool, error) {
	data, err := host.swaps()
	if err != nil {
		return nil, fmt.Errorf("read active swaps: %w", err)
	}
	on := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) == 0 {
			continue // the header
		}
		on[mountSwapPath(fstabUnescape(f[0]))] = true
	}
	return on, nil
}
