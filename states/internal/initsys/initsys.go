// Package initsys starts, stops, enables and disables services for
// brine's service states: over D-Bus when systemd runs the host, through
// /etc/init.d scripts and rc links otherwise, and offline on an image in
// a folder (--root), where nothing is ever started.
package initsys

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Status is what the init system says of one service.
type Status struct {
	Exists bool // a unit file or init script by that name
	Active bool // running (or starting, or reloading)
	// EnableState is systemd's UnitFileState (enabled, disabled, static,
	// masked, indirect, generated, alias, enabled-runtime) or, for an
	// init script, enabled or disabled by its rc links.
	EnableState string
	// Masked: systemd will not load the unit (a mask in /etc or /run).
	Masked bool
	// MaskLinks says which masks are set, as Salt's masked(name, runtime)
	// reads them: /etc/systemd/system/UNIT (indefinite) and
	// /run/systemd/system/UNIT (runtime) linked to /dev/null.
	MaskLinks MaskLinks
	// NeedReload is systemd's NeedDaemonReload: the unit file changed on
	// disk since systemd loaded it.
	NeedReload bool
}

// MaskLinks are the two masks a unit can have.
type MaskLinks struct {
	Persist bool // /etc/systemd/system/UNIT -> /dev/null
	Runtime bool // /run/systemd/system/UNIT -> /dev/null
}

// Has reports the indefinite mask, or the runtime one with runtime.
func (m MaskLinks) Has(runtime bool) bool {
	if runtime {
		return m.Runtime
	}
	return m.Persist
}

// ReadMaskLinks reads the mask links of unit in the image at root (the
// host with "/"), resolved inside it.
func ReadMaskLinks(root, unit string) MaskLinks {
	is := func(dir string) bool {
		p, err := rootfs.Resolve(root, dir+"/"+unit, false)
		if err != nil {
			return false
		}
		dst, err := os.Readlink(p)
		return err == nil && dst == "/dev/null"
	}
	return MaskLinks{Persist: is("/etc/systemd/system"), Runtime: is("/run/systemd/system")}
}

// Enabled reports whether the service counts as enabled at boot, as
// `systemctl is-enabled` exits 0 and Salt's service.enabled says True:
// static, indirect, generated and alias units too (their boot config is
// not theirs to set, and Salt reports them already enabled).
func (s Status) Enabled() bool {
	switch s.EnableState {
	case "enabled", "enabled-runtime", "static", "indirect", "generated", "alias":
		return true
	}
	return false
}

// System is an init system.
type System interface {
	// Kind names it: "systemd", "sysv", "offline".
	Kind() string
	// CanRun reports whether Start and friends act (false offline).
	CanRun() bool
	Status(ctx context.Context, name string) (Status, error)
	Start(ctx context.Context, name string) error
	Stop(ctx context.Context, name string) error
	Restart(ctx context.Context, name string) error
	Reload(ctx context.Context, name string) error
	// ForceReload reloads a running service, or restarts one that cannot
	// reload (systemctl force-reload).
	ForceReload(ctx context.Context, name string) error
	Enable(ctx context.Context, name string) error
	Disable(ctx context.Context, name string) error
	// Mask and Unmask set or remove the indefinite mask, or the runtime
	// one (until reboot) with runtime.
	Mask(ctx context.Context, name string, runtime bool) error
	Unmask(ctx context.Context, name string, runtime bool) error
	// DaemonReload makes systemd read changed unit files (no-op elsewhere).
	DaemonReload(ctx context.Context) error
	Close() error
}

// ErrNotRunnable is returned by Start and friends where nothing may run.
var ErrNotRunnable = errors.New("services are never started or stopped under --root")

var unitSuffixes = []string{".service", ".socket", ".timer", ".target", ".mount", ".automount",
	".path", ".slice", ".scope", ".swap", ".device"}

// UnitName is name as a systemd unit: "nginx" becomes "nginx.service".
func UnitName(name string) string {
	for _, s := range unitSuffixes {
		if strings.HasSuffix(name, s) {
			return name
		}
	}
	return name + ".service"
}

// ScriptName is name as an init script: "nginx.service" becomes "nginx".
func ScriptName(name string) string { return strings.TrimSuffix(name, ".service") }

// ValidName rejects names that could escape a folder or be read as an
// option.
func ValidName(name string) error {
	if name == "" || strings.HasPrefix(name, "-") || strings.ContainsAny(name, "/\x00\n ") || name == "." || name == ".." {
		return fmt.Errorf("%q is not a service name", name)
	}
	return nil
}

// Open returns the init system for root: the live host when live is
// true (systemd over D-Bus when ROOT/run/systemd/system exists, else
// SysV scripts), or the offline image otherwise.
func Open(ctx context.Context, root string, live bool) (System, error) {
	if root == "" {
		root = "/"
	}
	if !live {
		return &Offline{Root: root, Run: ExecRunner{}}, nil
	}
	if fi, err := os.Stat(filepath.Join(root, "run/systemd/system")); err == nil && fi.IsDir() {
		return OpenSystemd(ctx)
	}
	return &SysV{Root: root, Run: ExecRunner{}, Live: true}, nil
}
