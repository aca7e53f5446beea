package states

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

func init() {
	Register("pkgrepo.managed", pkgrepoManaged,
		Param{Name: "name", Type: String, Doc: `apt: the source line, such as "deb [signed-by=/etc/apt/keyrings/x.gpg] http://deb.example.com/debian bookworm main"; dnf/yum: the repository id.`},
		Param{Name: "file", Type: Path, Doc: "apt: where a new line goes (default /etc/apt/sources.list); a line already in any source file is changed where it is, where Salt would move a changed one to file. dnf: the .repo file (default /etc/yum.repos.d/NAME.repo)."},
		Param{Name: "dist", Type: String, Doc: "apt: the distribution (suite) instead of the line's."},
		Param{Name: "comps", Type: StringList, Doc: `apt: the components, a list or "main,contrib", instead of the line's.`},
		Param{Name: "architectures", Type: StringList, Doc: "apt: the arch= option."},
		Param{Name: "signedby", Type: Path, Doc: "apt: the signed-by= keyring; key_url is written there."},
		Param{Name: "key_url", Type: String, Doc: "a salt:// URL, file:// URL or absolute path (read under --root, as file.managed reads a source) of the repository's key: apt writes it (dearmored for a .gpg) to the signed-by keyring, else to /etc/apt/trusted.gpg.d/NAME.gpg; dnf uses it as gpgkey when gpgkey is not given."},
		Param{Name: "aptkey", Type: Bool, Default: false, Doc: "accepted for Salt; brine never uses apt-key."},
		Param{Name: "disabled", Type: Bool, Default: false, Doc: "apt: keep the line, commented out."},
		Param{Name: "clean_file", Type: Bool, Default: false, Doc: "apt: the file holds this line only."},
		Param{Name: "refresh", Type: Bool, Default: true, Doc: "update the package index after a change."},
		Param{Name: "humanname", Type: String, Doc: "dnf: the repository's name= line."},
		Param{Name: "baseurl", Type: String, Doc: "dnf: baseurl."},
		Param{Name: "mirrorlist", Type: String, Doc: "dnf: mirrorlist."},
		Param{Name: "metalink", Type: String, Doc: "dnf: metalink."},
		Param{Name: "gpgcheck", Type: Bool, Doc: "dnf: gpgcheck."},
		Param{Name: "gpgkey", Type: String, Doc: "dnf: gpgkey, a URL."},
		Param{Name: "enabled", Type: Bool, Doc: "dnf: enabled (default 1 for a new repository)."},
		saltKwargs,
	)
	Register("pkgrepo.absent", pkgrepoAbsent,
		Param{Name: "name", Type: String, Doc: "apt: the source line (its type, URI and suite find it); dnf/yum: the repository id."},
		Param{Name: "file", Type: Path, Doc: "apt: a further file to look in besides sources.list and sources.list.d/*.list, which are always looked in; dnf: where to look (default every /etc/yum.repos.d/*.repo)."},
		Param{Name: "keyid", Type: String, Doc: "accepted for Salt; keys are left in place."},
		Param{Name: "refresh", Type: Bool, Default: false, Doc: "update the package index after a change."},
		saltKwargs,
	)
}

const pkgrepoTestNote = " This may cause pkg states to behave differently than stated if this action is repeated without test=True, due to the differences in the configured repositories."

// aptSource is one one-line-style apt source: "deb [k=v …] URI SUITE
// COMPONENT…", possibly commented out.
type aptSource struct {
	Disabled bool
	Type     string            // deb or deb-src
	Options  map[string]string // [arch=amd64 signed-by=/x]
	OptOrder []string
	URI      string
	Dist     string
	Comps    []string
}

// aptParseSource reads a source line; ok is false for a line that is not
// one (a blank line, a plain comment).
func aptParseSource(line string) (aptSource, bool) {
	var s aptSource
	t := strings.TrimSpace(line)
	if strings.HasPrefix(t, "#") {
		s.Disabled = true
		t = strings.TrimSpace(strings.TrimLeft(t, "#"))
	}
	if i := strings.IndexByte(t, '#'); i >= 0 {
		t = strings.TrimSpace(t[:i])
	}
	f := strings.Fields(t)
	if len(f) < 3 || (f[0] != "deb" && f[0] != "deb-src") {
		return s, false
	}
	s.Type = f[0]
	f = f[1:]
	if strings.HasPrefix(f[0], "[") {
		var opts []string
		for len(f) > 0 {
			w := f[0]
			f = f[1:]
			opts = append(opts, w)
			if strings.HasSuffix(w, "]") {
				break
			}
		}
		inner := strings.TrimSuffix(strings.TrimPrefix(strings.Join(opts, " "), "["), "]")
		s.Options = map[string]string{}
		for _, kv := range strings.Fields(inner) {
			k, v, _ := strings.Cut(kv, "=")
			if _, dup := s.Options[k]; !dup {
				s.OptOrder = append(s.OptOrder, k)
			}
			s.Options[k] = v
		}
	}
	if len(f) < 2 {
		return s, false
	}
	s.URI, s.Dist, s.Comps = f[0], f[1], f[2:]
	return s, true
}

// line writes the source back as one line.
func (s aptSource) line() string {
	var b strings.Builder
	if s.Disabled {
		b.WriteString("# ")
	}
	b.WriteString(s.Type)
	if len(s.OptOrder) > 0 {
		b.WriteString(" [")
		for i, k := range s.OptOrder {
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(k + "=" + s.Options[k])
		}
		b.WriteString("]")
	}
	b.WriteString(" " + s.URI + " " + s.Dist)
	for _, c := range s.Comps {
		b.WriteString(" " + c)
	}
	return b.String()
}

// same reports whether two sources are the same repository: type, URI
// (with or without a final slash) and suite.
func (s aptSource) same(o aptSource) bool {
	return s.Type == o.Type && strings.TrimSuffix(s.URI, "/") == strings.TrimSuffix(o.URI, "/") && s.Dist == o.Dist
}

// aptSameLine reports whether a source line already says what want
// does, components in any order: Salt's managed() compares the line's
// words after the first three sorted.
func aptSameLine(a, b aptSource) bool {
	sorted := func(s aptSource) aptSource {
		s.Comps = append([]string(nil), s.Comps...)
		sort.Strings(s.Comps)
		return s
	}
	return sorted(a).line() == sorted(b).line()
}

// aptSameArch reports whether two sources name the same set of
// architectures (none being a set of its own).
func aptSameArch(a, b aptSource) bool {
	set := func(s aptSource) string {
		var l []string
		if v := s.Options["arch"]; v != "" {
			l = strings.Split(v, ",")
		}
		sort.Strings(l)
		return strings.Join(slices.Compact(l), ",")
	}
	return set(a) == set(b)
}

func (s *aptSource) setOpt(k, v string) {
	if s.Options == nil {
		s.Options = map[string]string{}
	}
	if _, ok := s.Options[k]; !ok {
		s.OptOrder = append(s.OptOrder, k)
	}
	s.Options[k] = v
}

// pkgrepoFamily is "debian" or "redhat" for the request's system.
func pkgrepoFamily(req *Request) string {
	family := ""
	if req.Live() && req.Env != nil {
		family, _ = req.Env.Grains["os_family"].(string)
	}
	if family == "" {
		family = pkgbackend.OSFamily(req.Root)
	}
	switch strings.ToLower(family) {
	case "redhat", "rhel", "fedora", "suse":
		return "redhat"
	}
	return "debian"
}

// Managed makes sure a package repository is configured: an apt source
// line, or a dnf/yum .repo section, with its signing key, then refreshes
// the package index so that later pkg states see it.
//
// apt: the line is found by its type, URI and suite in file (or, without
// file, in sources.list and sources.list.d/*.list) and rewritten in place
// when its options, components or disabled state differ; other lines are
// kept byte for byte. A new line goes at the end of file. dnf/yum: only
// the repository's section of its .repo file changes. Under --root every
// file is the image's, and the refresh runs apt or dnf on the image.
//
// Salt: comments are Salt's; changes are {repo: name} for a new repository and {field: {old, new}} for a changed one (apt: comps and architectures as lists, signedby, disabled, and always the line; dnf: the .repo keys), and the key written without a word, as Salt's; a key that alone differs is written and reported as {key: path}, where Salt calls the repository configured and leaves the key, and a dry run reports the same changes; keys never go through apt-key, and keyid/keyserver are not supported.
func pkgrepoManaged(ctx context.Context, req *Request) Result {
	if pkgrepoFamily(req) == "redhat" {
		return pkgrepoDNF(ctx, req, true)
	}
	return pkgrepoApt(ctx, req, true)
}

// Absent makes sure a package repository is not configured: its apt
// source lines, or its .repo section, go; other lines are kept.
//
// Salt: comments are Salt's; changes are {repo: name}, in a dry run too.
func pkgrepoAbsent(ctx context.Context, req *Request) Result {
	if pkgrepoFamily(req) == "redhat" {
		return pkgrepoDNF(ctx, req, false)
	}
	return pkgrepoApt(ctx, req, false)
}

// pkgrepoWant builds the wanted source from name and the arguments.
func pkgrepoWant(req *Request) (aptSource, error) {
	s, ok := aptParseSource(req.Name)
	if !ok || s.Disabled {
		return s, &ArgError{Arg: "name", Err: fmt.Errorf(`want a source line such as "deb http://deb.example.com/debian bookworm main", got %q`, req.Name)}
	}
	a := &req.Args
	if d := a.String("dist", ""); d != "" {
		s.Dist = d
	}
	if a.Has("comps") {
		var comps []string
		for _, c := range a.StringList("comps") {
			for _, x := range strings.Split(c, ",") {
				if x = strings.TrimSpace(x); x != "" {
					comps = append(comps, x)
				}
			}
		}
		s.Comps = comps
	}
	if a.Has("architectures") {
		s.setOpt("arch", strings.Join(a.StringList("architectures"), ","))
	}
	if sb := a.String("signedby", ""); sb != "" {
		s.setOpt("signed-by", sb)
	}
	s.Disabled = a.Bool("disabled", false)
	return s, a.Err()
}

type aptFile struct {
	path, hp string
	data     []byte
}

// aptSourceFiles reads every apt source file of the root, and file when
// it is not one of them: Salt's get_repo finds a repository in any of
// them, whatever file names.
func aptSourceFiles(req *Request, file string) ([]*aptFile, error) {
	paths := []string{"/etc/apt/sources.list"}
	dir, err := rootPath(req, "", "/etc/apt/sources.list.d", true)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !IsNotExist(err) {
		return nil, err
	}
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".list") {
			paths = append(paths, "/etc/apt/sources.list.d/"+e.Name())
		}
	}
	if file != "" && !slices.Contains(paths, file) {
		paths = append(paths, file)
	}
	var out []*aptFile
	for _, p := range paths {
		hp, err := rootPath(req, "file", p, true)
		if err != nil {
			return nil, err
		}
		data, err := sysReadFile(hp)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		out = append(out, &aptFile{path: p, hp: hp, data: data})
	}
	return out, nil
}

func pkgrepoApt(ctx context.Context, req *Request, managed bool) Result {
	a := &req.Args
	file := a.String("file", "")
	refresh := a.Bool("refresh", managed)
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	want, err := pkgrepoWant(req)
	if err != nil && managed {
		return Failf(req.Name, "%v", err)
	}
	if !managed {
		if want, _ = aptParseSource(req.Name); want.Type == "" {
			return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("want a source line, got %q", req.Name)})
		}
	}
	files, err := aptSourceFiles(req, file)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	changes := map[string]any{}
	writes := map[string][]byte{}
	var found *aptSource
	for _, f := range files {
		lines := linesSplit(f.data)
		var out []string
		changed := false
		for _, l := range lines {
			s, ok := aptParseSource(l)
			if !ok || !s.same(want) {
				out = append(out, l)
				continue
			}
			if !managed {
				if !aptSameArch(s, want) {
					// Salt's absent() takes a line of other
					// architectures for another repository.
					out = append(out, l)
					continue
				}
				changed = true
				continue
			}
			if found != nil {
				// a second line of the same repository: one is enough
				changed = true
				continue
			}
			cur := s
			found = &cur
			if !aptSameLine(s, want) {
				pkgrepoFieldChanges(s, want, strings.TrimSpace(l), changes)
				out = append(out, want.line())
				changed = true
			} else {
				out = append(out, l)
			}
		}
		if changed {
			if len(out) == 0 {
				writes[f.path] = []byte{}
			} else {
				writes[f.path] = linesJoin(out, func(s string) string { return s }, f.data)
			}
		}
	}
	if !managed {
		return pkgrepoRemove(ctx, req, files, writes, refresh)
	}
	target := file
	if target == "" {
		target = "/etc/apt/sources.list"
	}
	cleanFile := a.Bool("clean_file", false)
	if found == nil {
		changes["repo"] = req.Name
		for _, f := range files {
			if f.path == target {
				base := f.data
				if nd, ok := writes[f.path]; ok {
					base = nd
				}
				writes[f.path] = sysAppendLine(base, want.line())
			}
		}
	}
	if cleanFile {
		for _, f := range files {
			if f.path == target && string(f.data) != want.line()+"\n" {
				writes[f.path] = []byte(want.line() + "\n")
				if found != nil && len(changes) == 0 {
					changes["clean_file"] = map[string]any{"old": string(f.data), "new": want.line() + "\n"}
				}
			}
		}
	}
	// The key, where apt looks for it.
	keyPath, keyData, err := pkgrepoAptKey(ctx, req, want)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	var keyHP string
	if keyPath != "" {
		if keyHP, err = rootPath(req, "signedby", keyPath, true); err != nil {
			return Failf(req.Name, "%v", err)
		}
		cur, err := sysReadFile(keyHP)
		if err != nil {
			return Failf(req.Name, "read %s: %v", keyPath, err)
		}
		switch {
		case bytes.Equal(cur, keyData):
			keyHP = ""
		case len(changes) == 0:
			// brine's own: Salt compares the line only, and would call a
			// repository whose key alone differs configured.
			changes["key"] = keyPath
		}
	}
	if len(changes) == 0 && len(writes) == 0 {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Package repo '%s' already configured", req.Name)}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("Package repo '%s' would be configured.%s", req.Name, pkgrepoTestNote)}
	}
	if keyHP != "" {
		if err := sysWriteFile(keyHP, keyData, 0o644); err != nil {
			return Failf(req.Name, "Failed to configure repo '%s': %v", req.Name, err)
		}
	}
	if err := pkgrepoWrite(req, files, writes); err != nil {
		return Failf(req.Name, "Failed to configure repo '%s': %v", req.Name, err)
	}
	if refresh {
		if err := pkgrepoRefresh(ctx, req); err != nil {
			return Failf(req.Name, "Failed to configure repo '%s': %v", req.Name, err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Configured package repo '%s'", req.Name)}
}

// pkgrepoFieldChanges records what differs between two lines of the same
// repository as Salt's managed() does, from the fields of aptpkg's
// _expand_repo_def: comps and architectures as lists, signedby, disabled,
// and the line itself (as the file had it, and as it will be).
func pkgrepoFieldChanges(cur, want aptSource, raw string, changes map[string]any) {
	list := func(ss []string) []any {
		out := make([]any, 0, len(ss))
		for _, x := range ss {
			out = append(out, x)
		}
		return out
	}
	arch := func(s aptSource) []string {
		if s.Options["arch"] == "" {
			return nil
		}
		return strings.Split(s.Options["arch"], ",")
	}
	if strings.Join(cur.Comps, " ") != strings.Join(want.Comps, " ") {
		changes["comps"] = map[string]any{"old": list(cur.Comps), "new": list(want.Comps)}
	}
	if cur.Disabled != want.Disabled {
		changes["disabled"] = map[string]any{"old": cur.Disabled, "new": want.Disabled}
	}
	if strings.Join(arch(cur), ",") != strings.Join(arch(want), ",") {
		changes["architectures"] = map[string]any{"old": list(arch(cur)), "new": list(arch(want))}
	}
	if cur.Options["signed-by"] != want.Options["signed-by"] {
		changes["signedby"] = map[string]any{"old": cur.Options["signed-by"], "new": want.Options["signed-by"]}
	}
	changes["line"] = map[string]any{"old": raw, "new": want.line()}
}

// pkgrepoRemove ends pkgrepo.absent, for apt's sources and dnf's repo
// files alike: writes holds each file that named the repository, without
// it, and is empty when none did.
func pkgrepoRemove(ctx context.Context, req *Request, files []*aptFile, writes map[string][]byte, refresh bool) Result {
	if len(writes) == 0 {
		return Result{Name: req.Name, Result: True, Changes: map[string]any{}, Comment: fmt.Sprintf("Package repo %s is absent", req.Name)}
	}
	changes := map[string]any{"repo": req.Name}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes,
			Comment: fmt.Sprintf("Package repo '%s' will be removed.%s", req.Name, pkgrepoTestNote)}
	}
	if err := pkgrepoWrite(req, files, writes); err != nil {
		return Failf(req.Name, "Failed to remove repo %s: %v", req.Name, err)
	}
	if refresh {
		if err := pkgrepoRefresh(ctx, req); err != nil {
			return Failf(req.Name, "Failed to remove repo %s: %v", req.Name, err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: "Removed repo " + req.Name}
}

func pkgrepoWrite(req *Request, files []*aptFile, writes map[string][]byte) error {
	paths := make([]string, 0, len(writes))
	for p := range writes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		for _, f := range files {
			if f.path == p {
				if err := sysWriteFile(f.hp, writes[p], 0o644); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pkgrepoAptKey fetches key_url and says where apt wants it: the line's
// signed-by keyring, else /etc/apt/trusted.gpg.d/NAME.gpg. A .gpg keyring
// gets the key dearmored; a .asc one as it is.
func pkgrepoAptKey(ctx context.Context, req *Request, want aptSource) (string, []byte, error) {
	u := req.Args.String("key_url", "")
	if u == "" {
		return "", nil, nil
	}
	if err := fileCheckURL(u); err != nil {
		return "", nil, &ArgError{Arg: "key_url", Err: err}
	}
	data, err := fileFetch(ctx, req, u)
	if err != nil {
		return "", nil, &ArgError{Arg: "key_url", Err: err}
	}
	dest := want.Options["signed-by"]
	if dest == "" {
		base := strings.TrimSuffix(filepath.Base(u), filepath.Ext(u))
		dest = "/etc/apt/trusted.gpg.d/" + base + ".gpg"
	}
	if !filepath.IsAbs(dest) {
		return "", nil, &ArgError{Arg: "signedby", Err: fmt.Errorf("want an absolute path, got %q", dest)}
	}
	if !strings.HasSuffix(dest, ".asc") && bytes.HasPrefix(bytes.TrimSpace(data), []byte("-----BEGIN PGP")) {
		if data, err = pgpDearmor(data); err != nil {
			return "", nil, &ArgError{Arg: "key_url", Err: err}
		}
	}
	return dest, data, nil
}

// pgpDearmor decodes an ASCII-armored OpenPGP block (RFC 4880, 6.2): the
// base64 between the blank line after the headers and the checksum line.
func pgpDearmor(data []byte) ([]byte, error) {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var body strings.Builder
	state := 0 // 0 before BEGIN, 1 headers, 2 body
	for _, l := range lines {
		l = strings.TrimSpace(l)
		switch {
		case state == 0 && strings.HasPrefix(l, "-----BEGIN PGP"):
			state = 1
		case state == 1 && l == "":
			state = 2
		case state == 1 && !strings.Contains(l, ":"):
			state = 2 // no headers at all
			body.WriteString(l)
		case state == 2 && strings.HasPrefix(l, "-----END PGP"):
			out, err := base64.StdEncoding.DecodeString(body.String())
			if err != nil {
				return nil, fmt.Errorf("armored key: %w", err)
			}
			return out, nil
		case state == 2 && strings.HasPrefix(l, "=") && len(l) == 5:
			// the CRC-24 line
		case state == 2:
			body.WriteString(l)
		}
	}
	return nil, errors.New("armored key: no complete PGP block")
}

// pkgrepoRefresh updates the package index of the root and tells the pkg
// states of the run that it is fresh.
func pkgrepoRefresh(ctx context.Context, req *Request) error {
	r, err := pkgOpen(req)
	if err != nil {
		return err
	}
	if err := r.be.Refresh(ctx); err != nil {
		return err
	}
	r.cache.Forget(pkgCacheKey("refreshed", req.Root))
	_, _ = r.cache.Load(pkgCacheKey("refreshed", req.Root), func() (any, error) { return true, nil })
	return nil
}

// pkgrepoDNF manages a section of a .repo file.
func pkgrepoDNF(ctx context.Context, req *Request, managed bool) Result {
	a := &req.Args
	file := a.String("file", "")
	refresh := a.Bool("refresh", managed)
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if req.Name == "" || strings.ContainsAny(req.Name, "[]/ \t\n") {
		return Failf(req.Name, "%v", &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a repository id", req.Name)})
	}
	var paths []string
	if file != "" {
		paths = []string{file}
	} else {
		dir, err := rootPath(req, "", "/etc/yum.repos.d", true)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".repo") {
				paths = append(paths, "/etc/yum.repos.d/"+e.Name())
			}
		}
	}
	var files []*aptFile
	var home *aptFile
	for _, p := range paths {
		hp, err := rootPath(req, "file", p, true)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		data, err := sysReadFile(hp)
		if err != nil {
			return Failf(req.Name, "read %s: %v", p, err)
		}
		f := &aptFile{path: p, hp: hp, data: data}
		files = append(files, f)
		if _, ok := iniSection(iniParse(data), req.Name); ok && home == nil {
			home = f
		}
	}
	changes := map[string]any{}
	writes := map[string][]byte{}
	if !managed {
		for _, f := range files {
			if lines, ok := iniDropSection(iniParse(f.data), req.Name); ok {
				writes[f.path] = iniRender(lines, f.data)
			}
		}
		return pkgrepoRemove(ctx, req, files, writes, refresh)
	}
	if home == nil {
		p := file
		if p == "" {
			p = "/etc/yum.repos.d/" + req.Name + ".repo"
		}
		hp, err := rootPath(req, "file", p, true)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		data, err := sysReadFile(hp)
		if err != nil {
			return Failf(req.Name, "read %s: %v", p, err)
		}
		home = &aptFile{path: p, hp: hp, data: data}
		files = append(files, home)
	}
	lines := iniParse(home.data)
	cur, exists := iniSection(lines, req.Name)
	order := []string{"name", "baseurl", "mirrorlist", "metalink", "enabled", "gpgcheck", "gpgkey"}
	vals := map[string]string{}
	if h := a.String("humanname", ""); h != "" {
		vals["name"] = h
	}
	for _, k := range []string{"baseurl", "mirrorlist", "metalink", "gpgkey"} {
		if v := a.String(k, ""); v != "" {
			vals[k] = v
		}
	}
	if vals["gpgkey"] == "" {
		if u := a.String("key_url", ""); u != "" {
			vals["gpgkey"] = u
		}
	}
	for _, k := range []string{"enabled", "gpgcheck"} {
		if b := a.OptBool(k); b != nil {
			vals[k] = map[bool]string{true: "1", false: "0"}[*b]
		}
	}
	if !exists && vals["enabled"] == "" {
		vals["enabled"] = "1"
	}
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	if !exists && vals["baseurl"] == "" && vals["mirrorlist"] == "" && vals["metalink"] == "" {
		return Failf(req.Name, "%v", &ArgError{Arg: "baseurl", Err: errors.New("a new repository needs baseurl, mirrorlist or metalink")})
	}
	for _, k := range order {
		if v, ok := vals[k]; ok && v != "" && cur[k] != v && exists {
			var old any = cur[k]
			if _, had := cur[k]; !had {
				old = nil
			}
			changes[k] = map[string]any{"old": old, "new": v}
		}
	}
	if !exists {
		changes["repo"] = req.Name
	}
	if len(changes) == 0 {
		return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Package repo '%s' already configured", req.Name)}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Changes: changes, Comment: fmt.Sprintf("Package repo '%s' would be configured.%s", req.Name, pkgrepoTestNote)}
	}
	writes[home.path] = iniRender(iniSet(lines, req.Name, order, vals), home.data)
	if err := pkgrepoWrite(req, files, writes); err != nil {
		return Failf(req.Name, "Failed to configure repo '%s': %v", req.Name, err)
	}
	if refresh {
		if err := pkgrepoRefresh(ctx, req); err != nil {
			return Failf(req.Name, "Failed to configure repo '%s': %v", req.Name, err)
		}
	}
	return Result{Name: req.Name, Result: True, Changes: changes, Comment: fmt.Sprintf("Configured package repo '%s'", req.Name)}
}
