package states

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

func init() {
	params := []Param{
		{Name: "name", Type: String, Doc: "the virtualenv's directory."},
		{Name: "venv_bin", Type: String, Doc: `the command that creates it, split at blanks ("virtualenv", "python3 -m venv"); virtualenv when on PATH, else python3 -m venv.`},
		{Name: "requirements", Type: String, Doc: "a pip requirements file (salt:// or a path) to install into it."},
		{Name: "pip_pkgs", Type: StringList, Doc: "pip packages to install into it."},
		{Name: "system_site_packages", Type: Bool, Default: false, Doc: "give it access to the system's site-packages."},
		{Name: "clear", Type: Bool, Default: false, Doc: "recreate it, empty, when it exists."},
		{Name: "python", Type: String, Doc: "the python it is made for (virtualenv's --python)."},
		{Name: "prompt", Type: String, Doc: "its prompt (--prompt)."},
		{Name: "extra_search_dir", Type: String, Doc: "virtualenv's --extra-search-dir."},
		{Name: "never_download", Type: Bool, Default: false, Doc: "virtualenv's --never-download."},
		{Name: "user", Type: String, Doc: "run virtualenv and pip as this user."},
		{Name: "cwd", Type: String, Doc: "the directory pip runs in."},
		{Name: "index_url", Type: String, Doc: "pip's --index-url."},
		{Name: "extra_index_url", Type: StringList, Doc: "pip's --extra-index-url."},
		{Name: "find_links", Type: StringList, Doc: "pip's --find-links."},
		{Name: "no_index", Type: Bool, Default: false, Doc: "pip's --no-index."},
		{Name: "pre_releases", Type: Bool, Default: false, Doc: "pip's --pre."},
		{Name: "no_deps", Type: Bool, Default: false, Doc: "pip's --no-deps."},
		{Name: "pip_exists_action", Type: String, Doc: "pip's --exists-action."},
		{Name: "pip_ignore_installed", Type: Bool, Default: false, Doc: "pip's --ignore-installed."},
		{Name: "pip_upgrade", Type: Bool, Default: false, Doc: "pip's --upgrade."},
		{Name: "pip_no_cache_dir", Type: Bool, Default: false, Doc: "pip's --no-cache-dir."},
		{Name: "pip_cache_dir", Type: String, Doc: "pip's --cache-dir."},
		{Name: "proxy", Type: String, Doc: "pip's --proxy."},
		{Name: "no_binary", Type: StringList, Doc: "pip's --no-binary."},
		{Name: "env_vars", Type: Map, Doc: "environment variables for pip."},
		{Name: "distribute", Type: Any, Doc: "accepted and ignored."},
		{Name: "use_wheel", Type: Any, Doc: "accepted and ignored."},
		{Name: "use_vt", Type: Any, Doc: "accepted and ignored."},
	}
	Register("virtualenv.managed", virtualenvManaged, append(params, saltKwargs)...)
	Register("virtualenv.manage", virtualenvManaged, params...)
}

// virtualenvManaged makes sure a Python virtualenv exists, and installs
// requirements or pip_pkgs into it with its pip.
//
// Changes are {new: …} when it is created (or {cleared_packages, old,
// new} when cleared), and {packages: {new: [...], old: [...]}} from pip
// freeze before and after pip install.
//
// Salt: comments and changes are Salt 3006's virtualenv.managed; Salt
// needs the virtualenv command, brine uses python3 -m venv when it is
// missing; new and old are what "python -V" writes on stderr, as in
// Salt, which is nothing for Python 3; a dry run does not look at the
// packages, as Salt's does not.
func virtualenvManaged(ctx context.Context, req *Request) Result {
	a := &req.Args
	venvBin := a.String("venv_bin", "")
	requirements := a.String("requirements", "")
	pipPkgs := a.StringList("pip_pkgs")
	clear := a.Bool("clear", false)
	user := a.String("user", "")
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	dir, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	venvPy := filepath.Join(dir, "bin", "python")
	_, statErr := os.Stat(venvPy)
	exists := statErr == nil
	changes := map[string]any{}
	var cred *syscall.Credential
	var env []string
	if user != "" {
		db, err := fileUserDB(req)
		if err != nil {
			return Failf(req.Name, "%v", err)
		}
		u, err := db.User(user)
		if err != nil {
			return Failf(req.Name, "%v", &ArgError{Arg: "user", Err: fmt.Errorf("no user %q", user)})
		}
		cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID)}
		env = append(env, "HOME="+u.Home)
	}
	run := func(argv ...string) (string, string, int, error) {
		p := &pipRun{argv: argv[:1], env: env, cred: cred}
		return p.run(ctx, argv[1:]...)
	}
	pyVersion := func() string {
		_, stderr, _, _ := run(venvPy, "-V")
		return strings.Trim(stderr, "\n")
	}
	freeze := func() ([]string, error) {
		p := &pipRun{argv: []string{filepath.Join(dir, "bin", "pip")}, env: env, cred: cred}
		out, errOut, code, err := p.run(ctx, "freeze", "--all")
		if err != nil {
			return nil, err
		}
		if code != 0 {
			return nil, fmt.Errorf("%s", strings.TrimSpace(errOut))
		}
		var l []string
		for _, line := range strings.Split(out, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				l = append(l, line)
			}
		}
		return l, nil
	}
	if exists && clear {
		pkgs, _ := freeze()
		changes["cleared_packages"] = stringsToAny(pkgs)
		changes["old"] = pyVersion()
	}
	if req.Test {
		switch {
		case exists && clear:
			return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Virtualenv %s is set to be cleared", req.Name), Changes: changes}
		case exists:
			return Result{Name: req.Name, Result: True, Comment: fmt.Sprintf("Virtualenv %s is already created", req.Name), Changes: changes}
		}
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Virtualenv %s is set to be created", req.Name), Changes: map[string]any{"new": ""}}
	}
	comment := "virtualenv exists"
	if !exists || clear {
		argv, err := virtualenvCommand(req, venvBin, dir)
		if err != nil {
			return Failf(req.Name, "Failed to create virtualenv: %v", err)
		}
		stdout, stderr, code, err := run(argv...)
		if err != nil {
			return Failf(req.Name, "Failed to create virtualenv: %v", err)
		}
		if code != 0 {
			return Failf(req.Name, "%s", stdout+stderr)
		}
		changes["new"] = pyVersion()
		comment = "Created new virtualenv"
		if clear {
			comment = "Cleared existing virtualenv"
		}
	}
	r := Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
	if requirements == "" && len(pipPkgs) == 0 {
		return r
	}
	before, err := freeze()
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	p := &pipRun{argv: []string{filepath.Join(dir, "bin", "pip")}, env: env, cred: cred}
	if cwd := a.String("cwd", ""); cwd != "" {
		if p.dir, err = rootPath(req, "cwd", cwd, true); err != nil {
			return Failf(req.Name, "%v", err)
		}
	}
	for k, v := range a.Vars("env_vars") {
		p.env = append(p.env, k+"="+pyValue(v))
	}
	var targets []pipTarget
	for _, pkg := range pipPkgs {
		targets = append(targets, pipTarget{name: pkg})
	}
	args, cleanup, err := pipInstallArgs(ctx, virtualenvPipRequest(req), targets, requirements, "")
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	stdout, stderr, code, err := p.run(ctx, args...)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	if code != 0 {
		r.Result = False
		r.Comment = fmt.Sprintf("%s\n%s\n%s", r.Comment, stdout, stderr)
	}
	after, err := freeze()
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	added, removed := stringSetDiff(after, before), stringSetDiff(before, after)
	if len(added) > 0 || len(removed) > 0 {
		pk := map[string]any{"new": "", "old": ""}
		if len(added) > 0 {
			pk["new"] = stringsToAny(added)
		}
		if len(removed) > 0 {
			pk["old"] = stringsToAny(removed)
		}
		changes["packages"] = pk
	}
	return r
}

// virtualenvCommand is Salt's virtualenv.create command line.
func virtualenvCommand(req *Request, venvBin, dir string) ([]string, error) {
	a := &req.Args
	var argv []string
	if venvBin == "" {
		if _, err := exec.LookPath("virtualenv"); err == nil {
			argv = []string{"virtualenv"}
		} else if py, err := exec.LookPath("python3"); err == nil {
			argv = []string{py, "-m", "venv"}
		} else {
			return nil, fmt.Errorf("neither virtualenv nor python3 is installed (Debian's virtualenv or python3-venv)")
		}
	} else {
		argv = strings.Fields(venvBin)
		if _, err := exec.LookPath(argv[0]); err != nil {
			return nil, fmt.Errorf("%s: %w", argv[0], err)
		}
	}
	isVenv := len(argv) >= 3 && argv[len(argv)-2] == "-m" && argv[len(argv)-1] == "venv" || strings.Contains(filepath.Base(argv[0]), "pyvenv")
	if a.Bool("system_site_packages", false) {
		argv = append(argv, "--system-site-packages")
	}
	if a.Bool("clear", false) {
		argv = append(argv, "--clear")
	}
	if p := a.String("prompt", ""); p != "" {
		argv = append(argv, "--prompt="+p)
	}
	if !isVenv {
		if py := a.String("python", ""); py != "" {
			argv = append(argv, "--python="+py)
		}
		if d := a.String("extra_search_dir", ""); d != "" {
			argv = append(argv, "--extra-search-dir="+d)
		}
		if a.Bool("never_download", false) {
			argv = append(argv, "--never-download")
		}
	}
	return append(argv, dir), a.Err()
}

// virtualenvPipRequest maps virtualenv.managed's pip_* arguments to the
// names pip.installed reads.
func virtualenvPipRequest(req *Request) *Request {
	m := map[string]any{}
	for k, v := range req.Args.Map() {
		m[k] = v
	}
	for from, to := range map[string]string{
		"pip_exists_action": "exists_action", "pip_ignore_installed": "ignore_installed",
		"pip_upgrade": "upgrade", "pip_no_cache_dir": "no_cache_dir", "pip_cache_dir": "cache_dir",
	} {
		if v, ok := m[from]; ok {
			m[to] = v
		}
	}
	r := *req
	r.Args = NewArgs(m)
	return &r
}

func stringsToAny(l []string) []any {
	out := make([]any, len(l))
	for i, s := range l {
		out[i] = s
	}
	return out
}

// stringSetDiff is the sorted set a - b.
func stringSetDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, s := range b {
		in[s] = true
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range a {
		if !in[s] && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}
