package exec

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Salt's pkg.list_repos on Debian (salt/modules/aptpkg.py over
// salt/utils/pkg/deb.py's SourcesList, Salt 3006's own parser): the
// one-line entries of /etc/apt/sources.list and sources.list.d/**/*.list,
// disabled (# deb …) ones too, by URI.
//
// Salt: only apt's sources are read (yum's .repo files are not), as
// Salt 3006's parser reads no deb822 .sources files.

func init() {
	register("pkg.list_repos", pkgListRepos, "Return apt's repositories, by URI, each a list of {file, comps, disabled, dist, type, uri, line, architectures, signedby}: the deb lines of /etc/apt/sources.list and sources.list.d/*.list, as Salt 3006 reads them (no deb822 .sources). Salt: the Debian family only.")
}

func pkgListRepos(_ context.Context, c *call) Return {
	if family, _ := c.host.Grains["os_family"].(string); family != "" && family != "Debian" {
		return commandError("pkg.list_repos: brine reads apt's sources only (os_family " + family + ")")
	}
	var files []string
	main := c.rootPath("/etc/apt/sources.list", true)
	if fi, err := os.Stat(main); err == nil && !fi.IsDir() {
		files = append(files, main)
	}
	dir := c.rootPath("/etc/apt/sources.list.d", true)
	var more []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".list") {
			more = append(more, p)
		}
		return nil
	})
	sort.Strings(more)
	files = append(files, more...)
	repos := map[string]any{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range strings.SplitAfter(string(b), "\n") {
			e, ok := parseSourceLine(line)
			if !ok {
				continue
			}
			e["file"] = c.rel(f)
			uri := e["uri"].(string)
			l, _ := repos[uri].([]any)
			repos[uri] = append(l, e)
		}
	}
	return nested(repos)
}

var (
	cdromLine   = regexp.MustCompile(`^(.*)(cdrom:.*/)(.*)$`)
	sourcesOpts = regexp.MustCompile(`\[(.*=.*)\]`)
)

// parseSourceLine is Salt's SourceEntry over _invalid and _get_opts: a
// deb, deb-src, rpm or rpm-src line (after a leading # it is disabled),
// its [options] read for arch and signed-by; ok is false for any other
// line, which list_repos skips.
func parseSourceLine(raw string) (map[string]any, bool) {
	line := strings.TrimSpace(raw)
	if line == "" {
		return nil, false
	}
	disabled := false
	if strings.HasPrefix(line, "#") {
		disabled = true
		line = line[1:]
	}
	if idx := strings.Index(line, "#"); idx > 0 {
		line = line[:idx]
	}
	var words []string
	if m := cdromLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
		words = append(strings.Fields(m[1]), strings.TrimSpace(m[2]))
		words = append(words, strings.Fields(m[3])...)
	} else {
		words = strings.Fields(line)
	}
	if len(words) < 3 {
		return nil, false
	}
	switch words[0] {
	case "deb", "deb-src", "rpm", "rpm-src":
	default:
		return nil, false
	}
	archs := []any{}
	signedby := ""
	if strings.HasPrefix(words[1], "[") {
		closed := false
		for _, w := range words[1:] {
			if strings.HasSuffix(w, "]") {
				closed = true
			}
		}
		if !closed {
			return nil, false
		}
		var kept []string
		for _, w := range words {
			if w = strings.Trim(w, "[]"); w != "" {
				kept = append(kept, w)
			}
		}
		words = kept
		// _get_opts reads the whole raw line, as Salt's does.
		if m := sourcesOpts.FindStringSubmatch(raw); m != nil {
			for _, opt := range strings.Fields(strings.Trim(m[0], "[]")) {
				_, val, _ := strings.Cut(opt, "=")
				switch {
				case strings.HasPrefix(opt, "arch"):
					for _, a := range strings.Split(val, ",") {
						archs = append(archs, a)
					}
				case strings.HasPrefix(opt, "signed-by"):
					signedby = val
				}
				for i, w := range words {
					if w == opt || w == "["+opt+"]" {
						words = append(words[:i], words[i+1:]...)
						break
					}
				}
			}
		}
		if len(words) < 3 {
			return nil, false
		}
	}
	comps := []any{}
	for _, w := range words[3:] {
		comps = append(comps, w)
	}
	return map[string]any{
		"comps": comps, "disabled": disabled, "dist": words[2], "type": words[0], "uri": words[1],
		"line": strings.TrimSpace(raw), "architectures": archs, "signedby": signedby,
	}, true
}
