package states

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

func init() {
	common := []Param{
		{Name: "bin_env", Type: String, Doc: "a virtualenv directory (its bin/pip is used), a python executable (run as python -m pip) or a pip executable; python3 -m pip when not given (on the live host; under --root it is required)."},
		{Name: "user", Type: String, Doc: "run pip as this user."},
		{Name: "cwd", Type: String, Doc: "the directory pip runs in."},
		{Name: "log", Type: String, Doc: "pip's --log file."},
		{Name: "proxy", Type: String, Doc: "pip's --proxy."},
		{Name: "timeout", Type: Int, Doc: "pip's --timeout, in seconds."},
		{Name: "use_vt", Type: Any, Doc: "accepted and ignored."},
	}
	Register("pip.installed", pipInstalled, append(append([]Param{
		{Name: "name", Type: String, Doc: `the package, with version specifiers if any ("django >= 1.6, <= 1.7"); ignored with pkgs or requirements.`},
		{Name: "pkgs", Type: Any, Doc: "a list of packages (each with its specifiers) to install together."},
		{Name: "pip_bin", Type: String, Doc: "the pip to use, when bin_env is not given."},
		{Name: "requirements", Type: String, Doc: "a requirements file: a salt:// URL or a path (pip install -r)."},
		{Name: "editable", Type: String, Doc: "a VCS URL or path to install in development mode (pip install -e)."},
		{Name: "find_links", Type: StringList, Doc: "URLs or directories to look for packages in (--find-links)."},
		{Name: "index_url", Type: String, Doc: "the package index (--index-url)."},
		{Name: "extra_index_url", Type: StringList, Doc: "more package indexes (--extra-index-url)."},
		{Name: "no_index", Type: Bool, Default: false, Doc: "do not use a package index (--no-index)."},
		{Name: "target", Type: String, Doc: "install into this directory (--target)."},
		{Name: "upgrade", Type: Bool, Default: false, Doc: "install the newest version even when one is installed (--upgrade)."},
		{Name: "force_reinstall", Type: Bool, Default: false, Doc: "reinstall when upgrading (--force-reinstall)."},
		{Name: "ignore_installed", Type: Bool, Default: false, Doc: "install even when installed (--ignore-installed)."},
		{Name: "no_deps", Type: Bool, Default: false, Doc: "do not install dependencies (--no-deps)."},
		{Name: "pre_releases", Type: Bool, Default: false, Doc: "include pre-releases (--pre)."},
		{Name: "no_cache_dir", Type: Bool, Default: false, Doc: "do not use pip's cache (--no-cache-dir)."},
		{Name: "cache_dir", Type: String, Doc: "pip's cache directory (--cache-dir)."},
		{Name: "trusted_host", Type: String, Doc: "a host to trust without valid HTTPS (--trusted-host)."},
		{Name: "no_binary", Type: StringList, Doc: "packages not to install from wheels, or :all: (--no-binary)."},
		{Name: "exists_action", Type: String, Doc: "what pip does when a path exists: s, i, w or b (--exists-action)."},
		{Name: "install_options", Type: StringList, Doc: "--install-option values."},
		{Name: "global_options", Type: StringList, Doc: "--global-option values."},
		{Name: "cert", Type: String, Doc: "a CA bundle (--cert)."},
		{Name: "env_vars", Type: Map, Doc: "environment variables for pip."},
		{Name: "extra_args", Type: List, Doc: "more pip arguments: strings, or one-key mappings written --key value."},
	}, common...), saltKwargs)...)
	Register("pip.removed", pipRemoved, append([]Param{
		{Name: "name", Type: String, Doc: "the package to uninstall, as pip list names it."},
		{Name: "requirements", Type: String, Doc: "a requirements file of packages to uninstall too."},
	}, common...)...)
}

// pipRun is how one pip state runs pip.
type pipRun struct {
	argv []string // pip, or python -m pip
	dir  string
	env  []string
	cred *syscall.Credential
}

// pipOpen finds pip as Salt's _get_pip_bin does and reads the arguments
// every pip state takes.
func pipOpen(req *Request) (*pipRun, error) {
	binEnv := req.Args.String("bin_env", "")
	if binEnv == "" {
		binEnv = req.Args.String("pip_bin", "")
	}
	user := req.Args.String("user", "")
	cwd := req.Args.String("cwd", "")
	envVars := req.Args.Vars("env_vars")
	if err := req.Args.Err(); err != nil {
		return nil, err
	}
	p := &pipRun{}
	switch {
	case binEnv == "" && !req.Live():
		// The host's python is not the root's: under --root only a pip
		// of the root itself (a virtualenv there) is the root's.
		return nil, &ArgError{Arg: "bin_env", Err: fmt.Errorf("under --root, name the root's virtualenv or python: the host's python3 is not the root's")}
	case binEnv == "":
		py, err := exec.LookPath("python3")
		if err != nil {
			return nil, fmt.Errorf("Could not find a pip binary: python3 is not installed (Debian's python3-pip gives pip)")
		}
		p.argv = []string{py, "-m", "pip"}
	default:
		hp, err := rootPath(req, "bin_env", binEnv, true)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(hp)
		switch {
		case err != nil:
			return nil, fmt.Errorf("Could not find a pip binary in virtualenv %s", binEnv)
		case fi.IsDir():
			found := ""
			for _, name := range []string{"pip", "pip3"} {
				if c := filepath.Join(hp, "bin", name); fileIsExec(c) {
					found = c
					break
				}
			}
			if found == "" {
				return nil, fmt.Errorf("Could not find a pip binary in virtualenv %s", binEnv)
			}
			p.argv = []string{found}
		case strings.Contains(filepath.Base(hp), "python"):
			p.argv = []string{hp, "-m", "pip"}
		default:
			p.argv = []string{hp}
		}
	}
	if cwd != "" {
		hp, err := rootPath(req, "cwd", cwd, true)
		if err != nil {
			return nil, err
		}
		p.dir = hp
	}
	if user != "" {
		db, err := fileUserDB(req)
		if err != nil {
			return nil, err
		}
		u, err := db.User(user)
		if err != nil {
			return nil, &ArgError{Arg: "user", Err: fmt.Errorf("no user %q", user)}
		}
		p.cred = &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID)}
		p.env = append(p.env, "HOME="+u.Home)
	}
	keys := make([]string, 0, len(envVars))
	for k := range envVars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p.env = append(p.env, k+"="+pyValue(envVars[k]))
	}
	return p, nil
}

func fileIsExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// run runs pip with args; stdout and stderr apart, and the exit code.
func (p *pipRun) run(ctx context.Context, args ...string) (stdout, stderr string, code int, err error) {
	argv := append(append([]string{}, p.argv...), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = p.dir
	cmd.Env = append(append(os.Environ(), "LC_ALL=C", "PIP_DISABLE_PIP_VERSION_CHECK=1"), p.env...)
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), errb.String(), exit.ExitCode(), nil
	}
	if err != nil {
		return "", "", -1, &CmdError{Argv: argv, Err: err}
	}
	return out.String(), errb.String(), 0, nil
}

// version is Salt's pip.version: what pip --version says.
func (p *pipRun) version(ctx context.Context) (string, error) {
	out, errOut, code, err := p.run(ctx, "--version")
	if err != nil {
		return "", err
	}
	m := regexp.MustCompile(`pip\s+(\S+)`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		return "", fmt.Errorf("Unable to find pip: %s", strings.TrimSpace(out+errOut))
	}
	return m[1], nil
}

// list is Salt's pip.list: installed package → version.
func (p *pipRun) list(ctx context.Context) (map[string]string, error) {
	out, errOut, code, err := p.run(ctx, "list", "--format=json")
	if err != nil {
		return nil, err
	}
	if code != 0 {
		return nil, fmt.Errorf("%s", strings.TrimSpace(errOut))
	}
	var pkgs []struct{ Name, Version string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &pkgs); err != nil {
		return nil, fmt.Errorf("pip list: %w", err)
	}
	m := make(map[string]string, len(pkgs))
	for _, x := range pkgs {
		m[x.Name] = x.Version
	}
	return m, nil
}

// pipLookup finds a package in pip's list as Salt's CaseInsensitiveDict
// does.
func pipLookup(list map[string]string, name string) (string, bool) {
	if v, ok := list[name]; ok {
		return v, true
	}
	for k, v := range list {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

type pipTarget struct {
	prefix, name string
	spec         [][2]string
}

// pipInstalled makes sure Python packages are installed with pip.
//
// A package is installed when pip list has it in a version its
// specifiers accept (==, !=, <, <=, >, >= in PEP 440 order); the others
// are installed with one pip install. Changes are {"name==version":
// "Installed"} for each; a requirements file gives {requirements: True}
// when pip did something.
//
// pip must be there (Debian's python3-pip, or a virtualenv's): the state
// fails saying so otherwise. Packages come from the index pip is set up
// for, or from index_url, find_links and no_index.
//
// Salt: comments and changes are Salt 3006's pip.installed; its pip is
// the onedir's own when bin_env is not given, brine's python3 -m pip;
// under --root bin_env must name a pip of the root; upgrade reinstalls
// through pip without asking the index for the newest version first (Salt's pip.list_all_versions), so a dry run with
// upgrade says the installed packages are up to date; ~= and ===
// never hold, as in Salt.
func pipInstalled(ctx context.Context, req *Request) Result {
	a := &req.Args
	requirements := a.String("requirements", "")
	editable := a.String("editable", "")
	upgrade := a.Bool("upgrade", false)
	forceReinstall := a.Bool("force_reinstall", false)
	ignoreInstalled := a.Bool("ignore_installed", false)
	if err := a.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	var pkgs []string
	if raw, ok := a.Get("pkgs"); ok && raw != nil {
		l, isList := raw.([]any)
		if !isList {
			return Failf(req.Name, "pkgs argument must be formatted as a list")
		}
		for _, x := range l {
			if m, isMap := x.(map[string]any); isMap && len(m) == 1 {
				for k, v := range m {
					pkgs = append(pkgs, k+" "+pyValue(v))
				}
				continue
			}
			pkgs = append(pkgs, pyValue(x))
		}
	} else {
		pkgs = []string{req.Name}
	}
	name := strings.Join(pkgs, ";")
	p, err := pipOpen(req)
	if err != nil {
		return Failf(name, "Error installing '%s': %v", req.Name, err)
	}
	if _, err := p.version(ctx); err != nil {
		return Failf(name, "Error installing '%s': %v", req.Name, err)
	}
	var details []pipTarget
	if requirements == "" && editable == "" {
		var bad []string
		for _, pkg := range pkgs {
			prefix, spec, comment, ok := pipParseReq(pkg)
			if !ok {
				bad = append(bad, comment)
				continue
			}
			details = append(details, pipTarget{prefix: prefix, name: pkg, spec: spec})
		}
		if len(bad) > 0 {
			return Failf(name, "%s", strings.Join(bad, "\n"))
		}
	}
	var targets []pipTarget
	var already []string
	if requirements != "" || editable != "" {
		if req.Test {
			var c []string
			if requirements != "" {
				c = append(c, fmt.Sprintf("Requirements file '%s' will be processed.", requirements))
			}
			if editable != "" {
				c = append(c, fmt.Sprintf("Package will be installed in editable mode (i.e. setuptools \"develop mode\") from %s.", editable))
			}
			return Result{Name: name, Result: None, Comment: strings.Join(c, " "), Changes: map[string]any{}}
		}
	} else {
		list, err := p.list(ctx)
		if err != nil {
			list = map[string]string{}
		}
		for _, d := range details {
			installed := false
			if d.prefix != "" && !ignoreInstalled && !forceReinstall {
				if v, ok := pipLookup(list, d.prefix); ok && pipFulfills(v, d.spec) {
					installed = true
					already = append(already, fmt.Sprintf("Python package %s was already installed", d.name))
				}
			}
			if installed {
				continue
			}
			targets = append(targets, d)
			if req.Test {
				r := Result{Name: name, Result: None, Changes: map[string]any{}}
				if len(details) > 1 {
					msg := "Python package(s) set to be installed:"
					for _, x := range details {
						msg += "\n" + x.name
					}
					r.Comment = msg
				} else {
					r.Comment = fmt.Sprintf("Python package %s is set to be installed", d.name)
				}
				return r
			}
		}
		if len(targets) == 0 {
			last := "All specified packages are already installed"
			if upgrade {
				last += " and up-to-date"
			}
			return Result{Name: name, Result: True, Comment: pipJoin(already, last), Changes: map[string]any{}}
		}
	}
	args, cleanup, err := pipInstallArgs(ctx, req, targets, requirements, editable)
	if cleanup != nil {
		defer cleanup()
	}
	if err != nil {
		return Failf(name, "%v", err)
	}
	stdout, stderr, code, err := p.run(ctx, args...)
	if err != nil {
		return Failf(name, "Could not install package: %v", err)
	}
	if code != 0 {
		e := fmt.Sprintf("Error: %s %s", stdout, stderr)
		if requirements != "" || editable != "" {
			var c []string
			if requirements != "" {
				c = append(c, fmt.Sprintf("Unable to process requirements file \"%s\"", requirements))
			}
			if editable != "" {
				c = append(c, fmt.Sprintf("Unable to install from VCS checkout %s.", editable))
			}
			return Failf(name, "%s", strings.Join(append(c, e), " "))
		}
		names := make([]string, len(targets))
		for i, t := range targets {
			names[i] = strings.ReplaceAll(t.name, ",", ";")
		}
		return Failf(name, "%s", pipJoin(already, fmt.Sprintf("Failed to install packages: %s. %s", strings.Join(names, ", "), e)))
	}
	changes := map[string]any{}
	if requirements != "" || editable != "" {
		var c []string
		if requirements != "" {
			for _, line := range strings.Split(stdout, "\n") {
				if !pipNoChange(line) {
					changes["requirements"] = true
				}
			}
			if changes["requirements"] == true {
				c = append(c, fmt.Sprintf("Successfully processed requirements file %s.", requirements))
			} else {
				c = append(c, "Requirements were already installed.")
			}
		}
		if editable != "" {
			c = append(c, fmt.Sprintf("Package successfully installed from VCS checkout %s.", editable))
			changes["editable"] = true
		}
		return Result{Name: name, Result: True, Comment: strings.Join(c, " "), Changes: changes}
	}
	upToDate := map[string]bool{}
	for _, line := range strings.Split(stdout, "\n") {
		if rest, ok := strings.CutPrefix(line, "Requirement already up-to-date: "); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				upToDate[strings.ToLower(f[0])] = true
			}
		}
	}
	list, err := p.list(ctx)
	if err != nil {
		return Failf(name, "%v", err)
	}
	var missing []string
	for _, t := range targets {
		if t.prefix == "" {
			changes[strings.ReplaceAll(t.name, ",", ";")+"==???"] = "Installed"
			continue
		}
		v, ok := pipLookup(list, t.prefix)
		switch {
		case len(list) == 0:
			missing = append(missing, fmt.Sprintf("There was no error installing package '%s' although it does not show when calling 'pip.freeze'.", t.name))
		case ok && !upToDate[strings.ToLower(t.prefix)]:
			changes[t.prefix+"=="+v] = "Installed"
		}
	}
	succ := "All packages were successfully installed"
	if len(missing) > 0 {
		succ = strings.Join(missing, "\n")
	}
	return Result{Name: name, Result: True, Comment: pipJoin(already, succ), Changes: changes}
}

// pipNoChange is Salt's PIP_REQUIREMENTS_NOCHANGE test of a line of pip
// install -r output.
func pipNoChange(line string) bool {
	t := strings.TrimSpace(line)
	for _, p := range []string{"Requirement already satisfied", "Requirement already up-to-date", "Requirement not upgraded", "Collecting", "Cloning", "Cleaning up...", "Looking in indexes"} {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}

func pipJoin(already []string, last string) string {
	if len(already) == 0 {
		return last
	}
	return strings.Join(already, "\n") + "\n" + last
}

// pipInstallArgs builds Salt's pip.install command line; a salt://
// requirements file is fetched to a temporary file, which cleanup
// removes.
func pipInstallArgs(ctx context.Context, req *Request, targets []pipTarget, requirements, editable string) ([]string, func(), error) {
	a := &req.Args
	args := []string{"install"}
	var cleanup func()
	if requirements != "" {
		path := requirements
		if strings.HasPrefix(requirements, "salt://") {
			if req.Env == nil || req.Env.Files == nil {
				return nil, nil, &ArgError{Arg: "requirements", Err: fmt.Errorf("no file server to read %s from", requirements)}
			}
			data, err := req.Env.Files.ReadFile(ctx, requirements)
			if err != nil {
				return nil, nil, &ArgError{Arg: "requirements", Err: err}
			}
			f, err := os.CreateTemp("", "brine-requirements-*.txt")
			if err != nil {
				return nil, nil, err
			}
			cleanup = func() { os.Remove(f.Name()) }
			if _, err := f.Write(data); err != nil {
				f.Close()
				return nil, cleanup, err
			}
			if err := f.Close(); err != nil {
				return nil, cleanup, err
			}
			os.Chmod(f.Name(), 0o644)
			path = f.Name()
		}
		args = append(args, "--requirement", path)
	}
	if editable != "" {
		args = append(args, "--editable", editable)
	}
	str := func(key, flag string) {
		if v := a.String(key, ""); v != "" {
			args = append(args, flag, v)
		}
	}
	list := func(key, flag string) {
		for _, v := range a.StringList(key) {
			args = append(args, flag, v)
		}
	}
	flag := func(key, f string) {
		if a.Bool(key, false) {
			args = append(args, f)
		}
	}
	str("log", "--log")
	str("proxy", "--proxy")
	if t := a.Int("timeout", 0); t > 0 {
		args = append(args, "--timeout", fmt.Sprint(t))
	}
	list("find_links", "--find-links")
	str("index_url", "--index-url")
	list("extra_index_url", "--extra-index-url")
	flag("no_index", "--no-index")
	str("target", "--target")
	flag("upgrade", "--upgrade")
	flag("force_reinstall", "--force-reinstall")
	flag("ignore_installed", "--ignore-installed")
	str("exists_action", "--exists-action")
	flag("no_deps", "--no-deps")
	list("install_options", "--install-option")
	list("global_options", "--global-option")
	flag("pre_releases", "--pre")
	str("cert", "--cert")
	str("trusted_host", "--trusted-host")
	flag("no_cache_dir", "--no-cache-dir")
	str("cache_dir", "--cache-dir")
	if nb := a.StringList("no_binary"); len(nb) > 0 {
		args = append(args, "--no-binary", strings.Join(nb, ","))
	}
	for _, x := range a.List("extra_args") {
		if m, ok := x.(map[string]any); ok {
			for k, v := range m {
				args = append(args, k)
				if v != nil {
					args = append(args, pyValue(v))
				}
			}
			continue
		}
		args = append(args, pyValue(x))
	}
	args = append(args, "--disable-pip-version-check")
	if err := a.Err(); err != nil {
		return nil, cleanup, err
	}
	for _, t := range targets {
		args = append(args, t.name)
	}
	return args, cleanup, nil
}

// pipRemoved makes sure a Python package is not installed.
//
// Salt: comments and changes ({name: "Removed"}) are Salt 3006's
// pip.removed; the name is matched as pip list writes it, case and all,
// as Salt does.
func pipRemoved(ctx context.Context, req *Request) Result {
	requirements := req.Args.String("requirements", "")
	if err := req.Args.Err(); err != nil {
		return Failf(req.Name, "%v", err)
	}
	p, err := pipOpen(req)
	if err != nil {
		return Failf(req.Name, "Error uninstalling '%s': %v", req.Name, err)
	}
	list, err := p.list(ctx)
	if err != nil {
		return Failf(req.Name, "Error uninstalling '%s': %v", req.Name, err)
	}
	if _, ok := list[req.Name]; !ok {
		return Result{Name: req.Name, Result: True, Comment: "Package is not installed.", Changes: map[string]any{}}
	}
	if req.Test {
		return Result{Name: req.Name, Result: None, Comment: fmt.Sprintf("Package %s is set to be removed", req.Name), Changes: map[string]any{req.Name: "Removed"}}
	}
	args := []string{"uninstall", "-y"}
	if requirements != "" {
		args = append(args, "--requirement", requirements)
	}
	args = append(args, req.Name)
	if _, _, code, err := p.run(ctx, args...); err != nil || code != 0 {
		return Failf(req.Name, "Could not remove package.")
	}
	return Result{Name: req.Name, Result: True, Comment: "Package was successfully removed.", Changes: map[string]any{req.Name: "Removed"}}
}
