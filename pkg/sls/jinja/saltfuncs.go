package jinja

import (
	"context"
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pypath"
	"io/fs"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

// SaltContext is what the salt function dictionary reads: the minion's
// grains, pillar and options, its id, and a way to run commands.
type SaltContext struct {
	Grains, Opts map[string]any
	// Pillar is the host's pillar. Templates loop over its dicts in
	// their order, which is the pillar files' order when the pillar
	// compiler made it.
	Pillar *odict.Map
	// LocalPillar says Pillar was compiled in this process from the
	// pillar files, as salt-call --local does, rather than received from
	// a master: Salt's dicts below its top are then the YAML loader's
	// OrderedDicts, which the yaml filter writes in their order (a
	// minion's pillar arrives through msgpack as plain dicts, written
	// sorted).
	LocalPillar bool
	ID          string
	// RunCmd runs a command line for the cmd.* functions; nil refuses
	// them. With shell the line is the shell's; without, its words are
	// split as Python's shlex.split does and run with no shell, as
	// Salt's cmd functions run when a template calls them (python_shell
	// defaults to False there: no job id). With merge, stderr goes into
	// Stdout as the command writes it, as Salt's cmd.run runs
	// _run(stderr=subprocess.STDOUT). A non-zero exit is a Retcode, not
	// an error: err means the command could not run at all, or the job
	// was cancelled.
	RunCmd func(cmd string, merge, shell bool) (CmdResult, error)
	// Exec, when set, runs one of the host's read-only execution
	// functions (ExecFuncs lists them) for the salt['…'] names the
	// renderer has no function of its own for: formulas ask
	// service.available or pkg.list_pkgs while rendering. It is not
	// offered while confined (Files set). Its error fails the render, as
	// Salt's CommandExecutionError does.
	Exec func(fun string, args []any, kw map[string]any) (any, error)
	// ExecNames are the names of all the host's execution functions.
	// Salt's loader holds every module of the platform, so a formula
	// asks `'pkg.refresh_db' in salt` or sys.list_functions before it
	// picks a branch: those see these names. One templates may not call
	// (it changes the host) fails when called.
	ExecNames []string
	// Root is where the file.* and user.* functions look, for a run on
	// an image (--root); "" is the live host.
	Root string
	// MineGet answers salt['mine.get'](tgt, fun, tgt_type='glob'): the
	// minion's mine through its master, or brine call --local's
	// answer. nil: an empty mine ({}), as the master's pillar renders.
	// excludeMinion is Salt 3006's exclude_minion (this minion's own
	// entry left out, when asked through a master).
	MineGet func(tgt string, fun any, tgtType string, excludeMinion bool) (any, error)
	// Files, when set, is all the file.* functions may read (a path is
	// taken relative to it), and the functions that read the host's
	// accounts, packages or environment are not offered: the master
	// renders pillar this way, confined to its pillar roots, since what
	// a template reads there may be chosen by a minion's grains.
	Files fs.FS
}

// ErrConfined is returned by a function not offered while rendering
// confined to SaltContext.Files.
var ErrConfined = errors.New("not available while the master renders pillar (only files under the pillar roots can be read)")

// saltCtx is a SaltContext as the functions see it: grains, opts and
// pillar made the renderer's own dicts. Pillar is a copy, which the
// templates of one run share (and may change) but the host's pillar
// never sees.
type saltCtx struct {
	SaltContext
	grains, opts, pillar *odict.Map
}

func newSaltCtx(c SaltContext) *saltCtx {
	sc := &saltCtx{SaltContext: c}
	sc.grains, _ = dictOf(orEmpty(c.Grains))
	sc.opts, _ = dictOf(orEmpty(c.Opts))
	sc.pillar = pillarCopy(c.Pillar, c.LocalPillar, 0).(*odict.Map)
	return sc
}

// pillarCopy copies the host's pillar into template values. Its dicts
// are plain dicts, as pillar reaches a Salt minion through msgpack,
// which the yaml filter writes sorted; with local (salt-call --local,
// which compiles pillar in process) the dicts below the top are the YAML
// loader's OrderedDicts, written in their order (Salt's pillar is then a
// plain dict at the top: Pillar.render_pillar merges every file into {}).
func pillarCopy(v any, local bool, depth int) any {
	if depth > 200 {
		return nil
	}
	switch x := v.(type) {
	case *odict.Map:
		out := newDict(x.Len())
		out.SetOrderedDict(local && depth > 0)
		for k, e := range x.All() {
			out.Set(k, pillarCopy(e, local, depth+1))
			out.CopyKind(k, x)
		}
		return out
	case map[string]any:
		d, _ := dictOf(x)
		return pillarCopy(d, local, depth)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pillarCopy(e, local, depth+1)
		}
		return out
	case nil:
		if depth == 0 {
			return newDict(0)
		}
	}
	return v
}

// ExecFuncs lists the host's execution functions templates may call
// through SaltContext.Exec: those that only read.
func ExecFuncs() []string {
	return []string{"service.status", "service.available", "service.enabled", "service.get_all", "service.get_running",
		"service.missing", "service.disabled", "service.masked", "service.get_enabled", "service.get_disabled", "service.get_static", "service.show",
		"pkg.list_pkgs", "pkg.latest_version", "pkg.version_cmp", "user.list_users", "file.find", "file.stats", "file.get_hash", "random.shadow_hash",
		// the host's facts formulas size things by (Salt offers every
		// execution function; these only read)
		"disk.usage", "mount.active", "mount.fstab", "status.uptime", "status.loadavg", "status.meminfo", "sysctl.get", "sysctl.show",
		// what a formula checks before it acts: a package's version
		// (elasticsearch-style plugin installs), a link's target, a
		// user's groups
		"pkg.info_installed", "pkg.owner", "pkg.file_list", "file.readlink", "file.check_hash", "user.list_groups", "user.getent",
		// gid and uid maps (ssh-, scm-style trees build {gid: group}
		// from group.getent), a file's owner ids, a MAC address, the
		// login shells, which of some tools is installed, an echo
		"group.getent", "file.get_uid", "file.get_gid", "network.hwaddr", "cmd.shells", "cmd.which_bin", "test.echo",
		// a name's addresses, for configs that name a peer by address
		"dnsutil.A", "dnsutil.AAAA", "dig.A", "dig.AAAA", "dig.MX", "dig.NS", "dig.CNAME", "dig.TXT", "dig.SPF", "dig.check_ip",
		// a device's UUID or PARTUUID, for fstab and boot entries
		"disk.blkid",
		// a release list, a key or a token a formula fetches (Salt's
		// templates may call any function; this one only reads, unless
		// the tree asks for another method)
		"http.query",
		// a secret an sdb:// URI names, or one made and kept there
		// (salt/modules/sdb.py)
		"sdb.get", "sdb.get_or_set_hash",
		// what a formula reads before it acts: lines of a config, the
		// host's time zone
		"file.grep", "timezone.get_zone", "timezone.get_zonecode", "timezone.get_offset", "timezone.zone_compare",
		// the host's locale, disks and processors, and brine's version
		"locale.get_locale", "disk.percent", "status.cpuinfo", "test.version",
		// whether a process runs (openvpn-style formulas pick units by it)
		"ps.pgrep",
		// which repositories apt has (a formula disables or adds by them)
		"pkg.list_repos",
		// a user's primary group, for a file's group
		"user.primary_group",
		// how the host reaches a peer (its source address for a config)
		"network.get_route",
		// the hosts file's entries (a formula removes a name's old
		// address before it adds the new one), environment variables,
		// and pkg.version by its module's own name
		"hosts.get_ip", "hosts.get_alias", "hosts.has_pair", "hosts.list_hosts", "environ.item", "pkg_resource.version",
		// a user's crontab (CIS-style formulas look for a job in it)
		"cron.list_tab", "cron.raw_cron",
		// the one that writes: a formula sends its own value to the mine
		// before it reads its peers' (zookeeper-, consul-, mesos-style
		// formulas call salt['mine.send'] in their map.jinja)
		"mine.send"}
}

// SaltFuncs returns the salt['module.function'] dictionary templates call,
// for Go code to call: arguments and results are plain Go values (dicts
// are map[string]any), as for any Go function; only templates see the
// renderer's ordered dicts.
func SaltFuncs(c SaltContext) map[string]Func {
	m := saltFuncs(newSaltCtx(c))
	for name, f := range m {
		m[name] = func(args []any, kw map[string]any) (any, error) {
			a := make([]any, len(args))
			for i, v := range args {
				a[i] = fromGo(v, 0)
			}
			k := make(map[string]any, len(kw))
			for n, v := range kw {
				k[n] = fromGo(v, 0)
			}
			r, err := f(a, k)
			return odict.Plain(r), err
		}
	}
	return m
}

func saltFuncs(c *saltCtx) map[string]Func {
	getter := func(data func() *odict.Map, defDefault any) Func {
		return func(args []any, kw map[string]any) (any, error) {
			key, err := strParam(args, kw, 0, "key")
			if err != nil {
				return nil, err
			}
			def := param(args, kw, 1, "default", defDefault)
			delim, _ := param(args, kw, -1, "delimiter", ":").(string)
			v, ok := nestedGet(data(), key, delim)
			if !ok {
				return def, nil
			}
			if t, _ := truth(param(args, kw, 2, "merge", false)); t {
				return mergeDefault(def, v, param(args, kw, 3, "merge_nested_lists", optValue(c.opts, "pillar_merge_lists"))), nil
			}
			return v, nil
		}
	}
	grains := func() *odict.Map { return c.grains }
	pillar := func() *odict.Map { return c.pillar }
	m := map[string]Func{
		"pillar.get":   getter(pillar, ""),
		"pillar.fetch": getter(pillar, ""),
		"pillar.items": func([]any, map[string]any) (any, error) { return c.pillar, nil },
		"pillar.raw": func(args []any, kw map[string]any) (any, error) {
			// Salt's raw(key=None): the whole pillar, or one top-level key
			// ({} when missing), not a nested path.
			key, _ := param(args, kw, 0, "key", nil).(string)
			if key == "" {
				return c.pillar, nil
			}
			if v, ok := c.pillar.Get(key); ok {
				return v, nil
			}
			return newDict(0), nil
		},
		"pillar.ls":    func([]any, map[string]any) (any, error) { return stringList(c.pillar.Keys()), nil },
		"grains.get":   getter(grains, ""),
		"grains.items": func([]any, map[string]any) (any, error) { return c.grains, nil },
		"grains.item": func(args []any, kw map[string]any) (any, error) {
			// Salt's: default ("") for a grain that is not set.
			def, ok := kw["default"]
			if !ok {
				def = ""
			}
			out := newDict(len(args))
			for _, a := range args {
				k := keyString(a)
				v, ok := nestedGet(c.grains, k, ":")
				if !ok {
					v = def
				}
				out.Set(k, v)
			}
			return out, nil
		},
		"grains.has_value": func(args []any, kw map[string]any) (any, error) {
			key, err := strParam(args, kw, 0, "key")
			if err != nil {
				return nil, err
			}
			v, ok := nestedGet(c.grains, key, ":")
			if !ok {
				return false, nil
			}
			t, _ := truth(v)
			return t, nil
		},
		"grains.filter_by": func(args []any, kw map[string]any) (any, error) {
			return filterBy(c.grains, args, kw)
		},
		// Salt's grains.equals(key, value): str(value) == str(grains.get(key)).
		"grains.equals": func(args []any, kw map[string]any) (any, error) {
			key, err := strParam(args, kw, 0, "key")
			if err != nil {
				return nil, err
			}
			got, err := getter(grains, "")([]any{key}, map[string]any{})
			if err != nil {
				return nil, err
			}
			a, err := toStr(param(args, kw, 1, "value", nil))
			if err != nil {
				return nil, err
			}
			b, err := toStr(got)
			if err != nil {
				return nil, err
			}
			return a == b, nil
		},
		"pillar.filter_by": func(args []any, kw map[string]any) (any, error) {
			return filterByIn("pillar.filter_by", c.pillar, "pillar", nil, args, kw)
		},
		// Salt's cmd.run (salt/modules/cmdmod.py) returns stdout and
		// stderr together and only logs a non-zero exit, so a template
		// that probes with a failing command still renders.
		"cmd.run": func(args []any, kw map[string]any) (any, error) {
			r, err := runCmd(c, args, kw, true)
			if err != nil {
				return nil, err
			}
			return r.Stdout, nil
		},
		"cmd.run_stdout": func(args []any, kw map[string]any) (any, error) {
			r, err := runCmd(c, args, kw, false)
			if err != nil {
				return nil, err
			}
			return r.Stdout, nil
		},
		"cmd.run_stderr": func(args []any, kw map[string]any) (any, error) {
			r, err := runCmd(c, args, kw, false)
			if err != nil {
				return nil, err
			}
			return r.Stderr, nil
		},
		"cmd.run_all": func(args []any, kw map[string]any) (any, error) {
			r, err := runCmd(c, args, kw, false)
			if err != nil {
				return nil, err
			}
			out := newDict(4)
			out.Set("pid", r.Pid)
			out.Set("retcode", r.Retcode)
			out.Set("stdout", r.Stdout)
			out.Set("stderr", r.Stderr)
			return out, nil
		},
		"cmd.retcode": func(args []any, kw map[string]any) (any, error) {
			r, err := runCmd(c, args, kw, true)
			if err != nil {
				return nil, err
			}
			return r.Retcode, nil
		},
		// slsutil.update is salt.utils.dictupdate.update: upd merged into
		// dest itself, which it returns; a shallow dict.update without
		// recursive_update.
		"slsutil.update": func(args []any, kw map[string]any) (any, error) {
			dest, dok := normalize(param(args, kw, 0, "dest", nil)).(*odict.Map)
			upd, uok := normalize(param(args, kw, 1, "upd", nil)).(*odict.Map)
			if !dok || !uok {
				return nil, fmt.Errorf("slsutil.update: Cannot update using non-dict types in dictupdate.update()")
			}
			if rec, _ := truth(param(args, kw, 2, "recursive_update", true)); !rec {
				for k, v := range upd.All() {
					dest.Set(k, v)
					dest.CopyKind(k, upd)
				}
				return dest, nil
			}
			mergeLists, _ := truth(param(args, kw, 3, "merge_lists", false))
			return dictUpdate(dest, upd, mergeLists), nil
		},
		// slsutil.boolstr(value, true="true", false="false"): Python's
		// truth of value picks one of the two.
		"slsutil.boolstr": func(args []any, kw map[string]any) (any, error) {
			t, err := truth(param(args, kw, 0, "value", nil))
			if err != nil {
				return nil, err
			}
			if t {
				return param(args, kw, 1, "true", "true"), nil
			}
			return param(args, kw, 2, "false", "false"), nil
		},
		"slsutil.merge": func(args []any, kw map[string]any) (any, error) {
			a, aok := normalize(param(args, kw, 0, "obj_a", nil)).(*odict.Map)
			b, bok := normalize(param(args, kw, 1, "obj_b", nil)).(*odict.Map)
			if !aok || !bok {
				return nil, fmt.Errorf("slsutil.merge: both arguments must be dicts")
			}
			strategy, _ := param(args, kw, 2, "strategy", "smart").(string)
			renderer, _ := param(args, kw, 3, "renderer", "yaml").(string)
			mergeLists, _ := truth(param(args, kw, 4, "merge_lists", false))
			// Salt's dictupdate.merge: smart is aggregate under the yamlex
			// renderer, else recurse; none and an unknown strategy recurse.
			if strategy == "smart" {
				strategy = "recurse"
				if r := renderer[strings.LastIndex(renderer, "|")+1:]; r == "yamlex" || strings.HasPrefix(renderer, "yamlex_") {
					strategy = "aggregate"
				}
			}
			switch strategy {
			case "aggregate", "overwrite":
				// merge_overwrite, and merge_aggregate with nothing marked
				// !aggregate (brine has no yamlex): b's value for each key.
				out := deepCopy(a).(*odict.Map)
				for k, v := range b.All() {
					out.Set(k, deepCopy(v))
					out.CopyKind(k, b)
				}
				return out, nil
			case "list":
				// merge_list: a's keys, each one b also has as [a's, b's].
				out := odict.New(a.Len())
				for k, v := range a.All() {
					if bv, ok := b.Get(k); ok {
						v = []any{v, bv}
					}
					out.Set(k, deepCopy(v))
					out.CopyKind(k, a)
				}
				return out, nil
			}
			return dictUpdate(deepCopy(a).(*odict.Map), b, mergeLists), nil
		},
		"defaults.merge": func(args []any, kw map[string]any) (any, error) {
			dest, dok := normalize(param(args, kw, 0, "dest", nil)).(*odict.Map)
			src, sok := normalize(param(args, kw, 1, "src", nil)).(*odict.Map)
			if !dok || !sok {
				return nil, fmt.Errorf("defaults.merge: both arguments must be dicts")
			}
			mergeLists, _ := truth(param(args, kw, 2, "merge_lists", false))
			if inPlace, _ := truth(param(args, kw, 3, "in_place", true)); !inPlace {
				dest = deepCopy(dest).(*odict.Map)
			}
			return dictUpdate(dest, src, mergeLists), nil
		},
		"defaults.update": defaultsUpdate,
		"slsutil.banner":  slsutilBanner,
		"defaults.deepcopy": func(args []any, kw map[string]any) (any, error) {
			return deepCopy(param(args, kw, 0, "source", nil)), nil
		},
		"slsutil.serialize": func(args []any, kw map[string]any) (any, error) {
			ser, err := strParam(args, kw, 0, "serializer")
			if err != nil {
				return nil, err
			}
			obj := param(args, kw, 1, "obj", nil)
			switch ser {
			case "yaml":
				// salt.serializers.yaml: PyYAML's default_flow_style,
				// None (flow for leaf collections) unless given.
				mode := yamlLeafFlow
				if fs, ok := kw["default_flow_style"]; ok && fs != nil {
					mode = yamlBlock
					if t, _ := truth(fs); t {
						mode = yamlFlow
					}
				}
				return yamlDump(sortedCopy(obj, 0), mode)
			case "json":
				indent, _, _, _ := toNum(kw["indent"])
				// salt.serializers.json: json.dumps, keys in order.
				return jsonDump(obj, indent, false, false, false)
			}
			return nil, fmt.Errorf("slsutil.serialize: unknown serializer %q", ser)
		},
		"file.dirname": func(args []any, kw map[string]any) (any, error) {
			p, err := strParam(args, kw, 0, "path")
			if err != nil {
				return nil, err
			}
			return pypath.Dirname(p), nil
		},
		"file.normpath": func(args []any, kw map[string]any) (any, error) {
			p, err := strParam(args, kw, 0, "path")
			if err != nil {
				return nil, err
			}
			return pypath.Normpath(p), nil
		},
		"file.basename": func(args []any, kw map[string]any) (any, error) {
			p, err := strParam(args, kw, 0, "path")
			if err != nil {
				return nil, err
			}
			return pypath.Basename(p), nil
		},
		// Salt's file.join is os.path.join: nothing is cleaned.
		"file.join": func(args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, errors.New("file.join: No arguments to join")
			}
			parts := make([]string, len(args))
			for i, a := range args {
				s, err := toStr(a)
				if err != nil {
					return nil, err
				}
				parts[i] = s
			}
			return pypath.Join(parts[0], parts[1:]...), nil
		},
		"test.true":  func([]any, map[string]any) (any, error) { return true, nil },
		"test.false": func([]any, map[string]any) (any, error) { return false, nil },
		"test.ping":  func([]any, map[string]any) (any, error) { return true, nil },
	}
	hostFuncs(c, m)
	providerFuncs(c, m)
	moreFuncs(c, m)
	matchFuncs(c, m)
	randomFuncs(c, m)
	configFuncs(c, m)
	versionFuncs(m)
	netCalcFuncs(c, m)
	// slsutil.merge_all merges a list of dicts into {} in turn, as
	// slsutil.merge does each.
	m["slsutil.merge_all"] = func(args []any, kw map[string]any) (any, error) {
		lst, ok := normalize(param(args, kw, 0, "lst", nil)).([]any)
		if !ok {
			return nil, errors.New("slsutil.merge_all: lst must be a list of dicts")
		}
		var ret any = newDict(0)
		for _, obj := range lst {
			kwm := map[string]any{}
			for _, k := range []string{"strategy", "renderer", "merge_lists"} {
				if v, ok := kw[k]; ok {
					kwm[k] = v
				}
			}
			var err error
			if ret, err = m["slsutil.merge"]([]any{ret, obj}, kwm); err != nil {
				return nil, fmt.Errorf("slsutil.merge_all: %w", err)
			}
		}
		return ret, nil
	}
	if c.Exec != nil && c.Files == nil {
		for _, name := range ExecFuncs() {
			if _, own := m[name]; !own {
				m[name] = func(args []any, kw map[string]any) (any, error) { return c.Exec(name, plainArgs(args), plainKw(kw)) }
			}
		}
	}
	if c.Files == nil {
		for _, name := range c.ExecNames {
			if _, own := m[name]; !own {
				m[name] = func([]any, map[string]any) (any, error) {
					return nil, fmt.Errorf("function '%s' is not available in templates: brine runs only read-only execution functions while rendering", name)
				}
			}
		}
	}
	sysFuncs(m)
	for _, level := range []string{"debug", "info", "warning", "error", "critical"} {
		lvl := map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warning": slog.LevelWarn,
			"error": slog.LevelError, "critical": slog.LevelError}[level]
		m["log."+level] = func(args []any, _ map[string]any) (any, error) {
			msg, _ := toStr(argOr(args, 0, ""))
			slog.Log(context.Background(), lvl, msg, "source", "template", "minion", c.ID)
			return "", nil
		}
	}
	return m
}

// CmdResult is what a command a template ran did: the fields of Salt's
// cmd.run_all.
type CmdResult struct {
	Pid            int
	Retcode        int
	Stdout, Stderr string
}

var errNoRunCmd = errors.New("cmd.run is not available while rendering here")

// runCmd runs the cmd argument. Salt's cmd functions default to
// rstrip=True, which strips all trailing whitespace (str.rstrip()).
func runCmd(c *saltCtx, args []any, kw map[string]any, merge bool) (CmdResult, error) {
	if c.RunCmd == nil {
		return CmdResult{}, errNoRunCmd
	}
	cmd, err := strParam(args, kw, 0, "cmd")
	if err != nil {
		return CmdResult{}, err
	}
	shell, _ := truth(param(args, kw, -1, "python_shell", false))
	r, err := c.RunCmd(cmd, merge, shell)
	if err != nil {
		return CmdResult{}, fmt.Errorf("cmd %q: %w", cmd, err)
	}
	if t, _ := truth(param(args, kw, -1, "rstrip", true)); t {
		r.Stdout = strings.TrimRightFunc(r.Stdout, unicode.IsSpace)
		r.Stderr = strings.TrimRightFunc(r.Stderr, unicode.IsSpace)
	}
	return r, nil
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// param reads positional argument i (i < 0: keyword only) or keyword name.
func param(args []any, kw map[string]any, i int, name string, def any) any {
	if v, ok := kw[name]; ok {
		return v
	}
	if i >= 0 && i < len(args) {
		return args[i]
	}
	return def
}

func strParam(args []any, kw map[string]any, i int, name string) (string, error) {
	v := param(args, kw, i, name, nil)
	if v == nil {
		return "", fmt.Errorf("missing argument '%s'", name)
	}
	return toStr(v)
}

// mergeDefault is pillar.get's merge=True (salt/modules/pillar.py): a
// dict default updated with the value found, nested lists concatenated
// when mergeLists is true (merge_nested_lists, else the pillar_merge_lists
// option); a list default extended with the value's items it lacks.
// Anything else is the value found, as Salt's merge is then skipped.
func mergeDefault(def, v, mergeLists any) any {
	switch d := normalize(def).(type) {
	case *odict.Map:
		if vm, isMap := v.(*odict.Map); isMap {
			nested, _ := truth(mergeLists)
			return dictUpdate(deepCopy(d).(*odict.Map), vm, nested)
		}
	case []any:
		if vl, isList := normalize(v).([]any); isList {
			out := deepCopy(d).([]any)
			for _, x := range vl {
				if !slices.ContainsFunc(d, func(y any) bool { return equal(x, y) }) {
					out = append(out, x)
				}
			}
			return out
		}
	}
	return v
}

// optValue is an option of the minion's config, nil when unset.
func optValue(opts *odict.Map, name string) any {
	if opts == nil {
		return nil
	}
	v, _ := opts.Get(name)
	return v
}

func dictUpdate(dest, upd *odict.Map, mergeLists bool) *odict.Map {
	return dictUpdateDepth(dest, upd, mergeLists, 0)
}

func dictUpdateDepth(dest, upd *odict.Map, mergeLists bool, depth int) *odict.Map {
	if depth > 100 {
		return dest
	}
	for k, v := range upd.All() {
		dv, exists := dest.Get(k)
		dm, dIsMap := normalize(dv).(*odict.Map)
		um, uIsMap := normalize(v).(*odict.Map)
		switch {
		case exists && dIsMap && uIsMap:
			dest.Set(k, dictUpdateDepth(dm, um, mergeLists, depth+1))
		case exists && mergeLists:
			dl, dIsList := normalize(dv).([]any)
			ul, uIsList := normalize(v).([]any)
			if dIsList && uIsList {
				merged := append([]any{}, dl...)
				for _, e := range ul {
					if ok, _ := contains(merged, e); !ok {
						merged = append(merged, e)
					}
				}
				dest.Set(k, merged)
			} else {
				dest.Set(k, deepCopy(v))
			}
		default:
			dest.Set(k, deepCopy(v))
			dest.CopyKind(k, upd) // `80:` stays a number
		}
	}
	return dest
}

// filterBy is salt.utils.data.filter_by over the grains.
// pillar.filter_by is the same over the pillar (salt/modules/pillar.py),
// its key named by the required argument pillar.
func filterBy(grains *odict.Map, args []any, kw map[string]any) (any, error) {
	return filterByIn("grains.filter_by", grains, "grain", "os_family", args, kw)
}

func filterByIn(fn string, data *odict.Map, keyArg string, keyDef any, args []any, kw map[string]any) (any, error) {
	lookup, ok := normalize(param(args, kw, 0, "lookup_dict", nil)).(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("%s: lookup_dict must be a dict", fn)
	}
	grain, ok := param(args, kw, 1, keyArg, keyDef).(string)
	if !ok {
		return nil, fmt.Errorf("%s: argument '%s' must be a key such as 'a:b'", fn, keyArg)
	}
	grains := data
	merge := param(args, kw, 2, "merge", nil)
	// Salt looks default and base up with lookup_dict.get(default) and
	// `base in lookup_dict`, so either may be any value a key can be: an
	// int read from a grain (pythonversion[0]) finds the int key that a
	// dict literal stored, as keyString, under its str() form.
	def, hasDef := lookupKey(param(args, kw, 3, "default", "default"))
	base, _ := lookupKey(param(args, kw, 4, "base", nil))
	// Salt: `if base and base in lookup_dict`; a false base (0, "") is none.
	if t, _ := truth(param(args, kw, 4, "base", nil)); !t {
		base = ""
	}

	var ret any
	val, found := nestedGet(grains, grain, ":")
	vals := []any{val}
	if l, isList := normalize(val).([]any); isList {
		vals = l
	} else if !found {
		vals = nil
	}
	// The first key in dict order that matches wins, as in Salt.
	keys := lookup.Keys()
	for _, each := range vals {
		s, err := toStr(each)
		if err != nil {
			continue
		}
		for _, k := range keys {
			// Salt: fnmatch.fnmatchcase(str(value), str(key)).
			if fnmatch.Match(k, s) {
				ret = dictGet(lookup, k)
				break
			}
		}
		if ret != nil {
			break
		}
	}
	if ret == nil && hasDef {
		ret = dictGet(lookup, def)
	}
	if base != "" {
		if bv, ok := lookup.Get(base); ok {
			if ret == nil {
				ret = bv
			} else if bm, isMap := normalize(bv).(*odict.Map); isMap {
				rm, rIsMap := normalize(ret).(*odict.Map)
				if !rIsMap {
					return nil, fmt.Errorf("filter_by default and look-up values must both be dictionaries")
				}
				ret = dictUpdate(deepCopy(bm).(*odict.Map), rm, false)
			}
		}
	}
	if t, _ := truth(merge); t {
		mm, isMap := normalize(merge).(*odict.Map)
		if !isMap {
			return nil, fmt.Errorf("filter_by merge argument must be a dictionary")
		}
		if ret == nil {
			ret = mm
		} else if rm, rIsMap := normalize(ret).(*odict.Map); rIsMap {
			ret = dictUpdate(rm, deepCopy(mm).(*odict.Map), false)
		}
	}
	return ret, nil
}

// lookupKey is the key under which a dict literal stores k, or false for
// None and Undefined, which no dict key equals.
func lookupKey(k any) (string, bool) {
	switch normalize(k).(type) {
	case nil, Undefined:
		return "", false
	}
	return keyString(k), true
}

// SaltVars builds the variables Salt gives every SLS template: grains,
// pillar, salt, opts, sls, slspath, tpldir, tplpath, tplfile, saltenv and
// friends. slsName is "a.b"; tplPath is the template's path relative to
// the state tree root ("a/b/init.sls").
func SaltVars(c SaltContext, slsName, tplPath, saltenv string) map[string]any {
	dir := path.Dir(tplPath)
	if dir == "." {
		dir = ""
	}
	tpldir := dir
	if tpldir == "" {
		tpldir = "."
	}
	tpldot := ""
	if dir != "" {
		tpldot = strings.ReplaceAll(dir, "/", ".")
	}
	opts := orEmpty(c.Opts)
	if _, ok := opts["__cli"]; !ok {
		// Formulas (template-formula's libsaltcli) ask which Salt command
		// runs them; brine renders as salt-call and salt-minion do, which
		// those formulas treat alike. A caller may set its own.
		opts = maps.Clone(opts)
		opts["__cli"] = "salt-call"
	}
	c.Opts = opts
	sc := newSaltCtx(c)
	return map[string]any{
		"grains":       sc.grains,
		"pillar":       sc.pillar,
		"opts":         sc.opts,
		"salt":         saltFuncs(sc),
		"sls":          slsName,
		"slspath":      dir,
		"slsdotpath":   strings.ReplaceAll(dir, "/", "."),
		"slscolonpath": strings.ReplaceAll(dir, "/", ":"),
		"sls_path":     strings.ReplaceAll(dir, "/", "_"),
		"tpldir":       tpldir,
		"tpldot":       tpldot,
		"tplpath":      tplPath,
		"tplfile":      tplPath,
		"saltenv":      saltenv,
		"env":          saltenv,
		"id":           c.ID,
		// the file filters read the host through it (filters_files.go)
		hostVar: sc,
	}
}

// sysFuncs adds Salt's sys.list_functions and sys.list_modules
// (salt/modules/sysmod.py) over the functions the templates' salt holds,
// sorted: with no argument, all of them; an argument with a * or a . is
// a glob over the function names, any other a module name (sys is not
// sysctl).
func sysFuncs(m map[string]Func) {
	selected := func(args []any, glob func(string) bool) (map[string]bool, error) {
		out := map[string]bool{}
		for name := range m {
			if len(args) == 0 {
				out[name] = true
			}
		}
		for _, a := range args {
			mod, err := toStr(a)
			if err != nil {
				return nil, err
			}
			for name := range m {
				mname, _, _ := strings.Cut(name, ".")
				if (glob(mod) && fnmatch.Match(mod, name)) || (!glob(mod) && mname == mod) {
					out[name] = true
				}
			}
		}
		return out, nil
	}
	m["sys.list_functions"] = func(args []any, _ map[string]any) (any, error) {
		names, err := selected(args, func(p string) bool { return strings.ContainsAny(p, "*.") })
		if err != nil {
			return nil, fmt.Errorf("sys.list_functions: %w", err)
		}
		return stringList(slices.Sorted(maps.Keys(names))), nil
	}
	m["sys.list_modules"] = func(args []any, _ map[string]any) (any, error) {
		names, err := selected(args, func(p string) bool { return strings.Contains(p, "*") })
		if err != nil {
			return nil, fmt.Errorf("sys.list_modules: %w", err)
		}
		mods := map[string]bool{}
		for name := range names {
			mname, _, _ := strings.Cut(name, ".")
			mods[mname] = true
		}
		return stringList(slices.Sorted(maps.Keys(mods))), nil
	}
}
