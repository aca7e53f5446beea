package states

import (
	"context"
	"strings"
)

func init() {
	RegisterWatch("mount", mountModWatch)
}

// mountModWatch is mount's mod_watch: when a state a mount.mounted
// watches has changed, the filesystem is remounted with the state's
// options (mount -o OPTS,remount -t FSTYPE DEVICE NAME), or mounted when
// it is not, as Salt's mount.remount does; "NAME remounted", with no
// changes. For the other mount states it only says "Watch not supported
// in FUNCTION at this time", as Salt does. Under test it reports that it
// would remount; with --root nothing is mounted.
//
// Salt: Salt remounts under test too, and reports "NAME remounted" (True) even when the mount command failed with a message; brine reports a failure as "NAME failed to remount: why" (False). Salt's mod_watch fails when the state gives no opts, brine remounts with defaults; with mount: False Salt mounts anyway, brine leaves it alone.
func mountModWatch(ctx context.Context, req *Request) Result {
	return mountModWatchOn(ctx, req, mountLiveHost())
}

func mountModWatchOn(ctx context.Context, req *Request, host mountHost) Result {
	_, sfun, _ := strings.Cut(req.Func, ".")
	if sfun != "mounted" {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Watch not supported in " + sfun + " at this time"}
	}
	a, err := mountReadArgs(req, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	want := &a.want
	name := want.Name
	switch {
	case !req.Args.Bool("mount", true):
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: name + " not remounted: mount is False"}
	case !req.Live():
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: name + " not remounted: with --root nothing is mounted"}
	case want.FSType == "swap":
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "swap is not activated by mount.mounted"}
	case req.Test:
		return Result{Name: name, Result: None, Changes: map[string]any{}, Comment: name + " would be remounted"}
	}
	cur, err := host.mountedAt(name)
	if err != nil {
		return Failf(name, "%v", err)
	}
	// Salt's mount.remount: a mounted filesystem gets its options plus
	// remount; one that is not mounted is mounted (mkmnt False).
	opts := append([]string(nil), want.Opts...)
	argv := []string{"mount"}
	if cur != nil {
		opts = append(opts, "remount")
	}
	argv = append(argv, "-o", strings.Join(opts, ","), "-t", want.FSType, want.Device, name)
	if err := host.run(ctx, argv...); err != nil {
		return Result{Name: name, Result: False, Changes: map[string]any{}, Comment: name + " failed to remount: " + err.Error()}
	}
	return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: name + " remounted"}
}
