package exec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/rootfs"
	"github.com/brine-cm/brine/states"
)

// pkg.upgrade_available, pkg.owner and pkg.file_list, as Salt's aptpkg
// and dpkg_lowpkg have them. owner and file_list read dpkg's file lists
// (/var/lib/dpkg/info/PKG.list, the data dpkg -S and dpkg -L read), so
// that they work under --root as on the host.

func init() {
	register("pkg.upgrade_available", pkgUpgradeAvailable, "Return True when a newer version of the package is available.",
		states.Param{Name: "name", Type: states.String, Required: true, Doc: "the package."},
		states.Param{Name: "refresh", Type: states.Bool, Default: true, Doc: "update the package index first."},
		states.Param{Name: "fromrepo", Type: states.String, Doc: "the release or repository to look in (apt -t)."})
	register("pkg.owner", pkgOwner, "Return the package that owns a file (\"\" when none does), or a mapping for several: pkg.owner /usr/bin/ssh.",
		states.Param{Name: "paths", Type: states.String, Many: true, Doc: "the files, one an argument (globs as dpkg -S takes them)."})
	register("pkg.file_list", pkgFileList, "Return the files the packages installed, as {errors, files}: pkg.file_list openssh-server (every package's when none is named).",
		states.Param{Name: "packages", Type: states.String, Many: true, Doc: "the packages, one an argument."})
}

func pkgUpgradeAvailable(ctx context.Context, c *call) Return {
	args := map[string]any{"refresh": c.boolean("refresh")}
	if c.has("fromrepo") {
		args["fromrepo"] = c.str("fromrepo")
	}
	ret := Call(ctx, c.host, "pkg.latest_version", []any{c.str("name")}, args)
	if ret.Retcode != 0 {
		return ret
	}
	return nested(ret.Value != "")
}

// errNoDpkg is a host without dpkg's database: pkg.owner and
// pkg.file_list read it.
var errNoDpkg = errors.New("no dpkg database (/var/lib/dpkg/info): pkg.owner and pkg.file_list read the Debian family's")

// dpkgLists returns the .list files of dpkg's database, by package name
// (an architecture qualifier, libc6:amd64, dropped as dpkg -S's output
// keeps it and Salt cuts it off).
func dpkgLists(root string) (map[string][]string, error) {
	dir, err := rootfs.Resolve(root, "/var/lib/dpkg/info", true)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNoDpkg
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range ents {
		name, ok := strings.CutSuffix(e.Name(), ".list")
		if !ok {
			continue
		}
		pkg, _, _ := strings.Cut(name, ":")
		out[pkg] = append(out[pkg], filepath.Join(dir, e.Name()))
	}
	return out, nil
}

// listFiles reads dpkg .list files: one path a line.
func listFiles(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); l != "" {
				out = append(out, l)
			}
		}
		err = sc.Err()
		fh.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// pkgOwner is aptpkg.owner: dpkg -S for each path, its owner's name
// (several, ", "-separated, for a directory many packages share), ""
// when no package has it; the value for one path, a mapping for more.
func pkgOwner(_ context.Context, c *call) Return {
	paths := c.strings("paths")
	if len(paths) == 0 {
		return nested("")
	}
	lists, err := dpkgLists(c.host.Root)
	if err != nil {
		return pkgFail(c, err)
	}
	pkgs := make([]string, 0, len(lists))
	for p := range lists {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	owners := map[string][]string{}
	for _, pkg := range pkgs {
		files, err := listFiles(lists[pkg])
		if err != nil {
			return pkgFail(c, err)
		}
		for _, p := range paths {
			for _, f := range files {
				if dpkgSearchMatch(p, f) {
					owners[p] = append(owners[p], pkg)
					break
				}
			}
		}
	}
	out := map[string]string{}
	for _, p := range paths {
		out[p] = strings.Join(owners[p], ", ")
	}
	return nested(oneOrMany(paths, out))
}

// dpkgSearchMatch is dpkg -S's match of a pattern against a file: a
// pattern that starts with none of *[?/ is a substring, else a glob
// whose * and ? match / too.
func dpkgSearchMatch(pattern, file string) bool {
	if pattern == "" {
		return false
	}
	if !strings.ContainsRune("*[?/", rune(pattern[0])) {
		pattern = "*" + pattern + "*"
	}
	if !fnmatch.HasMeta(pattern) {
		return pattern == file
	}
	return fnmatch.Match(pattern, file)
}

// pkgFileList is dpkg_lowpkg.file_list: the sorted set of the files of
// the packages named (every installed one's when none is); dpkg's error
// text when one is not installed.
func pkgFileList(_ context.Context, c *call) Return {
	lists, err := dpkgLists(c.host.Root)
	if err != nil {
		return pkgFail(c, err)
	}
	names := c.strings("packages")
	var missing []string
	var files []string
	if len(names) == 0 {
		for n := range lists {
			names = append(names, n)
		}
	}
	for _, n := range names {
		l, ok := lists[n]
		if !ok {
			missing = append(missing, fmt.Sprintf("dpkg-query: no packages found matching %s", n))
			continue
		}
		f, err := listFiles(l)
		if err != nil {
			return pkgFail(c, err)
		}
		files = append(files, f...)
	}
	if len(missing) > 0 {
		// Salt's dpkg -l fails on a name it does not know, and
		// file_list returns its stderr, as a value, not an error.
		return nested("Error:  " + strings.Join(missing, "\n"))
	}
	sort.Strings(files)
	uniq := []any{}
	for i, f := range files {
		if i == 0 || f != files[i-1] {
			uniq = append(uniq, f)
		}
	}
	return nested(map[string]any{"errors": []any{}, "files": uniq})
}
