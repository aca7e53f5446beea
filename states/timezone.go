package states

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func init() {
	Register("timezone.system", timezoneSystem,
		Param{Name: "name", Type: String, Doc: "the time zone, such as Europe/Berlin or UTC."},
		Param{Name: "utc", Type: Bool, Default: true, Doc: "keep the hardware clock in UTC (the third line of /etc/adjtime); False leaves the clock setting alone."},
	)
}

const (
	tzInfoDir   = "/usr/share/zoneinfo"
	tzLocaltime = "/etc/localtime"
	tzTimezone  = "/etc/timezone"
	tzAdjtime   = "/etc/adjtime"
)

// System sets the system's time zone: /etc/localtime becomes a link to
// the zone's file under /usr/share/zoneinfo, and /etc/timezone (which
// Debian keeps) names it.
//
// Both are files, so the state works the same on a running host (systemd
// reads /etc/localtime; a daemon that cached the zone keeps it until it
// restarts) and on an image under --root, where the zone must exist in
// the image's own zoneinfo. With utc, a hardware clock set to LOCAL in
// /etc/adjtime is set to UTC; a missing adjtime is UTC already.
//
// A zone is set when /etc/localtime has its bytes (a link to another name
// of it, such as Etc/UTC for UTC, counts), as Salt's zone_compare() finds,
// and /etc/timezone, when there is one, names a zone with those bytes.
//
// Salt: comments and changes ({timezone: name}, {utc: true}) are Salt's, and a dry run reports those changes too; an /etc/timezone that names another zone is a change (Salt compares /etc/localtime only); the files are written directly rather than through timedatectl.
func timezoneSystem(ctx context.Context, req *Request) Result {
	utc := req.Args.Bool("utc", true)
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	name := req.Name
	if name == "" || strings.HasPrefix(name, "/") || strings.Contains(name, "..") || strings.ContainsAny(name, " \t\n") {
		return Failf(name, "Unable to compare desired timezone '%s' to system timezone: not a time zone name", name)
	}
	zonePath, err := rootPath(req, "name", tzInfoDir+"/"+name, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	zoneData, err := os.ReadFile(zonePath)
	if err != nil || !bytes.HasPrefix(zoneData, []byte("TZif")) {
		return Failf(name, "Unable to compare desired timezone '%s' to system timezone: no zone file %s", name, tzInfoDir+"/"+name)
	}
	ltPath, err := rootPath(req, "", tzLocaltime, false)
	if err != nil {
		return Failf(name, "%v", err)
	}
	tzPath, err := rootPath(req, "", tzTimezone, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	adjPath, err := rootPath(req, "", tzAdjtime, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	// Another name of the same zone (UTC for Etc/UTC, a link in the
	// zoneinfo folder) is the same zone: Salt compares the files' bytes.
	sameZone := func(z string) bool {
		if z == name {
			return true
		}
		if z == "" || strings.Contains(z, "..") {
			return false
		}
		hp, err := rootPath(req, "", tzInfoDir+"/"+z, true)
		if err != nil {
			return false
		}
		b, err := os.ReadFile(hp)
		return err == nil && bytes.Equal(b, zoneData)
	}
	zoneOK, err := tzCompare(ltPath, tzPath, sameZone, zoneData)
	if err != nil {
		return Failf(name, "Unable to compare desired timezone '%s' to system timezone: %v", name, err)
	}
	adj, err := sysReadFile(adjPath)
	if err != nil {
		return Failf(name, "read %s: %v", tzAdjtime, err)
	}
	myUTC := tzAdjtimeUTC(adj)
	doUTC := utc && !myUTC

	if zoneOK && !doUTC {
		msg := fmt.Sprintf("Timezone %s already set", name)
		if utc {
			msg += fmt.Sprintf(", UTC already set to %s", name)
		}
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: msg}
	}
	changes := map[string]any{}
	var msgs []string
	if !zoneOK {
		changes["timezone"] = name
	}
	if doUTC {
		changes["utc"] = true
	}
	if req.Test {
		if !zoneOK {
			msgs = append(msgs, fmt.Sprintf("Timezone %s needs to be set", name))
		}
		if doUTC {
			msgs = append(msgs, "UTC needs to be set to True")
		}
		return Result{Name: name, Result: None, Changes: changes, Comment: strings.Join(msgs, ", ")}
	}
	if !zoneOK {
		if err := tzSetZone(ltPath, tzPath, name); err != nil {
			return Failf(name, "Failed to set timezone: %v", err)
		}
		msgs = append(msgs, "Set timezone "+name)
	}
	if doUTC {
		if err := sysWriteFile(adjPath, tzAdjtimeSetUTC(adj), 0o644); err != nil {
			return Failf(name, "Failed to set UTC to True: %v", err)
		}
		msgs = append(msgs, "Set UTC to True")
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: strings.Join(msgs, ", ")}
}

// tzCompare reports whether /etc/localtime is the zone (a link to its
// file or to a file with the same bytes, or a copy of it) and
// /etc/timezone, when there is one, names it or a zone with the same
// bytes. same tells whether a zone name is the one wanted.
func tzCompare(ltPath, tzPath string, same func(string) bool, zoneData []byte) (bool, error) {
	fi, err := os.Lstat(ltPath)
	switch {
	case IsNotExist(err):
		return false, nil
	case err != nil:
		return false, err
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(ltPath)
		if err != nil {
			return false, err
		}
		if !same(tzLinkZone(target)) {
			return false, nil
		}
	case fi.Mode().IsRegular():
		b, err := os.ReadFile(ltPath)
		if err != nil {
			return false, err
		}
		if !bytes.Equal(b, zoneData) {
			return false, nil
		}
	default:
		return false, fmt.Errorf("%s is not a file or a link", tzLocaltime)
	}
	tz, err := sysReadFile(tzPath)
	if err != nil {
		return false, err
	}
	return tz == nil || same(strings.TrimSpace(string(tz))), nil
}

// tzLinkZone returns the zone a /etc/localtime link target names:
// /usr/share/zoneinfo/Europe/Berlin or ../usr/share/zoneinfo/… alike.
func tzLinkZone(target string) string {
	if !filepath.IsAbs(target) {
		target = filepath.Join("/etc", target)
	}
	target = filepath.Clean(target)
	for _, dir := range []string{tzInfoDir + "/", "/usr/lib/zoneinfo/"} {
		if z, ok := strings.CutPrefix(target, dir); ok {
			return z
		}
	}
	return ""
}

// tzSetZone points /etc/localtime at the zone (a new link renamed over
// the old file) and writes /etc/timezone.
func tzSetZone(ltPath, tzPath, name string) error {
	tmp := ltPath + ".brine-new"
	os.Remove(tmp)
	if err := os.Symlink(tzInfoDir+"/"+name, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, ltPath); err != nil {
		os.Remove(tmp)
		return err
	}
	return sysWriteFile(tzPath, []byte(name+"\n"), 0o644)
}

// tzAdjtimeUTC reads the clock mode of /etc/adjtime's third line: UTC
// unless it says LOCAL; a missing file means UTC.
func tzAdjtimeUTC(data []byte) bool {
	lines := linesSplit(data)
	return len(lines) < 3 || strings.TrimSpace(lines[2]) != "LOCAL"
}

// tzAdjtimeSetUTC returns adjtime with UTC on its third line.
func tzAdjtimeSetUTC(data []byte) []byte {
	lines := linesSplit(data)
	for len(lines) < 3 {
		switch len(lines) {
		case 0:
			lines = append(lines, "0.0 0 0.0")
		case 1:
			lines = append(lines, "0")
		default:
			lines = append(lines, "UTC")
		}
	}
	lines[2] = "UTC"
	return linesJoin(lines, func(s string) string { return s }, nil)
}
