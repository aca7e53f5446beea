package initsys

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// Runner runs a command as argv and returns its combined output.
type Runner interface {
	Run(ctx context.Context, argv ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run runs argv; a non-zero exit is an error carrying the output.
func (ExecRunner) Run(ctx context.Context, argv ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return out, nil
}

// LSB is the part of an init script's LSB header that places its links.
type LSB struct {
	Start []string // Default-Start runlevels
	Stop  []string // Default-Stop runlevels
}

// ParseLSB reads the ### BEGIN INIT INFO block of an init script. With no
// block, Debian's defaults apply: start in 2 3 4 5, stop in 0 1 6.
func ParseLSB(script []byte) LSB {
	l := LSB{}
	in, found := false, false
	sc := bufio.NewScanner(bytes.NewReader(script))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "### BEGIN INIT INFO"):
			in, found = true, true
		case strings.HasPrefix(line, "### END INIT INFO"):
			in = false
		case in && strings.HasPrefix(line, "#"):
			k, v, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "#")), ":")
			if !ok {
				continue
			}
			switch strings.TrimSpace(k) {
			case "Default-Start":
				l.Start = strings.Fields(v)
			case "Default-Stop":
				l.Stop = strings.Fields(v)
			}
		}
	}
	if !found {
		return LSB{Start: []string{"2", "3", "4", "5"}, Stop: []string{"0", "1", "6"}}
	}
	return l
}

// RCLinks manages /etc/rcN.d links of init scripts in a root folder, the
// way update-rc.d defaults/enable/disable leave them: S01name in the
// Default-Start levels, K01name in the Default-Stop ones, and disable turns
// S links into K links. insserv would renumber them at the next boot
// sequence change; the number carries no meaning to brine.
//
// Every folder and script is reached through rootfs.Resolve, so that an
// image whose /etc/rc2.d is a link to the host's cannot have brine add or
// remove the host's links.
type RCLinks struct {
	Root string
}

// path resolves p, a path inside the root, with rootfs.Resolve.
func (r RCLinks) path(p string) (string, error) {
	hp, err := rootfs.Resolve(r.Root, p, true)
	if err != nil {
		return "", fmt.Errorf("rc links: %w", err)
	}
	return hp, nil
}

func (r RCLinks) script(name string) (string, error) {
	return r.path("/etc/init.d/" + name)
}

// HasScript reports whether ROOT/etc/init.d/NAME exists.
func (r RCLinks) HasScript(name string) bool {
	p, err := r.script(name)
	if err != nil {
		return false
	}
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// links returns the rc links of name, level → link file name.
func (r RCLinks) links(name string) (map[string][]string, error) {
	out := map[string][]string{}
	etc, err := r.path("/etc")
	if err != nil {
		return nil, err
	}
	dirs, err := filepath.Glob(filepath.Join(etc, "rc?.d"))
	if err != nil {
		return nil, err
	}
	for _, d := range dirs {
		level := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(d), "rc"), ".d")
		// Each rcN.d may itself be a link: resolved inside the root too.
		rd, err := r.path("/etc/" + filepath.Base(d))
		if err != nil {
			return nil, err
		}
		ents, err := os.ReadDir(rd)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if len(n) == 3+len(name) && (n[0] == 'S' || n[0] == 'K') && n[3:] == name {
				out[level] = append(out[level], n)
			}
		}
	}
	return out, nil
}

// Enabled reports what systemd-sysv-install is-enabled checks: an S link
// in rcS.d or rc5.d (any of rc2-5.d, to cover scripts without level 5).
func (r RCLinks) Enabled(name string) (bool, error) {
	links, err := r.links(name)
	if err != nil {
		return false, err
	}
	for _, level := range []string{"S", "2", "3", "4", "5"} {
		for _, l := range links[level] {
			if l[0] == 'S' {
				return true, nil
			}
		}
	}
	return false, nil
}

// Enable makes S links in the script's start levels and K links in its
// stop levels, replacing what is there for those levels.
func (r RCLinks) Enable(name string) error { return r.set(name, true) }

// Disable makes every start level's link a K link, keeping the levels
// known, as update-rc.d disable does.
func (r RCLinks) Disable(name string) error { return r.set(name, false) }

func (r RCLinks) set(name string, enable bool) error {
	script, err := r.script(name)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(script)
	if err != nil {
		return fmt.Errorf("init script %s: %w", name, err)
	}
	lsb := ParseLSB(data)
	existing, err := r.links(name)
	if err != nil {
		return err
	}
	want := map[string]string{} // level → link name
	for _, l := range lsb.Stop {
		want[l] = "K01" + name
	}
	for _, l := range lsb.Start {
		if enable {
			want[l] = "S01" + name
		} else {
			want[l] = "K01" + name
		}
	}
	levels := make([]string, 0, len(want))
	for l := range want {
		levels = append(levels, l)
	}
	sort.Strings(levels)
	for _, level := range levels {
		link := want[level]
		dir, err := r.path("/etc/rc" + level + ".d")
		if err != nil {
			return err
		}
		keep := false
		for _, have := range existing[level] {
			if have[0] == link[0] {
				keep = true // same kind already there; leave its number alone
				continue
			}
			if err := os.Remove(filepath.Join(dir, have)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("rc link %s: %w", have, err)
			}
		}
		if keep {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("rc links: %w", err)
		}
		if err := os.Symlink("../init.d/"+name, filepath.Join(dir, link)); err != nil && !errors.Is(err, os.ErrExist) {
			return fmt.Errorf("rc link %s: %w", link, err)
		}
	}
	return nil
}
