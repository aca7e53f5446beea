package states

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/brine-cm/brine/pkg/atomicfile"
)

func init() {
	Register("sysctl.present", sysctlPresent,
		Param{Name: "name", Type: String, Doc: "the key, such as net.ipv4.ip_forward (a/b/c is read as a.b.c)."},
		Param{Name: "value", Type: String, Required: true, Doc: `the value; several whitespace-separated fields (such as net.ipv4.ip_local_port_range "32768 60999") compare field by field.`},
		Param{Name: "config", Type: Path, Doc: "the file that persists it; default on a systemd host (or a --root image with systemd) /etc/sysctl.d/99-salt.conf when it exists, else /etc/sysctl.d/99-brine.conf; /etc/sysctl.conf elsewhere."},
	)
}

// Present makes sure a kernel parameter has a value, on the running host
// and in a configuration file read at boot.
//
// Only the key's own line in config changes (or one line is appended,
// "key = value", a value of several fields tab-separated as Salt writes
// it); every other byte of the file is kept. With --root only config is written:
// the running kernel is never touched, and config (with the links on its
// way) resolves inside the root; one that would leave it fails the state.
//
// The default file on a systemd host is /etc/sysctl.d/99-salt.conf when
// it exists (a host Salt managed: it sorts after 99-brine.conf, so its
// values would win at boot), else /etc/sysctl.d/99-brine.conf.
//
// Salt: the default file is 99-brine.conf unless 99-salt.conf exists, where Salt always uses 99-salt.conf; a value already live but different in config is a change (Salt's dry run calls it set); a dry run reports the changes {name: value} of a real run (Salt's reports none); a key the kernel lacks fails.
func sysctlPresent(ctx context.Context, req *Request) Result {
	return sysctlApply(ctx, req, sysctlHost{procDir: "/proc/sys"})
}

// sysctlHost is where the running kernel's values are read and written;
// unit tests point it at a folder.
type sysctlHost struct {
	procDir string
}

func sysctlApply(ctx context.Context, req *Request, host sysctlHost) Result {
	name := sysctlNormKey(req.Name)
	if name == "" || strings.ContainsAny(name, " \t\n=") || strings.Contains(name, "..") {
		return Failf(req.Name, "argument %q: %q is not a sysctl key", "name", req.Name)
	}
	if !req.Args.Has("value") {
		return Failf(req.Name, "argument %q: required", "value")
	}
	value := req.Args.String("value", "")
	config := req.Args.String("config", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if strings.ContainsAny(value, "\n") {
		return Failf(req.Name, "argument %q: a sysctl value is one line", "value")
	}
	want := sysctlNormValue(value)
	if config == "" {
		config = sysctlDefaultConfig(req)
	}
	// Resolved before anything is read, so that a config that is not
	// absolute or leaves the root fails the state whole, under test too.
	path, err := rootPath(req, "config", config, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}

	changed := false

	// Runtime first, as the kernel is the one that matters now.
	var liveCur string
	liveChange := false
	if req.Live() {
		p := filepath.Join(host.procDir, strings.ReplaceAll(name, ".", "/"))
		b, err := os.ReadFile(p)
		if err != nil {
			if IsNotExist(err) {
				return Failf(req.Name, "Sysctl key %s does not exist on this host (no %s)", name, p)
			}
			return Failf(req.Name, "Sysctl key %s: %v", name, err)
		}
		liveCur = sysctlNormValue(string(b))
		if liveCur != want {
			liveChange, changed = true, true
		}
	}

	// Then the file that persists it.
	data, err := os.ReadFile(path)
	if err != nil && !IsNotExist(err) {
		return Failf(req.Name, "sysctl %s: %v", config, err)
	}
	lines, err := sysctlParse(config, data)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	newData, fileChange := sysctlSet(data, lines, name, value)
	if fileChange {
		changed = true
	}

	// The comments are those of Salt's sysctl.present, with the name as
	// the SLS gave it.
	if !changed {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{},
			Comment: fmt.Sprintf("Sysctl value %s = %s is already set", req.Name, value)}
	}
	changes := map[string]any{req.Name: value}
	if req.Test {
		inConfig := false
		for _, l := range lines {
			inConfig = inConfig || l.Key == name
		}
		comment := fmt.Sprintf("Sysctl option %s would be changed to %s", req.Name, value)
		switch {
		case inConfig:
		case req.Live() && !liveChange:
			comment = fmt.Sprintf("Sysctl value is currently set on the running system but not in a config file. Sysctl option %s set to be changed to %s in config file.", req.Name, value)
		default:
			comment = fmt.Sprintf("Sysctl option %s set to be changed to %s", req.Name, value)
		}
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: comment}
	}

	if liveChange {
		p := filepath.Join(host.procDir, strings.ReplaceAll(name, ".", "/"))
		if err := os.WriteFile(p, []byte(value+"\n"), 0o644); err != nil {
			return Failf(req.Name, "Failed to set sysctl %s = %s: %v", name, value, err)
		}
		if b, err := os.ReadFile(p); err == nil && sysctlNormValue(string(b)) != want {
			return Failf(req.Name, "Failed to set sysctl %s = %s: the kernel keeps %q", name, value, sysctlNormValue(string(b)))
		}
	}
	if fileChange {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return Failf(req.Name, "sysctl %s: %v", config, err)
		}
		if err := atomicfile.Write(path, newData, 0o644); err != nil {
			return Failf(req.Name, "sysctl: %v", err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes,
		Comment: fmt.Sprintf("Updated sysctl value %s = %s", req.Name, value)}
}

// sysctlDefaultConfig picks sysctl.d on systemd systems, as Salt does.
func sysctlDefaultConfig(req *Request) string {
	systemd := false
	if req.Live() {
		_, err := os.Stat("/run/systemd/system")
		systemd = err == nil
	} else {
		for _, p := range []string{"/lib/systemd/systemd", "/usr/lib/systemd/systemd"} {
			if hp, err := rootPath(req, "", p, true); err == nil {
				if _, err := os.Stat(hp); err == nil {
					systemd = true
				}
			}
		}
	}
	if systemd {
		// A host Salt managed has its values in 99-salt.conf, which
		// sorts after 99-brine.conf and so would win at boot: brine goes
		// on editing it.
		if hp, err := rootPath(req, "", sysctlSaltConfig, true); err == nil {
			if fi, err := os.Stat(hp); err == nil && fi.Mode().IsRegular() {
				return sysctlSaltConfig
			}
		}
		return "/etc/sysctl.d/99-brine.conf"
	}
	return "/etc/sysctl.conf"
}

// sysctlSaltConfig is Salt's default file on systemd hosts.
const sysctlSaltConfig = "/etc/sysctl.d/99-salt.conf"

// sysctlNormKey spells a key with dots, as sysctl(8) accepts a/b/c too.
func sysctlNormKey(k string) string {
	k = strings.TrimSpace(k)
	if !strings.Contains(k, ".") {
		k = strings.ReplaceAll(k, "/", ".")
	}
	return k
}

// sysctlNormValue compares values field by field, as the kernel prints
// multi-value keys tab-separated.
func sysctlNormValue(v string) string { return strings.Join(strings.Fields(v), " ") }

// sysctlLine is one line of a sysctl.conf file. Key is empty for blank
// lines and comments. The value spans Raw[ValStart:ValEnd].
type sysctlLine struct {
	Raw              string // without its newline
	Key              string // normalised
	Value            string
	ValStart, ValEnd int
}

// sysctlParse reads sysctl.conf syntax (sysctl.conf(5)): `key = value`,
// comments starting with # or ;, a leading - to ignore errors. A line
// that is none of these is an error naming file and line.
func sysctlParse(file string, data []byte) ([]sysctlLine, error) {
	var out []sysctlLine
	for i, raw := range linesSplit(data) {
		l := sysctlLine{Raw: raw}
		t := strings.TrimSpace(raw)
		if t == "" || t[0] == '#' || t[0] == ';' {
			out = append(out, l)
			continue
		}
		eq := strings.IndexByte(raw, '=')
		if eq < 0 {
			return nil, fmt.Errorf("%s:%d: want key = value, got %q", file, i+1, raw)
		}
		key := strings.TrimSpace(raw[:eq])
		key = strings.TrimPrefix(key, "-")
		if key == "" {
			return nil, fmt.Errorf("%s:%d: no key before '=' in %q", file, i+1, raw)
		}
		l.Key = sysctlNormKey(key)
		rest := raw[eq+1:]
		trimmed := strings.TrimLeft(rest, " \t")
		l.ValStart = eq + 1 + len(rest) - len(trimmed)
		l.Value = strings.TrimRight(trimmed, " \t\r")
		l.ValEnd = l.ValStart + len(l.Value)
		out = append(out, l)
	}
	return out, nil
}

// sysctlSet returns the file with key set to value: every line of that
// key gets the new value in place (later lines win in sysctl, so none may
// disagree), or a line is appended. Other bytes are kept.
func sysctlSet(data []byte, lines []sysctlLine, key, value string) ([]byte, bool) {
	want := sysctlNormValue(value)
	// Salt's persist() writes a value of several fields tab-separated,
	// as the kernel prints it.
	if strings.ContainsAny(strings.TrimSpace(value), " \t") {
		value = strings.Join(strings.Fields(value), "\t")
	}
	found, changed := false, false
	raws := make([]string, len(lines))
	for i, l := range lines {
		raws[i] = l.Raw
		if l.Key == key {
			found = true
			if sysctlNormValue(l.Value) != want {
				changed = true
				raws[i] = l.Raw[:l.ValStart] + value + l.Raw[l.ValEnd:]
			}
		}
	}
	if found {
		if !changed {
			return data, false
		}
		return linesJoin(raws, func(s string) string { return s }, data), true
	}
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, key+" = "+value+"\n"...)
	return out, true
}
