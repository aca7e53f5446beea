package initsys

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Offline manages boot config of an image in a folder (--root) and never
// starts anything. Units with a unit file go through the host's
// `systemctl --root=DIR` (30 ms a call, and the exact links systemd makes,
// Also= and aliases included, rather than a second implementation of
// [Install] sections); init scripts with no unit file get rc links written
// here, as update-rc.d would.
type Offline struct {
	Root string
	Run  Runner
}

func (o *Offline) Kind() string                                   { return "offline" }
func (o *Offline) CanRun() bool                                   { return false }
func (o *Offline) Close() error                                   { return nil }
func (o *Offline) DaemonReload(ctx context.Context) error         { return nil }
func (o *Offline) Start(ctx context.Context, name string) error   { return ErrNotRunnable }
func (o *Offline) Stop(ctx context.Context, name string) error    { return ErrNotRunnable }
func (o *Offline) Restart(ctx context.Context, name string) error { return ErrNotRunnable }
func (o *Offline) Reload(ctx context.Context, name string) error  { return ErrNotRunnable }
func (o *Offline) ForceReload(ctx context.Context, name string) error {
	return ErrNotRunnable
}

var unitDirs = []string{"etc/systemd/system", "run/systemd/system", "lib/systemd/system", "usr/lib/systemd/system"}

// hasUnit reports whether the image has a unit file (or a mask) for unit.
// The unit folders resolve inside the image (rootfs), as systemctl --root
// resolves them, so a folder linked to the host's does not lend the
// host's units to the image.
func (o *Offline) hasUnit(unit string) bool {
	for _, d := range unitDirs {
		p, err := rootfs.Resolve(o.Root, "/"+d+"/"+unit, false)
		if err != nil {
			continue
		}
		if _, err := os.Lstat(p); err == nil {
			return true
		}
	}
	return false
}

func (o *Offline) systemctl(ctx context.Context, args ...string) ([]byte, error) {
	return o.Run.Run(ctx, append([]string{"systemctl", "--root=" + o.Root}, args...)...)
}

// Status reads `systemctl --root is-enabled`, or rc links.
func (o *Offline) Status(ctx context.Context, name string) (Status, error) {
	unit := UnitName(name)
	if o.hasUnit(unit) {
		// is-enabled exits non-zero for disabled and masked; its word is
		// what counts.
		out, err := o.systemctl(ctx, "is-enabled", "--", unit)
		word := strings.TrimSpace(string(out))
		if i := strings.IndexByte(word, '\n'); i >= 0 {
			word = word[:i]
		}
		switch word {
		case "enabled", "enabled-runtime", "disabled", "static", "masked", "masked-runtime",
			"indirect", "generated", "alias", "linked", "linked-runtime", "transient":
		default:
			return Status{}, fmt.Errorf("systemctl --root=%s is-enabled %s: %q: %v", o.Root, unit, word, err)
		}
		st := Status{Exists: true, EnableState: word, MaskLinks: ReadMaskLinks(o.Root, unit)}
		if strings.HasPrefix(word, "masked") {
			st.Masked, st.EnableState = true, "masked"
		}
		return st, nil
	}
	rc := RCLinks{Root: o.Root}
	if script := ScriptName(name); rc.HasScript(script) {
		on, err := rc.Enabled(script)
		if err != nil {
			return Status{}, err
		}
		return Status{Exists: true, EnableState: map[bool]string{true: "enabled", false: "disabled"}[on]}, nil
	}
	return Status{}, nil
}

func (o *Offline) boot(ctx context.Context, name, verb string) error {
	unit := UnitName(name)
	if o.hasUnit(unit) {
		_, err := o.systemctl(ctx, verb, "--", unit)
		return err
	}
	rc := RCLinks{Root: o.Root}
	if verb == "enable" {
		return rc.Enable(ScriptName(name))
	}
	return rc.Disable(ScriptName(name))
}

func (o *Offline) Enable(ctx context.Context, name string) error { return o.boot(ctx, name, "enable") }
func (o *Offline) Disable(ctx context.Context, name string) error {
	return o.boot(ctx, name, "disable")
}

func (o *Offline) Mask(ctx context.Context, name string, runtime bool) error {
	_, err := o.systemctl(ctx, maskArgs("mask", name, runtime)...)
	return err
}

func (o *Offline) Unmask(ctx context.Context, name string, runtime bool) error {
	_, err := o.systemctl(ctx, maskArgs("unmask", name, runtime)...)
	return err
}

func maskArgs(verb, name string, runtime bool) []string {
	if runtime {
		return []string{verb, "--runtime", "--", UnitName(name)}
	}
	return []string{verb, "--", UnitName(name)}
}
