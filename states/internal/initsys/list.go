package initsys

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Lister is an init system that can list its services (service.get_all,
// service.get_running, service.get_enabled and the like).
type Lister interface {
	// Services returns every service and those running now, sorted, as
	// Salt's get_all and get_running name them (SaltUnitName).
	Services(ctx context.Context) (all, running []string, err error)
	// UnitFiles returns each unit file with its state, as
	// `systemctl list-unit-files` shows them, and each init script that
	// has no unit file with whether its rc links start it.
	UnitFiles(ctx context.Context) (files []UnitFile, scripts map[string]bool, err error)
}

// UnitFile is one line of `systemctl list-unit-files`.
type UnitFile struct {
	Name  string // "atd.service"
	State string // "enabled", "disabled", "static", "masked"…
}

// unitTypes are the unit types Salt's systemd module lists.
var unitTypes = []string{"service", "socket", "device", "mount", "automount", "swap", "target", "path", "timer"}

// SaltUnitName is a unit as Salt's service functions list it: a service
// without ".service" (a template keeps its "@": "getty@"), another unit
// whole ("ssh.socket"); ok is false for the types Salt leaves out
// (scopes, slices).
func SaltUnitName(unit string) (string, bool) {
	i := strings.LastIndexByte(unit, '.')
	if i < 0 || !slices.Contains(unitTypes, unit[i+1:]) {
		return "", false
	}
	if unit[i+1:] == "service" {
		return unit[:i], true
	}
	return unit, true
}

// unitFileDirs are the folders Salt's get_all reads.
var unitFileDirs = []string{"/lib/systemd/system", "/usr/lib/systemd/system", "/etc/systemd/system"}

// unitFileNames lists the units in root's unit folders, as Salt's
// _get_systemd_services does (a folder that is itself a link is skipped:
// another one in the list is where it points).
func unitFileNames(root string) map[string]bool {
	set := map[string]bool{}
	for _, d := range unitFileDirs {
		p, err := rootfs.Resolve(root, filepath.Dir(d), true)
		if err != nil {
			continue
		}
		p = filepath.Join(p, filepath.Base(d))
		if fi, err := os.Lstat(p); err != nil || !fi.IsDir() {
			continue
		}
		ents, err := os.ReadDir(p)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if n, ok := SaltUnitName(e.Name()); ok {
				set[n] = true
			}
		}
	}
	return set
}

// sysvServices lists the executable scripts of root's /etc/init.d that
// no unit file shadows, as Salt's _get_sysv_services does.
func sysvServices(root string, units map[string]bool) []string {
	dir, err := rootfs.Resolve(root, "/etc/init.d", true)
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || units[n] {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode()&0o111 != 0 {
			out = append(out, n)
		}
	}
	return out
}

// sysvStates maps the init scripts no unit file shadows to whether an S
// link starts them in runlevel, as Salt's _sysv_enabled reads them.
func sysvStates(root, runlevel string) map[string]bool {
	rc := RCLinks{Root: root}
	out := map[string]bool{}
	for _, n := range sysvServices(root, unitFileNames(root)) {
		links, err := rc.links(n)
		out[n] = false
		for _, l := range links[runlevel] {
			if err == nil && l[0] == 'S' {
				out[n] = true
			}
		}
	}
	return out
}

// Runlevel is the host's runlevel as `runlevel` prints it ("N 5"), or
// "2", the default Salt falls back on.
func Runlevel(ctx context.Context, run Runner) string {
	out, err := run.Run(ctx, "runlevel")
	if f := strings.Fields(string(out)); err == nil && len(f) == 2 {
		return f[1]
	}
	return "2"
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// allServices is Salt's get_all on root: the unit files, then the init
// scripts no unit file shadows.
func allServices(root string) []string {
	set := unitFileNames(root)
	for _, n := range sysvServices(root, set) {
		set[n] = true
	}
	return sortedSet(set)
}

// Services: Salt's get_all on the host, and its get_running: the loaded
// units whose sub-state is "running".
func (s *Systemd) Services(ctx context.Context) (all, running []string, err error) {
	units, err := s.conn.ListUnitsContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	run := map[string]bool{}
	for _, u := range units {
		if n, ok := SaltUnitName(u.Name); ok && u.SubState == "running" {
			run[n] = true
		}
	}
	return allServices(s.rc.Root), sortedSet(run), nil
}

// UnitFiles lists the unit files over D-Bus, as list-unit-files does.
func (s *Systemd) UnitFiles(ctx context.Context) ([]UnitFile, map[string]bool, error) {
	files, err := s.conn.ListUnitFilesContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	out := make([]UnitFile, 0, len(files))
	for _, f := range files {
		out = append(out, UnitFile{Name: filepath.Base(f.Path), State: f.Type})
	}
	return out, sysvStates(s.rc.Root, Runlevel(ctx, ExecRunner{})), nil
}

// Services lists the image's unit files and init scripts; nothing runs.
func (o *Offline) Services(ctx context.Context) (all, running []string, err error) {
	return allServices(o.Root), []string{}, nil
}

// UnitFiles reads `systemctl --root list-unit-files`.
func (o *Offline) UnitFiles(ctx context.Context) ([]UnitFile, map[string]bool, error) {
	out, err := o.systemctl(ctx, "list-unit-files", "--full", "--no-legend", "--no-pager")
	if err != nil {
		return nil, nil, err
	}
	// The image runs nothing: its default runlevel stands in.
	return ParseUnitFiles(string(out)), sysvStates(o.Root, "2"), nil
}

// ParseUnitFiles reads the lines of `systemctl list-unit-files
// --no-legend`: the unit, then its state (a third column, the preset, is
// left out).
func ParseUnitFiles(out string) []UnitFile {
	var files []UnitFile
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			files = append(files, UnitFile{Name: f[0], State: f[1]})
		}
	}
	return files
}

// Services lists init scripts, running when their status says so.
func (s *SysV) Services(ctx context.Context) (all, running []string, err error) {
	all = sysvServices(s.Root, nil)
	running = []string{}
	for _, n := range all {
		if st, err := s.Status(ctx, n); err == nil && st.Active {
			running = append(running, n)
		}
	}
	sort.Strings(all)
	return all, running, nil
}

// UnitFiles: a SysV host has no unit files, only scripts.
func (s *SysV) UnitFiles(ctx context.Context) ([]UnitFile, map[string]bool, error) {
	level := "2"
	if s.Live {
		level = Runlevel(ctx, s.Run)
	}
	return nil, sysvStates(s.Root, level), nil
}
