package states

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/brine-cm/brine/states/internal/pkgbackend"
)

// pkgFake is an in-memory package manager: a database, a repository of
// versions and dependencies, and a count of every call.
type pkgFake struct {
	db      pkgbackend.DB
	repo    map[string][]string // name → versions, the last one the candidate
	deps    map[string][]string // name → packages it pulls in
	calls   map[string]int
	args    [][]pkgbackend.Target
	failing map[string]bool              // packages whose install "succeeds" but does nothing
	files   map[string]pkgbackend.Target // package files: path → name and version
	// refreshErr, when set, is what apt-get update fails with on stderr.
	refreshErr string
	// keptBack are upgrades apt-get upgrade leaves and dist-upgrade takes.
	keptBack map[string]bool
}

func newPkgFake() *pkgFake {
	return &pkgFake{
		db: pkgbackend.DB{
			"dpkg":    {Name: "dpkg", Version: "1.21.23", Arch: "amd64", State: "installed", Want: "install"},
			"tree":    {Name: "tree", Version: "2.1.0-1", State: "installed", Want: "install"},
			"curl":    {Name: "curl", Version: "7.88.1-1", State: "installed", Want: "install"},
			"libcurl": {Name: "libcurl", Version: "7.88.1-1", State: "installed", Want: "install"},
			"oldconf": {Name: "oldconf", Version: "0.9", State: "config-files", Want: "deinstall"},
		},
		repo: map[string][]string{
			"tree":         {"2.1.0-1"},
			"curl":         {"7.88.1-1", "7.88.1-2"},
			"libcurl":      {"7.88.1-1", "7.88.1-2"},
			"nginx":        {"1.22.1-9"},
			"nginx-common": {"1.22.1-9"},
			"hello":        {"2.9-1", "2.10-3", "2.10-4"},
			"jq":           {"1.6-2"},
			"libjq1":       {"1.6-2"},
			"oldconf":      {"1.0"},
		},
		deps: map[string][]string{
			"nginx": {"nginx-common"},
			"jq":    {"libjq1"},
			"curl":  {"libcurl"},
		},
		calls:   map[string]int{},
		failing: map[string]bool{},
		files: map[string]pkgbackend.Target{
			"/srv/pkgs/hello_2.10-4.deb": {Name: "hello", Version: "2.10-4"},
			"/srv/pkgs/tree_2.1.0-1.deb": {Name: "tree", Version: "2.1.0-1"},
		},
	}
}

// aptErr is apt-get failing with msg on stderr.
func aptErr(format string, a ...any) error {
	return &pkgbackend.RunError{Cmd: "apt-get install", Err: errors.New("exit status 100"), Stderr: fmt.Sprintf(format, a...) + "\n"}
}

func (f *pkgFake) clone() *pkgFake {
	g := newPkgFake()
	g.db = pkgbackend.DB{}
	for k, v := range f.db {
		g.db[k] = v
	}
	g.failing = f.failing
	return g
}

func (f *pkgFake) Name() string { return "fake" }

func (f *pkgFake) Installed(ctx context.Context) (pkgbackend.DB, error) {
	f.calls["Installed"]++
	db := pkgbackend.DB{}
	for k, v := range f.db {
		db[k] = v
	}
	return db, nil
}

func (f *pkgFake) Refresh(ctx context.Context) error {
	f.calls["Refresh"]++
	if f.refreshErr != "" {
		return &pkgbackend.RunError{Cmd: "apt-get update", Err: errors.New("exit status 100"), Stderr: f.refreshErr}
	}
	return nil
}

func (f *pkgFake) Available(ctx context.Context, names []string, fromrepo string) (map[string]pkgbackend.Available, error) {
	f.calls["Available"]++
	out := map[string]pkgbackend.Available{}
	for _, n := range names {
		if vs, ok := f.repo[n]; ok {
			out[n] = pkgbackend.Available{Candidate: vs[len(vs)-1], Versions: vs}
		}
	}
	return out, nil
}

func (f *pkgFake) Install(ctx context.Context, targets []pkgbackend.Target, files []string, opt pkgbackend.InstallOptions, simulate bool) ([]pkgbackend.Change, error) {
	if simulate {
		f.calls["Simulate"]++
	} else {
		f.calls["Install"]++
		f.args = append(f.args, targets)
	}
	var changes []pkgbackend.Change
	var add func(name, version string, forced bool) error
	add = func(name, version string, forced bool) error {
		vs, ok := f.repo[name]
		if !ok {
			return aptErr("E: Unable to locate package %s", name)
		}
		if version == "" {
			version = vs[len(vs)-1]
		}
		if !pkgIn(vs, version) {
			return aptErr("E: Version '%s' for '%s' was not found", version, name)
		}
		if f.db[name].Held() && !opt.AllowChangeHeld {
			return aptErr("E: Held packages were changed and -y was used without --allow-change-held-packages.")
		}
		p, ok := f.db[name]
		if ok && p.Installed() && p.Version == version && !forced {
			return nil
		}
		old := ""
		if ok && p.Installed() {
			old = p.Version
		}
		changes = append(changes, pkgbackend.Change{Name: name, Old: old, New: version})
		for _, d := range f.deps[name] {
			if err := add(d, "", false); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range targets {
		if err := add(t.Name, t.Version, opt.Reinstall); err != nil {
			return nil, err
		}
	}
	for _, p := range files {
		ft, ok := f.files[p]
		if !ok {
			return nil, fmt.Errorf("E: Unsupported file %s", p)
		}
		if err := add(ft.Name, ft.Version, opt.Reinstall); err != nil {
			return nil, err
		}
	}
	if simulate {
		return changes, nil
	}
	for _, c := range changes {
		if f.failing[c.Name] {
			continue
		}
		f.db[c.Name] = pkgbackend.Pkg{Name: c.Name, Version: c.New, State: "installed", Want: "install"}
	}
	return nil, nil
}

func (f *pkgFake) Remove(ctx context.Context, names []string, purge, simulate bool) ([]pkgbackend.Change, error) {
	if simulate {
		f.calls["SimulateRemove"]++
	} else {
		f.calls["Remove"]++
	}
	gone := map[string]bool{}
	for _, n := range names {
		gone[n] = true
	}
	// Whatever depends on a removed package goes too.
	for p, ds := range f.deps {
		for _, d := range ds {
			if gone[d] {
				if q, ok := f.db[p]; ok && q.Installed() {
					gone[p] = true
				}
			}
		}
	}
	var changes []pkgbackend.Change
	var list []string
	for n := range gone {
		list = append(list, n)
	}
	sort.Strings(list)
	for _, n := range list {
		changes = append(changes, pkgbackend.Change{Name: n, Old: f.db[n].Version})
		if !simulate {
			if purge {
				delete(f.db, n)
			} else {
				p := f.db[n]
				p.State, p.Want = "config-files", "deinstall"
				f.db[n] = p
			}
		}
	}
	return changes, nil
}

func (f *pkgFake) SetHold(ctx context.Context, names []string, hold bool) error {
	f.calls["SetHold"]++
	for _, n := range names {
		p := f.db[n]
		if hold {
			p.Want = "hold"
		} else {
			p.Want = "install"
		}
		f.db[n] = p
	}
	return nil
}

func (f *pkgFake) FileInfo(ctx context.Context, path string) (string, string, error) {
	f.calls["FileInfo"]++
	t, ok := f.files[path]
	if !ok {
		return "", "", errors.New("dpkg-deb: " + path + ": no such file")
	}
	return t.Name, t.Version, nil
}

func (f *pkgFake) Compare(a, b string) int { return pkgbackend.CompareDeb(a, b) }

// pkgEnv is a run whose cache holds the fake as the backend.
func pkgEnv(t *testing.T, f *pkgFake) *Env {
	t.Helper()
	env := &Env{Cache: &RunCache{}}
	if _, err := env.Cache.Load(pkgCacheKey("backend", ""), func() (any, error) { return pkgbackend.Backend(f), nil }); err != nil {
		t.Fatal(err)
	}
	return env
}

func pkgReq(env *Env, fun, name string, test bool, args map[string]any) *Request {
	return &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Env: env}
}

func pkgCall(t *testing.T, env *Env, fun, name string, test bool, args map[string]any) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), pkgReq(env, fun, name, test, args))
}

func TestPkgInstalledNoop(t *testing.T) {
	for _, test := range []bool{false, true} {
		f := newPkgFake()
		env := pkgEnv(t, f)
		res := pkgCall(t, env, "pkg.installed", "tree", test, nil)
		if res.Result != True || len(res.Changes) != 0 || res.Comment != "All specified packages are already installed" {
			t.Errorf("test=%v: no-op = %+v", test, res)
		}
		res = pkgCall(t, env, "pkg.installed", "x", test, map[string]any{"pkgs": []any{"tree", map[string]any{"curl": "7.88.1-1"}, map[string]any{"dpkg": ">=1.20"}}})
		if res.Result != True || len(res.Changes) != 0 {
			t.Errorf("test=%v: pkgs no-op = %+v", test, res)
		}
		want := map[string]int{"Installed": 1}
		if !reflect.DeepEqual(f.calls, want) {
			t.Errorf("test=%v: calls = %v; want %v (one db read, no refresh, no install)", test, f.calls, want)
		}
	}
}

func TestPkgInstalledChangesShape(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	res := pkgCall(t, env, "pkg.installed", "nginx", false, nil)
	want := map[string]any{
		"nginx":        map[string]any{"old": "", "new": "1.22.1-9"},
		"nginx-common": map[string]any{"old": "", "new": "1.22.1-9"},
	}
	if res.Result != True || !reflect.DeepEqual(res.Changes, want) {
		t.Errorf("install nginx = %+v; want changes %v", res, want)
	}
	if res.Comment != "The following packages were installed/updated: nginx" { // Salt names the version asked for, none here
		t.Errorf("comment = %q", res.Comment)
	}
	// The second run does nothing and reads the database it wrote.
	res = pkgCall(t, env, "pkg.installed", "nginx", false, nil)
	if res.Result != True || len(res.Changes) != 0 {
		t.Errorf("rerun = %+v", res)
	}
}

func TestPkgOneCallPerStateAndOnceperRun(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	res := pkgCall(t, env, "pkg.installed", "many", false, map[string]any{"pkgs": []any{"nginx", "jq", "tree", map[string]any{"hello": "2.10-3"}}})
	if res.Result != True {
		t.Fatalf("install = %+v", res)
	}
	if f.calls["Install"] != 1 {
		t.Errorf("Install calls = %d; want 1 for one state", f.calls["Install"])
	}
	got := fmt.Sprint(f.args[0])
	if got != "[{nginx } {jq } {hello 2.10-3}]" {
		t.Errorf("targets = %s", got)
	}
	for i := 0; i < 20; i++ {
		pkgCall(t, env, "pkg.installed", "tree", false, nil)
	}
	pkgCall(t, env, "pkg.installed", "hello", false, map[string]any{"version": "2.10-4"})
	pkgCall(t, env, "pkg.installed", "curl", false, map[string]any{"version": "7.88.1-2"})
	if f.calls["Refresh"] != 1 {
		t.Errorf("Refresh calls = %d; want 1 per run", f.calls["Refresh"])
	}
	// One read at the start, one after each of the three installs.
	if f.calls["Installed"] != 4 {
		t.Errorf("Installed calls = %d; want 4", f.calls["Installed"])
	}
	if f.calls["Install"] != 3 {
		t.Errorf("Install calls = %d; want 3", f.calls["Install"])
	}
}

func TestPkgRefreshFalse(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	res := pkgCall(t, env, "pkg.installed", "jq", false, map[string]any{"refresh": false})
	if res.Result != True || f.calls["Refresh"] != 0 {
		t.Errorf("refresh=false: %+v, calls %v", res, f.calls)
	}
	res = pkgCall(t, env, "pkg.installed", "nginx", false, map[string]any{"refresh": "yes"})
	if res.Result != True || f.calls["Refresh"] != 1 {
		t.Errorf("refresh=yes: %+v, calls %v", res, f.calls)
	}
}

// TestPkgRefreshTrue: refresh True refreshes for each state that needs
// the repositories, as Salt's check_refresh is true for it; unset ones
// after it do not.
func TestPkgRefreshTrue(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	for _, name := range []string{"jq", "nginx"} {
		if res := pkgCall(t, env, "pkg.installed", name, false, map[string]any{"refresh": true}); res.Result != True {
			t.Fatalf("install %s: %+v", name, res)
		}
	}
	if res := pkgCall(t, env, "pkg.installed", "hello", false, nil); res.Result != True {
		t.Fatalf("install hello: %+v", res)
	}
	if f.calls["Refresh"] != 2 {
		t.Errorf("Refresh calls = %d; want 2 (each refresh: True, none for the unset one after)", f.calls["Refresh"])
	}
}

// TestPkgTestEqualsReal runs each state under test=True and for real on
// twin fakes: the dry run must predict exactly the real run's changes.
func TestPkgTestEqualsReal(t *testing.T) {
	cases := []struct {
		fun, name string
		args      map[string]any
	}{
		{"pkg.installed", "nginx", nil},
		{"pkg.installed", "pkgs", map[string]any{"pkgs": []any{"jq", "nginx", "tree"}}},
		{"pkg.installed", "hello", map[string]any{"version": ">=2.10"}},
		{"pkg.installed", "hello", map[string]any{"version": "2.9-1"}},
		{"pkg.installed", "curl", map[string]any{"version": "7.88.1-2"}},
		{"pkg.installed", "tree", map[string]any{"reinstall": true}},
		{"pkg.installed", "jq", map[string]any{"hold": true}},
		{"pkg.installed", "tree", map[string]any{"hold": true}},
		{"pkg.latest", "curl", nil},
		{"pkg.latest", "pkgs", map[string]any{"pkgs": []any{"curl", "tree", "jq"}}},
		{"pkg.removed", "libcurl", nil},
		{"pkg.removed", "pkgs", map[string]any{"pkgs": []any{"tree", "nginx"}}},
		{"pkg.purged", "oldconf", nil},
		{"pkg.purged", "tree", nil},
		{"pkg.removed", "tree", map[string]any{"version": "9.9"}},
	}
	for _, c := range cases {
		t.Run(c.fun+"/"+c.name+fmt.Sprint(c.args), func(t *testing.T) {
			base := newPkgFake()
			ft, fr := base.clone(), base.clone()
			dry := pkgCall(t, pkgEnv(t, ft), c.fun, c.name, true, c.args)
			real := pkgCall(t, pkgEnv(t, fr), c.fun, c.name, false, c.args)
			if real.Result != True {
				t.Fatalf("real = %+v", real)
			}
			if !reflect.DeepEqual(dry.Changes, real.Changes) {
				t.Errorf("test=True changes %v\n real changes %v", dry.Changes, real.Changes)
			}
			wantDry := True
			if len(real.Changes) > 0 {
				wantDry = None
			}
			if dry.Result != wantDry {
				t.Errorf("test=True result = %v; want %v (%s)", dry.Result, wantDry, dry.Comment)
			}
			if !reflect.DeepEqual(ft.db, base.db) {
				t.Errorf("test=True changed the database")
			}
			if ft.calls["Install"]+ft.calls["Remove"]+ft.calls["SetHold"] != 0 {
				t.Errorf("test=True called %v", ft.calls)
			}
		})
	}
}

func TestPkgComments(t *testing.T) {
	cases := []struct {
		fun, name string
		test      bool
		args      map[string]any
		result    Outcome
		comment   string
	}{
		{"pkg.installed", "jq", true, nil, None, "The following packages would be installed/updated: jq"},
		{"pkg.installed", "pkgs", false, map[string]any{"pkgs": []any{"jq", "tree"}}, True,
			"The following packages were installed/updated: jq\nThe following packages were already installed: tree"},
		{"pkg.installed", "ghost", false, nil, False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - E: Unable to locate package ghost"},
		{"pkg.installed", "hello", false, map[string]any{"version": ">=3"}, False, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - No version matching 'hello>=3' could be found (available: 2.10-4, 2.10-3, 2.9-1)"},
		{"pkg.latest", "tree", false, nil, True, "Package tree is already up-to-date"},
		{"pkg.latest", "pkgs", false, map[string]any{"pkgs": []any{"tree", "dpkg"}}, True, "All packages are up-to-date (dpkg, tree)."},
		{"pkg.latest", "curl", true, nil, None, "The following packages would be installed/upgraded: curl"},
		{"pkg.latest", "curl", false, nil, True, "The following packages were successfully installed/upgraded: curl"},
		{"pkg.latest", "ghost", false, nil, False, "No information found for 'ghost'."},
		{"pkg.removed", "ghost", false, nil, True, "All specified packages are already absent"},
		{"pkg.purged", "ghost", false, nil, True, "None of the targeted packages are installed or partially installed"},
		{"pkg.removed", "tree", true, nil, None, "The following packages will be removed: tree."},
		{"pkg.removed", "tree", false, nil, True, "All targeted packages were removed."},
		{"pkg.purged", "oldconf", false, nil, True, "All targeted packages were purged."},
		{"pkg.removed", "oldconf", false, nil, True, "All specified packages are already absent"},
		{"pkg.installed", "tree", false, map[string]any{"hold": true}, True, "All specified packages are already installed.\nPackage tree is now being held."},
		{"pkg.installed", "tree", true, map[string]any{"hold": true}, None, "All specified packages are already installed.\nPackage tree is set to be held."},
	}
	for _, c := range cases {
		f := newPkgFake()
		res := pkgCall(t, pkgEnv(t, f), c.fun, c.name, c.test, c.args)
		if res.Result != c.result || res.Comment != c.comment {
			t.Errorf("%s %s test=%v %v:\n got %v %q\nwant %v %q", c.fun, c.name, c.test, c.args, res.Result, res.Comment, c.result, c.comment)
		}
	}
}

func TestPkgInstallVerifies(t *testing.T) {
	f := newPkgFake()
	f.failing["jq"] = true
	res := pkgCall(t, pkgEnv(t, f), "pkg.installed", "jq", false, nil)
	if res.Result != False || !strings.Contains(res.Comment, "The following packages failed to install/update: jq") {
		t.Errorf("unverified install = %+v", res)
	}
}

func TestPkgBadArgs(t *testing.T) {
	cases := []struct {
		fun  string
		args map[string]any
		arg  string
	}{
		{"pkg.installed", map[string]any{"pkgs": []any{3.5e100, []any{}}}, "pkgs"},
		{"pkg.installed", map[string]any{"pkgs": []any{map[string]any{"a": "1", "b": "2"}}}, "pkgs"},
		{"pkg.installed", map[string]any{"pkgs": []any{"-oops"}}, "pkgs"},
		{"pkg.installed", map[string]any{"pkgs": []any{map[string]any{"a": []any{}}}}, "pkgs"},
		{"pkg.installed", map[string]any{"version": ">="}, "version"},
		{"pkg.installed", map[string]any{"refresh": "maybe"}, "refresh"},
		{"pkg.installed", map[string]any{"hold": []any{}}, "hold"},
		{"pkg.installed", map[string]any{"sources": []any{"x.deb"}}, "sources"},
		{"pkg.installed", map[string]any{"sources": []any{map[string]any{"x": "relative.deb"}}}, "sources"},
		{"pkg.latest", map[string]any{"version": "1.0"}, "version"},
		{"pkg.removed", map[string]any{"pkgs": "not-a-list-but-ok-then-bad", "version": ">="}, ""},
	}
	for _, c := range cases {
		f := newPkgFake()
		res := pkgCall(t, pkgEnv(t, f), c.fun, "tree", false, c.args)
		if c.arg == "" {
			continue
		}
		if res.Result != False || !strings.Contains(res.Comment, fmt.Sprintf("argument %q", c.arg)) {
			t.Errorf("%s %v = %v %q; want a failure naming %q", c.fun, c.args, res.Result, res.Comment, c.arg)
		}
		if f.calls["Install"]+f.calls["Remove"] != 0 {
			t.Errorf("%s %v: bad args still installed: %v", c.fun, c.args, f.calls)
		}
	}
	res := pkgCall(t, pkgEnv(t, newPkgFake()), "pkg.installed", "-x", false, nil)
	if res.Result != False || !strings.Contains(res.Comment, `argument "name"`) {
		t.Errorf("name -x = %+v", res)
	}
}

func TestPkgNoBackend(t *testing.T) {
	env := &Env{Cache: &RunCache{}, Grains: map[string]any{"os_family": "Alpine"}}
	res := pkgCall(t, env, "pkg.installed", "tree", false, nil)
	want := "no package backend for os_family Alpine: brine supports apt (Debian) and dnf (RedHat)"
	if res.Result != False || res.Comment != want {
		t.Errorf("Alpine = %+v; want %q", res, want)
	}
}

func TestPkgSources(t *testing.T) {
	src := func(name, path string) map[string]any {
		return map[string]any{"sources": []any{map[string]any{name: path}}}
	}
	cases := []struct {
		args    map[string]any
		result  Outcome
		comment string
	}{
		{src("hello", "/srv/pkgs/hello_2.10-4.deb"), True, "The following packages were installed/updated: hello"},
		{src("tree", "/srv/pkgs/tree_2.1.0-1.deb"), True, "All specified packages are already installed"},
		// An aggregated call (pkg.mod_aggregate) lists its own source
		// again: Salt's pack_sources keeps one.
		{map[string]any{"sources": []any{map[string]any{"hello": "/srv/pkgs/hello_2.10-4.deb"}, map[string]any{"hello": "/srv/pkgs/hello_2.10-4.deb"}}}, True, "The following packages were installed/updated: hello"},
		{src("jq", "/srv/pkgs/hello_2.10-4.deb"), False, `argument "sources": /srv/pkgs/hello_2.10-4.deb holds package hello, not jq`},
		{src("jq", "/srv/pkgs/none.deb"), False, "dpkg-deb: /srv/pkgs/none.deb: no such file"},
		{src("jq", "salt://pkgs/jq.deb"), False, "sources jq: no file source to read salt://pkgs/jq.deb"},
	}
	for _, c := range cases {
		base := newPkgFake()
		ft, fr := base.clone(), base.clone()
		dry := pkgCall(t, pkgEnv(t, ft), "pkg.installed", "srcs", true, c.args)
		res := pkgCall(t, pkgEnv(t, fr), "pkg.installed", "srcs", false, c.args)
		if res.Result != c.result || res.Comment != c.comment {
			t.Errorf("sources %v = %v %q; want %v %q", c.args, res.Result, res.Comment, c.result, c.comment)
		}
		if !reflect.DeepEqual(dry.Changes, res.Changes) {
			t.Errorf("sources %v: dry changes %v; real %v", c.args, dry.Changes, res.Changes)
		}
	}
}

// TestPkgRootEscape: the files the pkg states read themselves under
// --root (os-release, the dpkg database) are the image's; a link out of
// the image fails the state. apt and dpkg then act on the root by their
// own --root options (see docs/security.md).
func TestPkgRootEscape(t *testing.T) {
	run := func(root string) Result {
		fn, err := Lookup("pkg.installed")
		if err != nil {
			t.Fatal(err)
		}
		return fn(context.Background(), &Request{ID: "tree", Name: "tree", Func: "pkg.installed", Args: NewArgs(map[string]any{"refresh": false}),
			Test: true, Root: root, Env: &Env{Cache: &RunCache{}}})
	}
	debian := map[string]string{"etc/os-release": "ID=debian\n", "var/lib/dpkg/status": "Package: tree\nStatus: install ok installed\nVersion: 2.1.0-1\nArchitecture: amd64\n\n"}
	escapeRun(t, []escapeCase{
		{name: "dpkg database links out", files: map[string]string{"etc/os-release": "ID=debian\n"},
			links: map[string]string{"var/lib/dpkg": "$REL"}, run: run, fails: "resolves outside the root"},
		{name: "plain image", files: debian, run: run},
	})
}

// Upgrade makes the fake an Upgrader: every installed package whose
// repository candidate is newer moves to it.
func (f *pkgFake) Upgrade(ctx context.Context, dist, simulate bool) ([]pkgbackend.Change, error) {
	var targets []pkgbackend.Target
	for name, p := range f.db {
		if f.keptBack[name] && !dist {
			continue // apt-get upgrade keeps it back: it needs a new package
		}
		if vs, ok := f.repo[name]; ok && p.Installed() && pkgbackend.CompareDeb(vs[len(vs)-1], p.Version) > 0 {
			targets = append(targets, pkgbackend.Target{Name: name})
		}
	}
	sort.Slice(targets, func(i, j int) bool { return targets[i].Name < targets[j].Name })
	return f.Install(ctx, targets, nil, pkgbackend.InstallOptions{}, simulate)
}

func TestPkgUptodate(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	want := map[string]any{
		"curl":    map[string]any{"old": "7.88.1-1", "new": "7.88.1-2"},
		"libcurl": map[string]any{"old": "7.88.1-1", "new": "7.88.1-2"},
	}
	dry := pkgCall(t, env, "pkg.uptodate", "system", true, nil)
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || dry.Comment != "System update will be performed" || f.calls["Install"] != 0 {
		t.Fatalf("test run = %v %#v %q, calls %v", dry.Result, dry.Changes, dry.Comment, f.calls)
	}
	real := pkgCall(t, env, "pkg.uptodate", "system", false, nil)
	if real.Result != True || !reflect.DeepEqual(real.Changes, want) || real.Comment != "Upgrade ran successfully" {
		t.Fatalf("real run = %v %#v %q", real.Result, real.Changes, real.Comment)
	}
	again := pkgCall(t, env, "pkg.uptodate", "system", false, nil)
	if again.Result != True || len(again.Changes) != 0 || again.Comment != "System is already up-to-date" {
		t.Errorf("rerun = %v %#v %q", again.Result, again.Changes, again.Comment)
	}
	if f.calls["Refresh"] != 0 {
		t.Errorf("refreshed %d times; Salt's default is no refresh", f.calls["Refresh"])
	}

	// pkgs: only those, as pkg.latest would; one the upgrade does not
	// take is named.
	f = newPkgFake()
	f.db["hello"] = pkgbackend.Pkg{Name: "hello", Version: "2.9-1", State: "installed", Want: "install"}
	env = pkgEnv(t, f)
	args := map[string]any{"pkgs": []any{"hello", "tree"}, "refresh": true}
	want = map[string]any{"hello": map[string]any{"old": "2.9-1", "new": "2.10-4"}}
	dry = pkgCall(t, env, "pkg.uptodate", "some", true, args)
	real = pkgCall(t, env, "pkg.uptodate", "some", false, args)
	if dry.Result != None || !reflect.DeepEqual(dry.Changes, want) || real.Result != True || !reflect.DeepEqual(real.Changes, want) ||
		real.Comment != "Upgrade ran successfully" {
		t.Errorf("pkgs: test %v %#v %q; real %v %#v %q", dry.Result, dry.Changes, dry.Comment, real.Result, real.Changes, real.Comment)
	}
	// refresh: True refreshes in each run, the dry one too, as Salt's
	// list_upgrades(refresh=True) does.
	if f.db["curl"].Version != "7.88.1-1" || f.calls["Refresh"] != 2 {
		t.Errorf("pkgs upgraded curl (%s) or refreshed %d times", f.db["curl"].Version, f.calls["Refresh"])
	}
	f.db["hello"] = pkgbackend.Pkg{Name: "hello", Version: "2.9-1", State: "installed", Want: "install"}
	f.failing["hello"] = true
	if r := pkgCall(t, env, "pkg.uptodate", "some", false, args); r.Result != False || r.Comment != "The following package(s) failed to update: hello" {
		t.Errorf("failed upgrade = %v %q", r.Result, r.Comment)
	}
}

// TestPkgInstalledVersionLatest: Salt's version: latest in pkg.installed
// is the repositories' candidate: an upgrade when an older one is
// installed, nothing when the candidate is.
func TestPkgInstalledVersionLatest(t *testing.T) {
	f := newPkgFake()
	env := pkgEnv(t, f)
	args := map[string]any{"version": "latest"}
	dry := pkgCall(t, env, "pkg.installed", "curl", true, args)
	real := pkgCall(t, env, "pkg.installed", "curl", false, args)
	want := map[string]any{"curl": map[string]any{"old": "7.88.1-1", "new": "7.88.1-2"}, "libcurl": map[string]any{"old": "7.88.1-1", "new": "7.88.1-2"}}
	if dry.Result != None || real.Result != True || !reflect.DeepEqual(real.Changes, want) || !reflect.DeepEqual(dry.Changes, real.Changes) {
		t.Fatalf("latest: test %v %#v; real %v %#v %q", dry.Result, dry.Changes, real.Result, real.Changes, real.Comment)
	}
	if again := pkgCall(t, env, "pkg.installed", "curl", false, args); again.Result != True || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %#v %q", again.Result, again.Changes, again.Comment)
	}
	if r := pkgCall(t, env, "pkg.installed", "nosuch", true, args); r.Result != False || !strings.Contains(r.Comment, "E: Unable to locate package nosuch") {
		t.Errorf("no such package = %v %q", r.Result, r.Comment)
	}
}

// TestPkgProblemError: the errors in salt.output.nested's layout, as
// CommandExecutionError.strerror_without_changes shows them.
func TestPkgProblemError(t *testing.T) {
	for _, c := range []struct {
		errs []string
		want string
	}{
		{[]string{"E: Unable to locate package x\n"}, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - E: Unable to locate package x"},
		{[]string{"W: one\nE: two\n"}, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - W: one\n      E: two"},
		{[]string{"a", "b"}, "Problem encountered installing package(s). Additional info follows:\n\nerrors:\n    - a\n    - b"},
	} {
		if got := (&pkgProblemError{verb: "installing", errors: c.errs}).Error(); got != c.want {
			t.Errorf("pkgProblemError(%q) = %q; want %q", c.errs, got, c.want)
		}
	}
	// A failure without stderr keeps the plain wording.
	if got := pkgFailure("removing", errors.New("boom")); got != "An error was encountered while removing package(s): boom" {
		t.Errorf("pkgFailure = %q", got)
	}
}
