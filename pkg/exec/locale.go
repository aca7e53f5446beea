package exec

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Salt's locale.get_locale (salt/modules/localemod.py), which
// locale formulas read before they set one: localectl's System Locale on
// a host booted with systemd, else the LANG line of the OS family's file.
//
// Salt: under --root the image's file is read, never localectl, which
// answers for the running host.

func init() {
	register("locale.get_locale", localeGetLocale, "Return the system locale's LANG, such as en_US.UTF-8: localectl's System Locale when systemd booted the host, else the LANG= line of /etc/default/locale (Debian), /etc/sysconfig/i18n (RedHat) or /etc/sysconfig/language (SUSE); \"\" when there is none. Salt: under --root the image's file, never localectl.")
}

// systemdBooted is Salt's salt.utils.systemd.booted: /run/systemd/system
// is a directory. A variable, for tests.
var systemdBooted = func() bool {
	fi, err := os.Stat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

func localeGetLocale(ctx context.Context, c *call) Return {
	family, _ := c.host.Grains["os_family"].(string)
	major := fmt.Sprint(c.host.Grains["osmajorrelease"])
	if c.host.Root == "" && systemdBooted() && !(family == "Suse" && major == "12") {
		if _, ok := which("localectl"); !ok {
			return commandError(`Unable to find "localectl"`)
		}
		r := Call(ctx, c.host, "cmd.run", []any{"localectl status"}, nil)
		out, _ := r.Value.(string)
		st := parseLocalectl(out)
		sys, ok := st["system_locale"]
		if !ok {
			// Salt's KeyError.
			return commandError("'system_locale'")
		}
		lang, _ := sys["LANG"].(string)
		return nested(lang)
	}
	var file, re string
	switch {
	case strings.Contains(family, "Suse"):
		file, re = "/etc/sysconfig/language", "^RC_LANG"
	case strings.Contains(family, "RedHat"):
		file, re = "/etc/sysconfig/i18n", "^LANG="
	case strings.Contains(family, "Debian"):
		file, re = "/etc/default/locale", "^LANG="
	default:
		return commandError(fmt.Sprintf(`Error: "%v" is unsupported!`, c.host.Grains["oscodename"]))
	}
	// grep's lines, then Salt's .split("=")[1] with the quotes taken
	// out; a file that is missing or has no such line is "".
	b, err := os.ReadFile(c.rootPath(file, true))
	if err != nil {
		c.host.Log.Error(fmt.Sprintf(`Error occurred while running "grep "%s" %s": list index out of range`, re, file))
		return nested("")
	}
	rx := regexp.MustCompile(re)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if rx.MatchString(l) {
			lines = append(lines, l)
		}
	}
	parts := strings.Split(strings.Join(lines, "\n"), "=")
	if len(parts) < 2 {
		c.host.Log.Error(fmt.Sprintf(`Error occurred while running "grep "%s" %s": list index out of range`, re, file))
		return nested("")
	}
	return nested(strings.ReplaceAll(parts[1], `"`, ""))
}

// parseLocalectl is Salt's _localectl_status: "Key: data" lines, the
// key lower-cased with underscores; KEY=VALUE data gathered under the
// key (continuation lines too), other data as {"data": …}.
func parseLocalectl(out string) map[string]map[string]any {
	ret := map[string]map[string]any{}
	key := ""
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var data string
		if k, d, ok := strings.Cut(line, ": "); ok {
			key = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(k)), " ", "_")
			data = d
		} else {
			data = strings.TrimSpace(line)
		}
		if data == "" || key == "" {
			continue
		}
		if strings.Contains(data, "=") {
			if kv := strings.Split(data, "="); len(kv) == 2 {
				if ret[key] == nil {
					ret[key] = map[string]any{}
				}
				ret[key][kv[0]] = kv[1]
			}
			continue
		}
		var v any = data
		if data == "n/a" {
			v = nil
		}
		ret[key] = map[string]any{"data": v}
	}
	return ret
}
