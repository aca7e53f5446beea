package initsys

import (
	"context"
	"os"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Lister is an init system that can list its services (service.get_all,
// service.get_running).
type Lister interface {
	// Services returns every service, and those running now, by name
	// without ".service", sorted.
	Services(ctx context.Context) (all, running []string, err error)
}

// initScripts lists the scripts of ROOT/etc/init.d, as Salt's get_all
// adds them: not the rc and skeleton helpers.
func initScripts(root string) []string {
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
		if e.IsDir() || strings.HasPrefix(n, ".") || n == "README" || n == "skeleton" || n == "rc" || n == "rcS" || n == "functions" {
			continue
		}
		if fi, err := e.Info(); err == nil && fi.Mode()&0o111 != 0 {
			out = append(out, n)
		}
	}
	return out
}

// serviceName is a unit's name as Salt lists it: ".service" cut, and
// templates ("getty@.service") left out.
func serviceName(unit string) (string, bool) {
	n, ok := strings.CutSuffix(unit, ".service")
	if !ok || strings.HasSuffix(n, "@") || n == "" {
		return "", false
	}
	return n, true
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Services lists unit files and loaded units over D-Bus, and init scripts.
func (s *Systemd) Services(ctx context.Context) (all, running []string, err error) {
	set, run := map[string]bool{}, map[string]bool{}
	files, err := s.conn.ListUnitFilesByPatternsContext(ctx, nil, []string{"*.service"})
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		base := f.Path[strings.LastIndexByte(f.Path, '/')+1:]
		if n, ok := serviceName(base); ok {
			set[n] = true
		}
	}
	units, err := s.conn.ListUnitsContext(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range units {
		n, ok := serviceName(u.Name)
		if !ok || u.LoadState == "not-found" {
			continue
		}
		set[n] = true
		if u.SubState == "running" {
			run[n] = true
		}
	}
	for _, n := range initScripts("/") {
		set[n] = true
	}
	return sortedSet(set), sortedSet(run), nil
}

// Services lists the image's unit files and init scripts; nothing runs.
func (o *Offline) Services(ctx context.Context) (all, running []string, err error) {
	set := map[string]bool{}
	out, err := o.systemctl(ctx, "list-unit-files", "--type=service", "--no-legend", "--no-pager")
	if err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			f := strings.Fields(line)
			if len(f) > 0 {
				if n, ok := serviceName(f[0]); ok {
					set[n] = true
				}
			}
		}
	}
	for _, n := range initScripts(o.Root) {
		set[n] = true
	}
	return sortedSet(set), []string{}, nil
}

// Services lists init scripts, running when their status says so.
func (s *SysV) Services(ctx context.Context) (all, running []string, err error) {
	all = initScripts(s.Root)
	running = []string{}
	for _, n := range all {
		if st, err := s.Status(ctx, n); err == nil && st.Active {
			running = append(running, n)
		}
	}
	sort.Strings(all)
	return all, running, nil
}
