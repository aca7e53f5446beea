package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	Register("selinux.mode", selinuxMode,
		Param{Name: "name", Type: String, Doc: "the mode: enforcing, permissive or disabled (also 1/on, 0/off)."},
	)
	Register("selinux.boolean", selinuxBoolean,
		Param{Name: "name", Type: String, Doc: "the SELinux boolean."},
		Param{Name: "value", Type: String, Required: true, Doc: "on or off (also true/false, yes/no, 1/0)."},
		Param{Name: "persist", Type: Bool, Default: false, Doc: "also keep it across reboots (setsebool -P)."},
	)
}

const selinuxConfig = "/etc/selinux/config"

// selinuxHost is the running system's SELinux; unit tests point it at a
// folder and a fake runner.
type selinuxHost struct {
	fs  string // where selinuxfs is mounted: /sys/fs/selinux
	run sysRunner
	// imageIsLive (tests only) reads fs as the running system's even
	// with a root, so that a test's config is a file of its own.
	imageIsLive bool
}

func selinuxLive() selinuxHost { return selinuxHost{fs: "/sys/fs/selinux", run: sysExec} }

// selinuxRefineMode is Salt's _refine_mode.
func selinuxRefineMode(m string) string {
	m = strings.ToLower(m)
	switch {
	case strings.HasPrefix(m, "e"), m == "1", m == "on":
		return "Enforcing"
	case strings.HasPrefix(m, "p"), m == "0", m == "off":
		return "Permissive"
	case strings.HasPrefix(m, "d"):
		return "Disabled"
	}
	return "unknown"
}

// selinuxRefineValue is Salt's _refine_value: "on", "off" or "".
func selinuxRefineValue(v string) string {
	switch strings.ToLower(v) {
	case "1", "on", "yes", "true":
		return "on"
	case "0", "off", "no", "false":
		return "off"
	}
	return ""
}

// selinuxConfigMode reads SELINUX= from the config text; "" when unset.
func selinuxConfigMode(data []byte) string {
	mode := ""
	for _, l := range linesSplit(data) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && k == "SELINUX" {
			mode = selinuxRefineMode(strings.Trim(strings.TrimSpace(v), `"'`))
		}
	}
	return mode
}

// selinuxSetConfig returns the config with SELINUX= set; only that line
// changes, or one is appended.
func selinuxSetConfig(data []byte, mode string) []byte {
	lines := linesSplit(data)
	found := false
	for i, l := range lines {
		k, _, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && k == "SELINUX" {
			lines[i] = "SELINUX=" + strings.ToLower(mode)
			found = true
		}
	}
	if !found {
		return sysAppendLine(data, "SELINUX="+strings.ToLower(mode))
	}
	return linesJoin(lines, func(s string) string { return s }, data)
}

// Mode sets the SELinux mode: SELINUX= in /etc/selinux/config, and on a
// running host with SELinux enabled the current mode too (enforcing or
// permissive; a change to or from disabled takes a reboot).
//
// Under --root only the image's config changes, as an image builder
// needs (a guest image that must boot with SELinux disabled); a config
// that does not exist is created. A host or image without SELinux reads
// as Disabled.
//
// Salt: comments and changes ({old, new}) are Salt's; Salt's setenforce fails on a host without SELinux, brine writes the config.
func selinuxMode(ctx context.Context, req *Request) Result {
	return selinuxModeWith(ctx, req, selinuxLive())
}

func selinuxModeWith(ctx context.Context, req *Request, host selinuxHost) Result {
	tmode := selinuxRefineMode(req.Name)
	if tmode == "unknown" {
		return Failf(req.Name, "%s is not an accepted mode", req.Name)
	}
	hp, err := rootPath(req, "", selinuxConfig, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	data, err := sysReadFile(hp)
	if err != nil {
		return Failf(req.Name, "read %s: %v", selinuxConfig, err)
	}
	config := selinuxConfigMode(data)
	if config == "" {
		config = "Disabled"
	}
	running, live := "", false
	if req.Live() || host.imageIsLive {
		if b, err := os.ReadFile(filepath.Join(host.fs, "enforce")); err == nil {
			live = true
			running = "Permissive"
			if strings.TrimSpace(string(b)) == "1" {
				running = "Enforcing"
			}
		}
	}
	// What Salt reports as old: the running mode when that is what
	// changes, else the config's.
	needRun := live && tmode != "Disabled" && running != tmode
	needConfig := config != tmode
	if !needRun && !needConfig {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("SELinux is already in %s mode", tmode)}
	}
	mode := config
	if needRun {
		mode = running
	}
	changes := map[string]any{"old": mode, "new": tmode}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("SELinux mode is set to be changed to %s", tmode)}
	}
	if needRun {
		v := "0"
		if tmode == "Enforcing" {
			v = "1"
		}
		if err := os.WriteFile(filepath.Join(host.fs, "enforce"), []byte(v), 0o644); err != nil {
			return Failf(req.Name, "Failed to set SELinux to %s mode: %v", tmode, err)
		}
	}
	if needConfig {
		if err := sysWriteFile(hp, selinuxSetConfig(data, tmode), 0o644); err != nil {
			return Failf(req.Name, "Failed to set SELinux to %s mode: %v", tmode, err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("SELinux has been set to %s mode", tmode)}
}

// selinuxParseBooleans reads `semanage boolean -l -n` lines:
// "httpd_can_network_connect (off  ,  off)  Allow httpd to …", as
// name → {State, Default}.
func selinuxParseBooleans(out []byte) map[string][2]string {
	res := map[string][2]string{}
	for _, l := range linesSplit(out) {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), " ")
		if !ok {
			continue
		}
		open, close := strings.IndexByte(rest, '('), strings.IndexByte(rest, ')')
		if open < 0 || close < open {
			continue
		}
		st, def, ok := strings.Cut(rest[open+1:close], ",")
		if !ok {
			continue
		}
		res[name] = [2]string{strings.TrimSpace(st), strings.TrimSpace(def)}
	}
	return res
}

// Boolean sets an SELinux boolean on the running host, with persist for
// good (setsebool -P). It reads the booleans with `semanage boolean -l`.
//
// It needs a running SELinux: under --root it fails, as the policy store
// of an image is only changed by tools run inside it.
//
// Salt: comments and changes ({State: {old, new}}, with persist {Default: …}) are Salt's, and a dry run reports those changes too.
func selinuxBoolean(ctx context.Context, req *Request) Result {
	return selinuxBooleanWith(ctx, req, selinuxLive())
}

func selinuxBooleanWith(ctx context.Context, req *Request, host selinuxHost) Result {
	value := req.Args.String("value", "")
	persist := req.Args.Bool("persist", false)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if !req.Live() {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: errors.New("selinux.boolean needs the running system; it is not available under --root")})
	}
	out, err := host.run(ctx, nil, "semanage", "boolean", "-l", "-n")
	if err != nil {
		return Failf(req.Name, "Boolean %s is not available: %v", req.Name, err)
	}
	bools := selinuxParseBooleans(out)
	cur, ok := bools[req.Name]
	if !ok {
		return Failf(req.Name, "Boolean %s is not available", req.Name)
	}
	rvalue := selinuxRefineValue(value)
	if rvalue == "" {
		return Failf(req.Name, "%s is not a valid value for the boolean", value)
	}
	state, def := cur[0] == rvalue, cur[1] == rvalue
	if state && (!persist || def) {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: "Boolean is in the correct state"}
	}
	changes := map[string]any{}
	if !state {
		changes["State"] = map[string]any{"old": cur[0], "new": rvalue}
	}
	if persist && !def {
		changes["Default"] = map[string]any{"old": cur[1], "new": rvalue}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Boolean %s is set to be changed to %s", req.Name, rvalue)}
	}
	argv := []string{"setsebool"}
	if persist {
		argv = append(argv, "-P")
	}
	argv = append(argv, req.Name, rvalue)
	if _, err := host.run(ctx, nil, argv...); err != nil {
		return Failf(req.Name, "Failed to set the boolean %s to %s: %v", req.Name, rvalue, err)
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Boolean %s has been set to %s", req.Name, rvalue)}
}
