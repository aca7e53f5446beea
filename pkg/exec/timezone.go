package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// The getters of Salt's timezone module (salt/modules/timezone.py), which
// formulas read to decide whether to set the zone: timedatectl's answer
// when the host has it, else the files of the OS family.
//
// Salt: under --root the files of the image are read, never timedatectl,
// which answers for the running host.

func init() {
	register("timezone.get_zone", timezoneGetZone, "Return the host's time zone, such as Europe/Paris: timedatectl's Time zone when the host has timedatectl, else /etc/timezone (Debian), /etc/sysconfig/clock (RedHat, SUSE) or /etc/localtime's link (CentOS). Salt: under --root the image's files, never timedatectl, which answers for the running host.")
	register("timezone.get_zonecode", timezoneDate("+%Z"), "Return the abbreviation of the host's time zone, such as CET: `date +%Z`.")
	register("timezone.get_offset", timezoneDate("+%z"), "Return the host's offset from UTC, such as +0100: `date +%z`.")
	register("timezone.zone_compare", timezoneZoneCompare, "Return True when /etc/localtime holds the same bytes as the named zone's file in /usr/share/zoneinfo.",
		states.Param{Name: "timezone", Type: states.String, Required: true, Doc: "the zone, such as Europe/Paris."})
}

var timedatectlZone = regexp.MustCompile(`^Time ?zone:\s+(\S+)`)

func timezoneGetZone(ctx context.Context, c *call) Return {
	if _, ok := which("timedatectl"); ok && c.host.Root == "" {
		r := Call(ctx, c.host, "cmd.run_all", []any{"timedatectl"}, map[string]any{"python_shell": false})
		out, _ := r.Value.(map[string]any)
		if out == nil {
			return r
		}
		if code, _ := out["retcode"].(int); code != 0 {
			return commandError(fmt.Sprintf("timedatectl failed: %v", out["stderr"]))
		}
		stdout, _ := out["stdout"].(string)
		for _, l := range strings.Split(stdout, "\n") {
			if m := timedatectlZone.FindStringSubmatch(strings.TrimSpace(l)); m != nil {
				return nested(m[1])
			}
		}
		return commandError(fmt.Sprintf("Failed to parse timedatectl output: %s\nPlease file an issue with SaltStack", stdout))
	}
	osName, _ := c.host.Grains["os"].(string)
	family, _ := c.host.Grains["os_family"].(string)
	switch {
	case strings.EqualFold(osName, "centos"):
		return tzEtcLocaltime(c)
	case strings.Contains(family, "RedHat") || strings.Contains(family, "Suse"):
		return tzSysconfig(c)
	case strings.Contains(family, "Debian") || strings.Contains(family, "Gentoo"):
		b, err := os.ReadFile(c.rootPath("/etc/timezone", true))
		if err != nil {
			return commandError(fmt.Sprintf("Problem reading timezone file /etc/timezone: %s", strerror(err)))
		}
		return nested(strings.TrimSpace(string(b)))
	case family == "FreeBSD" || family == "OpenBSD" || family == "NetBSD" || family == "NILinuxRT" || family == "Slackware":
		return tzEtcLocaltime(c)
	}
	return commandError("Unable to get timezone")
}

// strerror is an OS error's text as Python's OSError.strerror words it.
func strerror(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		return strings.ToUpper(s[:1]) + s[1:]
	}
	return err.Error()
}

// tzSysconfig is Salt's _get_zone_sysconfig: the first ZONE line of
// /etc/sysconfig/clock (TIMEZONE too), unquoted, UTC when empty.
func tzSysconfig(c *call) Return {
	b, err := os.ReadFile(c.rootPath("/etc/sysconfig/clock", true))
	if err != nil {
		// Salt's open() raises: the call fails with the OS error.
		return commandError(fmt.Sprintf("[Errno %d] %s: '/etc/sysconfig/clock'", errnoOf(err), strerror(err)))
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "#") {
			continue
		}
		if strings.Contains(l, "ZONE") && strings.Contains(l, "=") {
			parts := strings.Split(l, "=")
			z := strings.Trim(parts[len(parts)-1], `'"`)
			if z == "" {
				z = "UTC"
			}
			return nested(z)
		}
	}
	return commandError("Unable to get timezone from /etc/sysconfig/clock")
}

func errnoOf(err error) int {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return int(errno)
	}
	return 0
}

// tzEtcLocaltime is Salt's _get_zone_etc_localtime: where /etc/localtime
// links under /usr/share/zoneinfo/, else the zoneinfo file of the same
// content.
func tzEtcLocaltime(c *call) Return {
	const tzdir = "/usr/share/zoneinfo/"
	lt := c.rootPath("/etc/localtime", false)
	target, err := os.Readlink(lt)
	switch {
	case err == nil:
		if !path.IsAbs(target) {
			target = path.Join("/etc", target)
		}
		target = path.Clean(target)
		if strings.HasPrefix(target, tzdir) {
			return nested(strings.TrimPrefix(target, tzdir))
		}
	case errors.Is(err, fs.ErrNotExist):
		return commandError("/etc/localtime does not exist")
	case errors.Is(err, syscall.EINVAL):
		c.host.Log.Warn("/etc/localtime is not a symbolic link. Attempting to match it to zoneinfo files.")
		want, rerr := os.ReadFile(lt)
		if rerr != nil {
			return commandError(rerr.Error())
		}
		root := c.rootPath(tzdir, true)
		var found string
		_ = fs.WalkDir(os.DirFS(root), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || found != "" {
				return nil
			}
			// Salt skips the lower-case names (posixrules, zone.tab…).
			if p[0] >= 'a' && p[0] <= 'z' {
				return nil
			}
			if b, err := os.ReadFile(path.Join(root, p)); err == nil && bytes.Equal(b, want) {
				found = p
				return fs.SkipAll
			}
			return nil
		})
		if found != "" {
			return nested(found)
		}
	}
	return commandError("Unable to determine timezone")
}

// timezoneDate runs date with a format, as Salt's cmd.run(["date", fmt]).
func timezoneDate(format string) func(context.Context, *call) Return {
	return func(ctx context.Context, c *call) Return {
		return Call(ctx, c.host, "cmd.run", []any{"date " + format}, map[string]any{"python_shell": false})
	}
}

func timezoneZoneCompare(_ context.Context, c *call) Return {
	tz := c.str("timezone")
	lt := c.rootPath("/etc/localtime", true)
	zone := c.rootPath("/usr/share/zoneinfo/"+tz, true)
	a, err := os.ReadFile(lt)
	if err != nil {
		return commandError(fmt.Sprintf("Failed to read /etc/localtime to determine current timezone: %s", strerror(err)))
	}
	b, err := os.ReadFile(zone)
	if err != nil {
		return invocationError(fmt.Sprintf("Can't find a local timezone \"%s\"", tz))
	}
	return nested(bytes.Equal(a, b))
}

// rootPath is a path of the host (the image, under --root), as Resolve
// finds it; one that leaves the root is taken as written under it.
func (c *call) rootPath(p string, followLast bool) string {
	hp, err := rootfs.Resolve(c.host.Root, p, followLast)
	if err != nil {
		return filepath.Join(c.host.Root, p)
	}
	return hp
}
