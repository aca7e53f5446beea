package exec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	osexec "os/exec"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// pkg.info_installed, as Salt's aptpkg.info_installed over
// dpkg_lowpkg.info: dpkg-query's fields for each installed package, the
// install date from its file list, the licenses of its copyright file,
// and the keys renamed to the common ones (name, vendor, group, packager,
// url).

func init() {
	register("pkg.info_installed", pkgInfoInstalled, "Return what dpkg knows of installed packages (all when none is named): name, version, architecture, packager, group, source, url, description, install_date, license…, as Salt's aptpkg: pkg.info_installed bash.",
		states.Param{Name: "names", Type: states.String, Many: true, Doc: "the packages, one an argument (globs as dpkg-query takes them)."},
		states.Param{Name: "failhard", Type: states.Bool, Default: true, Doc: "a package that is not installed is an error; False leaves it out."},
		states.Param{Name: "all_versions", Type: states.Bool, Default: false, Doc: "give each package a list of its versions' information."},
		states.Param{Name: "attr", Type: states.StringList, Doc: "only these attributes (comma-separated or a list), as Salt's."})
}

// dpkgInfoFormat is dpkg_lowpkg._get_pkg_info's dpkg-query format.
const dpkgInfoFormat = `package:${Package}\n` +
	`revision:${binary:Revision}\n` +
	`architecture:${Architecture}\n` +
	`maintainer:${Maintainer}\n` +
	`summary:${Summary}\n` +
	`source:${source:Package}\n` +
	`version:${Version}\n` +
	`section:${Section}\n` +
	`installed_size:${Installed-size}\n` +
	`size:${Size}\n` +
	`MD5:${MD5sum}\n` +
	`SHA1:${SHA1}\n` +
	`SHA256:${SHA256}\n` +
	`origin:${Origin}\n` +
	`homepage:${Homepage}\n` +
	`status:${db:Status-Abbrev}\n` +
	`description:${Description}\n` +
	`\n*/~^\\*\n`

var dpkgInfoSep = regexp.MustCompile(`\r?\n\*/~\^\\\*(\r?\n|)`)

// parseDpkgInfo reads dpkg-query's output in dpkgInfoFormat as
// _get_pkg_info does: a record a package, its non-empty fields, and the
// description, as it is, to the record's end.
func parseDpkgInfo(out string) []map[string]any {
	var recs []map[string]any
	for _, elm := range dpkgInfoSep.Split(out, -1) {
		if strings.TrimSpace(elm) == "" {
			continue
		}
		info, descr, _ := strings.Cut(elm, "\ndescription:")
		rec := map[string]any{}
		for _, l := range strings.Split(info, "\n") {
			l = strings.TrimSpace(l)
			if k, v, ok := strings.Cut(l, ":"); ok && v != "" {
				rec[k] = v
			}
		}
		rec["description"] = descr
		recs = append(recs, rec)
	}
	return recs
}

// dpkgLicenses is _get_pkg_license: the License: lines of the package's
// copyright file, sorted and joined.
func dpkgLicenses(root, pkg string) string {
	p, err := rootfs.Resolve(root, "/usr/share/doc/"+pkg+"/copyright", true)
	if err != nil {
		return ""
	}
	f, err := os.Open(p)
	if err != nil {
		return ""
	}
	defer f.Close()
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "License:"); ok {
			seen[strings.TrimSpace(v)] = true
		}
	}
	l := make([]string, 0, len(seen))
	for k := range seen {
		l = append(l, k)
	}
	sort.Strings(l)
	return strings.Join(l, ", ")
}

// infoRenames are info_installed's renames of dpkg's keys.
var infoRenames = map[string]string{"package": "name", "origin": "vendor", "section": "group", "maintainer": "packager", "homepage": "url"}

func pkgInfoInstalled(ctx context.Context, c *call) Return {
	argv := []string{"-W", "-f=" + dpkgInfoFormat}
	if !rootfs.Live(c.host.Root) {
		admin, err := rootfs.Resolve(c.host.Root, "/var/lib/dpkg", true)
		if err != nil {
			return pkgFail(c, err)
		}
		argv = append([]string{"--admindir=" + admin}, argv...)
	}
	argv = append(argv, c.strings("names")...)
	cmd := osexec.CommandContext(ctx, "dpkg-query", argv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *osexec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return pkgFail(c, err)
	}
	if err != nil {
		if c.boolean("failhard") {
			return commandError("Error getting packages information: " + strings.TrimRight(stderr.String(), " \t\r\n"))
		}
		return nested(map[string]any{})
	}
	attrs := map[string]bool{}
	for _, a := range c.strings("attr") {
		for _, p := range strings.Split(a, ",") {
			attrs[strings.TrimSpace(p)] = true
		}
	}
	out := map[string]any{}
	for _, rec := range parseDpkgInfo(stdout.String()) {
		pkg, _ := rec["package"].(string)
		// info(): the "technical" key goes; the install date and the
		// licenses come.
		delete(rec, "installed_size")
		if list, err := rootfs.Resolve(c.host.Root, "/var/lib/dpkg/info/"+pkg+".list", true); err == nil {
			if fi, err := os.Stat(list); err == nil {
				rec["install_date"] = fi.ModTime().UTC().Truncate(time.Second).Format("2006-01-02T15:04:05") + "Z"
			}
		}
		if lic := dpkgLicenses(c.host.Root, pkg); lic != "" {
			rec["license"] = lic
		}
		if st, _ := rec["status"].(string); len(st) < 2 || st[1] != 'i' {
			continue // only what is really installed
		}
		nfo := map[string]any{}
		for k, v := range rec {
			if k == "status" {
				continue
			}
			if n, ok := infoRenames[k]; ok {
				k = n
			}
			if len(attrs) > 0 && !attrs[k] {
				continue
			}
			nfo[k] = v
		}
		if c.boolean("all_versions") {
			l, _ := out[pkg].([]any)
			out[pkg] = append(l, nfo)
		} else {
			out[pkg] = nfo
		}
	}
	return nested(out)
}
