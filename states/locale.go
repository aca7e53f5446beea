package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

func init() {
	Register("locale.present", localePresent,
		Param{Name: "name", Type: String, Doc: "the locale, such as en_US.UTF-8."},
	)
	Register("locale.system", localeSystem,
		Param{Name: "name", Type: String, Doc: "the locale LANG is set to, such as en_US.UTF-8."},
	)
}

const (
	localeDefault   = "/etc/default/locale"
	localeGen       = "/etc/locale.gen"
	localeSupported = "/usr/share/i18n/SUPPORTED"
	localeArchive   = "/usr/lib/locale/locale-archive"
)

// localeNorm is glibc's normalised spelling of a locale: en_US.UTF-8 and
// en_US.utf8 are the same locale.
func localeNorm(name string) string {
	lang, rest, ok := strings.Cut(name, ".")
	if !ok {
		return name
	}
	cs, mod, hasMod := strings.Cut(rest, "@")
	cs = strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(cs))
	if hasMod {
		return lang + "." + cs + "@" + mod
	}
	return lang + "." + cs
}

// localeSupportedLine finds name in SUPPORTED text ("en_US.UTF-8 UTF-8")
// and returns the line, the charset.
func localeSupportedLine(data []byte, name string) (line, charset string, ok bool) {
	for _, l := range linesSplit(data) {
		f := strings.Fields(l)
		if len(f) == 2 && !strings.HasPrefix(f[0], "#") && localeNorm(f[0]) == localeNorm(name) {
			return f[0] + " " + f[1], f[1], true
		}
	}
	return "", "", false
}

// localeGenEnable returns locale.gen with line enabled: a commented-out
// "# line" is uncommented, or the line is appended.
func localeGenEnable(data []byte, line string) ([]byte, bool) {
	want := strings.Fields(line)
	lines := linesSplit(data)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		commented := strings.HasPrefix(t, "#")
		f := strings.Fields(strings.TrimSpace(strings.TrimLeft(t, "#")))
		if len(f) == 2 && localeNorm(f[0]) == localeNorm(want[0]) && f[1] == want[1] {
			if !commented {
				return data, false
			}
			lines[i] = line
			return linesJoin(lines, func(s string) string { return s }, data), true
		}
	}
	return sysAppendLine(data, line), true
}

// localeDefaultLang reads LANG from /etc/default/locale text.
func localeDefaultLang(data []byte) string {
	lang := ""
	for _, l := range linesSplit(data) {
		k, v, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && strings.TrimSpace(k) == "LANG" {
			lang = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	return lang
}

// localeSetLang returns the file with LANG set: its line changes in
// place, or one is appended.
func localeSetLang(data []byte, name string) []byte {
	lines := linesSplit(data)
	found := false
	for i, l := range lines {
		k, _, ok := strings.Cut(strings.TrimSpace(l), "=")
		if ok && strings.TrimSpace(k) == "LANG" {
			lines[i] = "LANG=" + name
			found = true
		}
	}
	if !found {
		return sysAppendLine(data, "LANG="+name)
	}
	return linesJoin(lines, func(s string) string { return s }, data)
}

// System sets the system locale: LANG in /etc/default/locale, where
// Debian's PAM and systemd read it. Only the LANG line changes.
//
// Salt: comments and changes ({locale: name}) are Salt's, and a dry run reports those changes too; the file is written directly rather than through localectl or update-locale.
func localeSystem(ctx context.Context, req *Request) Result {
	name := req.Name
	if name == "" || strings.ContainsAny(name, " \t\n\"'=") {
		return Failf(name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a locale", name)})
	}
	hp, err := rootPath(req, "", localeDefault, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	data, err := sysReadFile(hp)
	if err != nil {
		return Failf(name, "read %s: %v", localeDefault, err)
	}
	if localeDefaultLang(data) == name {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "System locale " + name + " already set"}
	}
	changes := map[string]any{"locale": name}
	if req.Test {
		return Result{Name: name, Result: None, Changes: changes, Comment: "System locale " + name + " needs to be set"}
	}
	if err := sysWriteFile(hp, localeSetLang(data, name), 0o644); err != nil {
		return Failf(name, "Failed to set system locale: %v", err)
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: "Set system locale " + name}
}

// Present makes sure a locale is generated (in the locale archive), and
// enabled in /etc/locale.gen so that a later locale-gen keeps it.
//
// The locale must be listed in /usr/share/i18n/SUPPORTED, which Debian's
// locales package ships; brine runs localedef for that one locale, with
// --prefix and the image's own definitions under --root.
//
// Salt: comments and changes ({locale: name}) are Salt's, and a dry run reports those changes too; only the one locale is compiled, where Salt runs locale-gen for all.
func localePresent(ctx context.Context, req *Request) Result {
	return localePresentWith(ctx, req, sysExec)
}

func localePresentWith(ctx context.Context, req *Request, run sysRunner) Result {
	name := req.Name
	if name == "" || strings.ContainsAny(name, " \t\n/") {
		return Failf(name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a locale", name)})
	}
	have, err := localeAvailable(ctx, req, run)
	if err != nil {
		return Failf(name, "%v", err)
	}
	genPath, err := rootPath(req, "", localeGen, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	supPath, err := rootPath(req, "", localeSupported, true)
	if err != nil {
		return Failf(name, "%v", err)
	}
	sup, err := os.ReadFile(supPath)
	if err != nil {
		if IsNotExist(err) {
			return Failf(name, "Failed to generate system locale: no %s (install the locales package)", localeSupported)
		}
		return Failf(name, "read %s: %v", localeSupported, err)
	}
	line, charset, ok := localeSupportedLine(sup, name)
	if !ok {
		return Failf(name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("locale %s is not in %s", name, localeSupported)})
	}
	gen, err := sysReadFile(genPath)
	if err != nil {
		return Failf(name, "read %s: %v", localeGen, err)
	}
	newGen, genChange := localeGenEnable(gen, line)
	if have[localeNorm(name)] && !genChange {
		return Result{Name: name, Result: True, Changes: map[string]any{}, Comment: "Locale " + name + " is already present"}
	}
	changes := map[string]any{"locale": name}
	if req.Test {
		return Result{Name: name, Result: None, Changes: changes, Comment: "Locale " + name + " needs to be generated"}
	}
	if genChange {
		if err := sysWriteFile(genPath, newGen, 0o644); err != nil {
			return Failf(name, "%v", err)
		}
	}
	if !have[localeNorm(name)] {
		lang, _, _ := strings.Cut(strings.Fields(line)[0], ".")
		lang = strings.SplitN(lang, "@", 2)[0]
		if at := strings.Index(strings.Fields(line)[0], "@"); at >= 0 {
			lang += strings.Fields(line)[0][at:]
		}
		argv := []string{"localedef"}
		var env []string
		if !req.Live() {
			argv = append(argv, "--prefix="+req.Root)
			i18n, err := rootPath(req, "", "/usr/share/i18n", true)
			if err != nil {
				return Failf(name, "%v", err)
			}
			env = append(env, "I18NPATH="+i18n)
			arch, err := rootPath(req, "", "/usr/lib/locale", true)
			if err != nil {
				return Failf(name, "%v", err)
			}
			if err := os.MkdirAll(arch, 0o755); err != nil {
				return Failf(name, "%v", err)
			}
		}
		argv = append(argv, "-i", lang, "-f", charset, strings.Fields(line)[0])
		if _, err := run(ctx, env, argv...); err != nil {
			return Failf(name, "Failed to generate system locale: %v", err)
		}
	}
	return Result{Name: name, Result: True, Changes: changes, Comment: "Generated locale " + name}
}

// localeAvailable lists the locales compiled in the root: those of the
// locale archive and those in directories of their own.
func localeAvailable(ctx context.Context, req *Request, run sysRunner) (map[string]bool, error) {
	out := map[string]bool{}
	arch, err := rootPath(req, "", localeArchive, true)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(arch); err == nil {
		b, err := run(ctx, nil, "localedef", "--list-archive", arch)
		if err != nil {
			return nil, fmt.Errorf("list the locale archive: %w", err)
		}
		for _, l := range linesSplit(b) {
			if l = strings.TrimSpace(l); l != "" {
				out[localeNorm(l)] = true
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	dir, err := rootPath(req, "", "/usr/lib/locale", true)
	if err != nil {
		return nil, err
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if e.IsDir() {
			if _, err := os.Stat(dir + "/" + e.Name() + "/LC_CTYPE"); err == nil {
				out[localeNorm(e.Name())] = true
			}
		}
	}
	return out, nil
}
