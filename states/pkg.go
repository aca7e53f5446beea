package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

func init() {
	Register("pkg.installed", pkgInstalled,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "version", Type: String, Doc: `a version for name: "1.2-1", or with an operator, ">=1.2", "<2", "!=1.3", or a glob "1.2*"; the highest available match is installed when the installed one does not match. "latest" is the repositories' candidate, as in Salt.`},
		Param{Name: "pkgs", Type: List, Doc: "a list of names, or of {name: version} maps, installed in one package-manager call."},
		Param{Name: "sources", Type: List, Doc: "a list of {name: salt://path or /abs/path} package files (.deb, .rpm); an absolute path is a file of the host running brine, also under --root, as it is what gets installed rather than a file of the image."},
		pkgRefresh,
		pkgHold,
		Param{Name: "fromrepo", Type: String, Doc: "the release or repository to install from (apt -t)."},
		Param{Name: "reinstall", Type: Bool, Default: false, Doc: "reinstall even when the version is right."},
		pkgRecommends,
		Param{Name: "skip_suggestions", Type: Any, Doc: "accepted and ignored."},
		pkgNormalizeParam,
		Param{Name: "allow_updates", Type: Bool, Default: false, Doc: "a lone exact version is satisfied by a newer one installed, as >= would be."},
		Param{Name: "update_holds", Type: Any, Doc: "accepted and ignored: on apt a held package the state targets is always released for the install and held again, as Salt's aptpkg does."},
		saltKwargs,
	)
	Register("pkg.latest", pkgLatest,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "pkgs", Type: List, Doc: "a list of names, upgraded in one package-manager call."},
		Param{Name: "refresh", Type: Bool, Doc: "as pkg.installed; latest always consults the repositories."},
		Param{Name: "fromrepo", Type: String, Doc: "the release or repository to take the version from."},
		pkgHold,
		Param{Name: "reinstall", Type: Bool, Default: false, Doc: "reinstall even when the newest version is installed."},
		pkgRecommends,
		Param{Name: "skip_suggestions", Type: Any, Doc: "accepted and ignored."},
		saltKwargs,
	)
	Register("pkg.removed", pkgRemoved,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "version", Type: String, Doc: "remove only if the installed version matches (same forms as pkg.installed)."},
		Param{Name: "pkgs", Type: List, Doc: "a list of names (or {name: version} maps), removed in one call."},
		pkgNormalizeParam,
		saltKwargs,
	)
	Register("pkg.purged", pkgPurged,
		Param{Name: "name", Type: String, Doc: "the package, when pkgs is not given."},
		Param{Name: "version", Type: String, Doc: "purge only if the installed version matches (same forms as pkg.installed)."},
		Param{Name: "pkgs", Type: List, Doc: "a list of names (or {name: version} maps), purged in one call."},
		pkgNormalizeParam,
		saltKwargs,
	)
}

// pkgRun is one pkg state's view of the package manager and of the facts
// shared by every pkg state of the run (database, refresh, backend), kept
// in the run cache under keys that carry the root.
type pkgRun struct {
	req   *Request
	be    pkgbackend.Backend
	cache *RunCache
}

// pkgCacheKey names a run-cache entry of the pkg module for a root.
func pkgCacheKey(kind, root string) string { return "pkg." + kind + "|" + root }

func pkgOpen(req *Request) (*pkgRun, error) {
	cache := &RunCache{}
	if req.Env != nil && req.Env.Cache != nil {
		cache = req.Env.Cache
	}
	v, err := cache.Load(pkgCacheKey("backend", req.Root), func() (any, error) {
		family := ""
		if req.Live() && req.Env != nil {
			family, _ = req.Env.Grains["os_family"].(string)
		}
		if family == "" {
			// An image under --root is not the host the grains describe.
			family = pkgbackend.OSFamily(req.Root)
		}
		return pkgbackend.New(family, req.Root, nil)
	})
	if err != nil {
		return nil, err
	}
	return &pkgRun{req: req, be: v.(pkgbackend.Backend), cache: cache}, nil
}

// db returns the package database, read once per run.
func (r *pkgRun) db(ctx context.Context) (pkgbackend.DB, error) {
	v, err := r.cache.Load(pkgCacheKey("db", r.req.Root), func() (any, error) {
		return r.be.Installed(ctx)
	})
	if err != nil {
		return nil, err
	}
	return v.(pkgbackend.DB), nil
}

// reread drops the cached database after the package manager changed it
// and reads it again.
func (r *pkgRun) reread(ctx context.Context) (pkgbackend.DB, error) {
	r.cache.Forget(pkgCacheKey("db", r.req.Root))
	return r.db(ctx)
}

// refresh updates the package index when a state needs the
// repositories, as Salt's check_refresh decides: refresh false never
// does, unset does once per run (at the first pkg state that needs it),
// and true does each time, as a pkgrepo added since may need it.
func (r *pkgRun) refresh(ctx context.Context, refresh *bool) error {
	if refresh != nil && !*refresh {
		return nil
	}
	key := pkgCacheKey("refreshed", r.req.Root)
	if refresh != nil {
		if err := r.be.Refresh(ctx); err != nil {
			return err
		}
		// Later states with refresh unset need not refresh again.
		_, err := r.cache.Load(key, func() (any, error) { return true, nil })
		return err
	}
	_, err := r.cache.Load(key, func() (any, error) {
		return true, r.be.Refresh(ctx)
	})
	return err
}

// The arguments the pkg states share.
var (
	pkgRefresh    = Param{Name: "refresh", Type: Bool, Doc: "update the package index first: True each time the state needs the repositories, unset once per run (at the first pkg state that needs them), False never."}
	pkgHold       = Param{Name: "hold", Type: Bool, Doc: "True holds the packages (apt-mark hold), False releases them; unset leaves holds alone."}
	pkgRecommends = Param{Name: "install_recommends", Type: Bool, Default: true, Doc: "install recommended packages."}
	// Salt's aptpkg.normalize_name: "name:ARCH" is name when ARCH is the
	// system's own (or all, any).
	pkgNormalizeParam = Param{Name: "normalize", Type: Bool, Default: true, Doc: `drop an architecture suffix that names the system's own architecture (or "all", "any"): "jq:amd64" is jq on amd64, as dpkg lists it.`}
)

// pkgNormalizeNames is Salt's normalize_name over the targets: a
// ":ARCH" suffix naming the native architecture (dpkg's own), all or any
// is dropped, so that the package is found under the name the database
// has for it. A name that becomes one already given is dropped.
func pkgNormalizeNames(targets []pkgTarget, db pkgbackend.DB) []pkgTarget {
	native := db["dpkg"].Arch
	if native == "" {
		return targets
	}
	out := targets[:0:0]
	seen := map[string]bool{}
	for _, t := range targets {
		if base, arch, ok := strings.Cut(t.name, ":"); ok && (arch == native || arch == "all" || arch == "any") {
			t.name = base
		}
		if !seen[t.name] {
			seen[t.name] = true
			out = append(out, t)
		}
	}
	return out
}

type pkgTarget struct {
	name string
	spec pkgbackend.Spec
}

// pkgTargets reads name/version or pkgs. Items of pkgs are names or
// one-key {name: version} maps; a null version means any.
func pkgTargets(req *Request) ([]pkgTarget, error) {
	if !req.Args.Has("pkgs") || pkgEmptyList(req) {
		// An empty pkgs is no pkgs to Salt (its "if pkgs:"): the name is
		// the package.
		if req.Name == "" {
			return nil, &ArgError{Arg: "name", Err: fmt.Errorf("required when pkgs is not given")}
		}
		if err := pkgValidName(req.Name); err != nil {
			return nil, err
		}
		spec, err := pkgbackend.ParseSpec(req.Args.String("version", ""))
		if err != nil {
			return nil, &ArgError{Arg: "version", Err: err}
		}
		return []pkgTarget{{name: req.Name, spec: spec}}, nil
	}
	list := req.Args.List("pkgs")
	if len(list) == 0 {
		return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("want a list of package names, got an empty one")}
	}
	var out []pkgTarget
	seen := map[string]bool{}
	for i, item := range list {
		var t pkgTarget
		switch v := item.(type) {
		case string:
			t.name = v
		case map[string]any:
			if len(v) != 1 {
				return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("item %d: want one {name: version}, got %d keys", i, len(v))}
			}
			for k, ver := range v {
				t.name = k
				if ver != nil {
					s, ok := pkgScalar(ver)
					if !ok {
						return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("item %d (%s): version must be a string, got %s", i, k, typeName(ver))}
					}
					spec, err := pkgbackend.ParseSpec(s)
					if err != nil {
						return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("item %d (%s): %w", i, k, err)}
					}
					t.spec = spec
				}
			}
		default:
			return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("item %d: want a name or {name: version}, got %s", i, typeName(item))}
		}
		t.name = strings.TrimSpace(t.name)
		if t.name == "" || strings.HasPrefix(t.name, "-") || strings.ContainsAny(t.name, " \t\n=") {
			return nil, &ArgError{Arg: "pkgs", Err: fmt.Errorf("item %d: %q is not a package name", i, t.name)}
		}
		if !seen[t.name] {
			seen[t.name] = true
			out = append(out, t)
		}
	}
	return out, nil
}

// pkgEmptyList reports whether pkgs was given as an empty list (a
// template's loop that yielded nothing).
func pkgEmptyList(req *Request) bool {
	v, ok := req.Args.Get("pkgs")
	l, isList := v.([]any)
	return ok && isList && len(l) == 0
}

func pkgScalar(v any) (string, bool) {
	switch t := v.(type) {
	case string:
		return t, true
	case int, int64, uint64, float64:
		return fmt.Sprint(t), true
	}
	return "", false
}

func pkgValidName(name string) error {
	if name == "" || strings.HasPrefix(name, "-") || strings.ContainsAny(name, " \t\n=") {
		return &ArgError{Arg: "name", Err: fmt.Errorf("%q is not a package name", name)}
	}
	return nil
}

// pkgChanges turns backend changes into Salt's {pkg: {old, new}}.
func pkgChanges(cs []pkgbackend.Change) map[string]any {
	out := map[string]any{}
	for _, c := range cs {
		out[c.Name] = map[string]any{"old": c.Old, "new": c.New}
	}
	return out
}

// pkgNormalize rewrites a simulation's changes against the database, so
// that a dry run reports what the database diff of a real run would: old
// versions come from the database, moves to the same version drop out
// unless they are asked-for reinstalls.
func pkgNormalize(sim []pkgbackend.Change, db pkgbackend.DB, withConfig bool, keep map[string]bool) []pkgbackend.Change {
	var out []pkgbackend.Change
	seen := map[string]bool{}
	for _, c := range sim {
		if seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		old := ""
		if p, ok := db[c.Name]; ok && (p.Installed() || (withConfig && p.Present())) {
			old = p.Version
		}
		c.Old = old
		if c.Old == c.New && !keep[c.Name] {
			continue
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func pkgJoin(items []string) string {
	sort.Strings(items)
	return strings.Join(items, ", ")
}

// pkgSource is one entry of sources: a package name and its file.
type pkgSource struct {
	name string
	url  string
}

func pkgSources(req *Request) ([]pkgSource, error) {
	var out []pkgSource
	for i, item := range req.Args.List("sources") {
		m, ok := item.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, &ArgError{Arg: "sources", Err: fmt.Errorf("item %d: want {name: salt://path or /path}", i)}
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, &ArgError{Arg: "sources", Err: fmt.Errorf("item %d (%s): want a salt:// URL or an absolute path", i, k)}
			}
			if !strings.HasPrefix(s, "salt://") && !filepath.IsAbs(s) {
				return nil, &ArgError{Arg: "sources", Err: fmt.Errorf("item %d (%s): %q is neither salt:// nor an absolute path", i, k, s)}
			}
			// Salt's pack_sources makes a dict of them: a name given
			// twice (an aggregated call lists its own twice) keeps its
			// first place and its last file.
			if j := slices.IndexFunc(out, func(x pkgSource) bool { return x.name == k }); j >= 0 {
				out[j].url = s
				continue
			}
			out = append(out, pkgSource{name: k, url: s})
		}
	}
	return out, nil
}

// fetch puts a source on the local disk and returns its path; salt://
// files land in dir.
func (s pkgSource) fetch(ctx context.Context, req *Request, dir string) (string, error) {
	if !strings.HasPrefix(s.url, "salt://") {
		return s.url, nil
	}
	if req.Env == nil || req.Env.Files == nil {
		return "", fmt.Errorf("sources %s: no file source to read %s", s.name, s.url)
	}
	data, err := req.Env.Files.ReadFile(ctx, s.url)
	if err != nil {
		return "", fmt.Errorf("sources %s: %w", s.name, err)
	}
	base := path.Base(strings.SplitN(strings.TrimPrefix(s.url, "salt://"), "?", 2)[0])
	if base == "." || base == "/" || base == "" {
		base = s.name + ".pkg"
	}
	p := filepath.Join(dir, base)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return "", fmt.Errorf("sources %s: %w", s.name, err)
	}
	return p, nil
}

// pkgProblemError is a failure Salt's aptpkg raises as
// CommandExecutionError("Problem encountered <verb> package(s)",
// info={"errors": [...]}): the errors apt-get printed, or the versions no
// repository offers.
type pkgProblemError struct {
	verb   string // installing, removing
	errors []string
}

// Error is the exception's strerror_without_changes, as Salt's state puts
// it in the comment: the message, then the errors in salt.output.nested's
// layout (each a "- " item, its further lines under the first).
func (e *pkgProblemError) Error() string {
	var b strings.Builder
	b.WriteString("Problem encountered " + e.verb + " package(s). Additional info follows:\n\nerrors:")
	for _, msg := range e.errors {
		for i, line := range strings.Split(strings.TrimRight(msg, " \t\r\n"), "\n") {
			if i == 0 {
				b.WriteString("\n    - " + line)
			} else {
				b.WriteString("\n      " + line)
			}
		}
	}
	return b.String()
}

// pkgStderr is what a failed package-manager command printed on stderr,
// as Salt's refresh_db raises it, or the error itself when it printed
// nothing there.
func pkgStderr(err error) string {
	var re *pkgbackend.RunError
	if errors.As(err, &re) && strings.TrimSpace(re.Stderr) != "" {
		return strings.TrimRight(re.Stderr, " \t\r\n")
	}
	return err.Error()
}

// pkgFailure is the comment of a failed package-manager call: Salt's
// "Problem encountered …" when the command printed an error on stderr
// (aptpkg only raises with what apt-get printed there), and "An error was
// encountered while <verb> package(s): …" for any other failure, as the
// state words an exception without info.
func pkgFailure(verb string, err error) string {
	var pe *pkgProblemError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	var re *pkgbackend.RunError
	if errors.As(err, &re) && strings.TrimSpace(re.Stderr) != "" {
		return (&pkgProblemError{verb: verb, errors: []string{re.Stderr}}).Error()
	}
	return "An error was encountered while " + verb + " package(s): " + err.Error()
}
