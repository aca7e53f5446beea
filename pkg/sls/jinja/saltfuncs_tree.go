package jinja

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/flosch/pongo2/v6"
)

// TreeLister is an optional ability of a Loader: the cp.list_* functions
// list the state tree through it. ListTree returns every regular file of
// saltenv's tree ("" is the render's own), relative to its root,
// slash-separated, sorted.
type TreeLister interface {
	ListTree(saltenv string) ([]string, error)
}

// SymlinkLister is an optional ability of a Loader, for
// cp.list_master_symlinks: each symlink of saltenv's tree, relative to its
// root, and where it points.
type SymlinkLister interface {
	ListSymlinks(saltenv string) (map[string]string, error)
}

// ErrNoTreeList is returned by a cp.list_* function when the render's
// loader cannot list the state tree.
var ErrNoTreeList = errors.New("the state tree cannot be listed here")

// treeFuncs are the salt functions that need the render itself: its
// loader (the state tree) or its globals (slsutil.renderer).
var treeFuncs map[string]func(e *env, args []any, kw map[string]any) (any, error)

func init() {
	treeFuncs = map[string]func(e *env, args []any, kw map[string]any) (any, error){
		"cp.get_file_str":         cpGetFileStr,
		"cp.list_master":          cpListMaster,
		"cp.list_master_dirs":     cpListMasterDirs,
		"cp.list_states":          cpListStates,
		"cp.list_master_symlinks": cpListMasterSymlinks,
		"slsutil.renderer":        slsutilRenderer,
		"defaults.get":            defaultsGet,
		"state.sls_exists":        stateSLSExists,
		"slsutil.file_exists": func(e *env, args []any, kw map[string]any) (any, error) {
			return slsutilExists(e, "slsutil.file_exists", args, kw, true, false)
		},
		"slsutil.dir_exists": func(e *env, args []any, kw map[string]any) (any, error) {
			return slsutilExists(e, "slsutil.dir_exists", args, kw, false, true)
		},
		"slsutil.path_exists": func(e *env, args []any, kw map[string]any) (any, error) {
			return slsutilExists(e, "slsutil.path_exists", args, kw, true, true)
		},
		"slsutil.findup": slsutilFindup,
	}
}

// treeFiles lists the files of the tree in the saltenv argument.
func treeFiles(e *env, fn string, args []any, kw map[string]any) ([]string, error) {
	tl, ok := e.rs.loader.(TreeLister)
	if !ok {
		return nil, fmt.Errorf("%s: %w", fn, ErrNoTreeList)
	}
	env, _ := param(args, kw, 0, "saltenv", "").(string)
	files, err := tl.ListTree(env)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	return files, nil
}

// withPrefix keeps the names that start with prefix, as Salt's
// Fileserver.file_list and dir_list filter them (prefix.strip("/"), then
// str.startswith), and makes them a template list.
func withPrefix(names []string, args []any, kw map[string]any) []any {
	prefix, _ := param(args, kw, 1, "prefix", "").(string)
	prefix = strings.Trim(prefix, "/")
	out := []any{}
	for _, n := range names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	return out
}

// cpListMaster is cp.list_master(saltenv, prefix): every file of the tree.
func cpListMaster(e *env, args []any, kw map[string]any) (any, error) {
	files, err := treeFiles(e, "cp.list_master", args, kw)
	if err != nil {
		return nil, err
	}
	return withPrefix(files, args, kw), nil
}

// cpListMasterDirs is cp.list_master_dirs(saltenv, prefix). Salt's roots
// backend (salt/fileserver/roots.py _file_lists) adds each directory the
// walk meets below a root, not the root itself, sorted. brine knows the
// directories from the files in them, so an empty directory is not
// listed.
func cpListMasterDirs(e *env, args []any, kw map[string]any) (any, error) {
	files, err := treeFiles(e, "cp.list_master_dirs", args, kw)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		for d := path.Dir(f); d != "." && d != "/" && !seen[d]; d = path.Dir(d) {
			seen[d] = true
		}
	}
	dirs := make([]string, 0, len(seen))
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return withPrefix(dirs, args, kw), nil
}

// cpListStates is cp.list_states(saltenv): Salt's fileclient list_states
// names each .sls file, a/init.sls as "a", sorted.
func cpListStates(e *env, args []any, kw map[string]any) (any, error) {
	files, err := treeFiles(e, "cp.list_states", args, kw)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range files {
		var name string
		switch {
		case strings.HasSuffix(f, "/init.sls"):
			name = strings.TrimSuffix(f, "/init.sls")
		case strings.HasSuffix(f, ".sls"):
			name = strings.TrimSuffix(f, ".sls")
		default:
			continue
		}
		seen[strings.ReplaceAll(name, "/", ".")] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return stringList(names), nil
}

// cpListMasterSymlinks is cp.list_master_symlinks(saltenv, prefix).
func cpListMasterSymlinks(e *env, args []any, kw map[string]any) (any, error) {
	sl, ok := e.rs.loader.(SymlinkLister)
	if !ok {
		return nil, fmt.Errorf("cp.list_master_symlinks: %w (the tree's source lists files, not symlinks)", ErrNoTreeList)
	}
	env, _ := param(args, kw, 0, "saltenv", "").(string)
	links, err := sl.ListSymlinks(env)
	if err != nil {
		return nil, fmt.Errorf("cp.list_master_symlinks: %w", err)
	}
	names := make([]string, 0, len(links))
	for n := range links {
		names = append(names, n)
	}
	sort.Strings(names)
	out := newDict(len(names))
	for _, n := range withPrefix(names, args, kw) {
		out.Set(n.(string), links[n.(string)])
	}
	return out, nil
}

// slsutilRenderer is Salt's slsutil.renderer(path, string,
// default_renderer="jinja|yaml", **kwargs) (salt/modules/slsutil.py): it
// runs a file or a string through a renderer pipe, the file's own #! line
// first, and returns the data. Jinja sees the render's globals (grains,
// pillar, salt, opts) and the extra keyword arguments, as Salt's jinja
// renderer passes **kws as context. A path is read from the state tree
// (salt://); brine does not fetch other URLs or read the host's files here.
func slsutilRenderer(e *env, args []any, kw map[string]any) (any, error) {
	p, _ := param(args, kw, 0, "path", nil).(string)
	str, _ := param(args, kw, 1, "string", nil).(string)
	pipe, _ := param(args, kw, 2, "default_renderer", "jinja|yaml").(string)
	name := "<string>"
	var src string
	switch {
	case p != "":
		rel, ok := strings.CutPrefix(p, "salt://")
		if !ok {
			return nil, fmt.Errorf("slsutil.renderer: %q: only salt:// paths can be read here", p)
		}
		if e.rs.loader == nil {
			return nil, fmt.Errorf("slsutil.renderer: %q: no state tree to read from", p)
		}
		rel, _, _ = strings.Cut(rel, "?")
		b, err := e.rs.loader.Load(rel)
		if err != nil {
			return nil, fmt.Errorf("slsutil.renderer: %w", err)
		}
		name, src = rel, string(b)
	case str != "":
		src = str
	default:
		// Salt: SaltInvocationError("Must pass either path or string").
		return nil, errors.New("slsutil.renderer: Must pass either path or string")
	}
	// Salt's compile_template reads a #! line as the pipe to use.
	if rest, ok := strings.CutPrefix(src, "#!"); ok {
		line, body, _ := strings.Cut(rest, "\n")
		pipe, src = strings.TrimSpace(line), body
	}
	ctx := pongo2.Context{}
	for k, v := range kw {
		switch k {
		case "path", "string", "default_renderer":
		default:
			ctx[k] = v
		}
	}
	var data any = src
	for _, r := range strings.Split(pipe, "|") {
		text, isText := data.(string)
		if !isText {
			return nil, fmt.Errorf("slsutil.renderer: %s: renderer %q after one that returned data", name, r)
		}
		switch strings.TrimSpace(r) {
		case "jinja":
			c, err := compile(name, []byte(text))
			if err != nil {
				return nil, fmt.Errorf("slsutil.renderer: %w", err)
			}
			var b strings.Builder
			if _, err := e.rs.run(c, ctx, &pongoWriter{b: &b, rs: e.rs}); err != nil {
				return nil, fmt.Errorf("slsutil.renderer: %w", err)
			}
			data = b.String()
		case "yaml", "json":
			v, err := parseData(strings.TrimSpace(r), text)
			if err != nil {
				return nil, fmt.Errorf("slsutil.renderer: %s: %w", name, err)
			}
			data = v
		case "text", "raw":
		default:
			return nil, fmt.Errorf("slsutil.renderer: %s: renderer %q is not available (jinja, yaml, json, text)", name, r)
		}
	}
	return data, nil
}

// slsutilTree lists the files and the directories of saltenv's tree
// (Salt's default for these functions is "base", not the render's).
func slsutilTree(e *env, fn, saltenv string) (files, dirs map[string]bool, err error) {
	tl, ok := e.rs.loader.(TreeLister)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w", fn, ErrNoTreeList)
	}
	list, err := tl.ListTree(saltenv)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", fn, err)
	}
	files, dirs = map[string]bool{}, map[string]bool{}
	for _, f := range list {
		files[f] = true
		for d := path.Dir(f); d != "." && d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	return files, dirs, nil
}

// slsutilExists is slsutil.file_exists, dir_exists and path_exists(path,
// saltenv="base"): whether the state tree has it, as cp.list_master and
// cp.list_master_dirs list it.
func slsutilExists(e *env, fn string, args []any, kw map[string]any, file, dir bool) (any, error) {
	p, err := strParam(args, kw, 0, "path")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	env, _ := param(args, kw, 1, "saltenv", "base").(string)
	files, dirs, err := slsutilTree(e, fn, env)
	if err != nil {
		return nil, err
	}
	return file && files[p] || dir && dirs[p], nil
}

// slsutilFindup is slsutil.findup(startpath, filenames, saltenv="base"):
// the first of filenames found in startpath or the nearest directory
// above it, as a path from the root of the tree.
func slsutilFindup(e *env, args []any, kw map[string]any) (any, error) {
	const fn = "slsutil.findup"
	start, _ := param(args, kw, 0, "startpath", "").(string)
	env, _ := param(args, kw, 2, "saltenv", "base").(string)
	var names []string
	switch v := normalize(param(args, kw, 1, "filenames", nil)).(type) {
	case string:
		names = []string{v}
	case []any:
		for _, n := range v {
			s, ok := n.(string)
			if !ok {
				return nil, fmt.Errorf("%s: Filenames argument must be a string or list of strings", fn)
			}
			names = append(names, s)
		}
	default:
		return nil, fmt.Errorf("%s: Filenames argument must be a string or list of strings", fn)
	}
	files, dirs, err := slsutilTree(e, fn, env)
	if err != nil {
		return nil, err
	}
	exists := func(p string) bool { return files[p] || dirs[p] }
	if start != "" {
		start = path.Clean(start)
		if !exists(start) {
			return nil, fmt.Errorf("%s: Starting path not found in the state tree: %s", fn, start)
		}
	}
	for {
		for _, n := range names {
			full := n
			if start != "" {
				full = path.Join(start, n)
			}
			if exists(full) {
				return full, nil
			}
		}
		if start == "" {
			return nil, fmt.Errorf("%s: File pattern(s) not found in path ancestry", fn)
		}
		if start = path.Dir(start); start == "." || start == "/" {
			start = ""
		}
	}
}
