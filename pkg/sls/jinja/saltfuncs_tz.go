package jinja

import (
	"errors"
	"fmt"
	"os"
	"path"
	"regexp"
	"strings"

	"github.com/brine-cm/brine/pkg/rootfs"
)

// tzLine is the line of timedatectl's status Salt's get_zone reads.
var tzLine = regexp.MustCompile(`Time ?zone:\s+(\S+)`)

// timezoneGetZone is Salt's timezone.get_zone (salt/modules/timezone.py)
// on Linux: the zone timedatectl reports, when the host has it; else,
// as Salt falls back by OS family, /etc/timezone (Debian, Gentoo),
// /etc/sysconfig/clock's ZONE (RedHat, Suse), or the zoneinfo path
// /etc/localtime links to. Formulas put it in containers' TZ and
// applications' time_zone settings. Under SaltContext.Root the image's
// zone is read from its files, /etc/localtime's link first (what
// timedatectl would report there), and nothing runs.
func timezoneGetZone(c *saltCtx) Func {
	return func([]any, map[string]any) (any, error) {
		if c.Root == "" && c.RunCmd != nil && whichExec("", "timedatectl") != "" {
			r, err := c.RunCmd("timedatectl", false, false)
			if err != nil {
				return nil, fmt.Errorf("timezone.get_zone: %w", err)
			}
			if r.Retcode != 0 {
				return nil, fmt.Errorf("timezone.get_zone: timedatectl failed: %s", strings.TrimSpace(r.Stderr))
			}
			for _, line := range strings.Split(r.Stdout, "\n") {
				if m := tzLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
					return m[1], nil
				}
			}
			return nil, fmt.Errorf("timezone.get_zone: Failed to parse timedatectl output: %s", r.Stdout)
		}
		read := func(p string) (string, error) {
			full, err := rootfs.Resolve(c.Root, p, true)
			if err != nil {
				return "", err
			}
			b, err := os.ReadFile(full)
			return string(b), err
		}
		if c.Root != "" {
			if z, ok := localtimeZone(c.Root); ok {
				return z, nil
			}
		}
		family, _ := c.Grains["os_family"].(string)
		switch {
		case strings.Contains(family, "Debian") || strings.Contains(family, "Gentoo"):
			s, err := read("/etc/timezone")
			if err != nil {
				return nil, fmt.Errorf("timezone.get_zone: Problem reading timezone file /etc/timezone: %w", err)
			}
			return strings.TrimSpace(s), nil
		case strings.Contains(family, "RedHat") || strings.Contains(family, "Suse"):
			s, err := read("/etc/sysconfig/clock")
			if err == nil {
				for _, line := range strings.Split(s, "\n") {
					if strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
						continue
					}
					if strings.Contains(line, "ZONE") && strings.Contains(line, "=") {
						parts := strings.Split(line, "=")
						if z := strings.Trim(parts[len(parts)-1], `'"`); z != "" {
							return z, nil
						}
						return "UTC", nil
					}
				}
			}
			return nil, errors.New("timezone.get_zone: Unable to get timezone from /etc/sysconfig/clock")
		}
		if z, ok := localtimeZone(c.Root); ok {
			return z, nil
		}
		return nil, errors.New("timezone.get_zone: Unable to determine timezone")
	}
}

// localtimeZone is Salt's _get_zone_etc_localtime: the path below
// /usr/share/zoneinfo/ that /etc/localtime links to.
func localtimeZone(root string) (string, bool) {
	target, err := os.Readlink(path.Join("/", root, "etc/localtime"))
	if err != nil {
		return "", false
	}
	olson := path.Clean(path.Join("/etc", target))
	const tzdir = "/usr/share/zoneinfo/"
	if strings.HasPrefix(olson, tzdir) {
		return olson[len(tzdir):], true
	}
	return "", false
}
