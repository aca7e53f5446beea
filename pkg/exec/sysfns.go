package exec

import (
	"context"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/states"
)

// The sys.* functions, as Salt 3006's salt/modules/sysmod.py: each takes
// module names ("sys" matches sys.*, not sysctl.*) or globs (a name with
// * is matched with fnmatch against the function names).

func init() {
	mods := func(doc string) states.Param {
		return states.Param{Name: "args", Type: states.String, Many: true, Doc: doc}
	}
	ignored := states.Param{Name: "(any keyword argument)", Rest: true, Doc: "accepted and ignored, as Salt's."}
	register("sys.list_functions", sysListFunctions, "List the functions a caller may run: all, or those of the modules named (sys.list_functions test pkg) or matching a glob (sys.list_functions 'file.get_*').",
		mods("modules, or globs of function names."), ignored)
	register("sys.list_modules", sysListModules, "List the execution modules: all, or those named, or matching a glob (sys.list_modules 's*').",
		mods("modules, or globs of module names."))
	register("sys.list_state_functions", sysListStateFunctions, "List the state functions an SLS may use: all, or those of the state modules named (sys.list_state_functions file), or matching a glob.",
		mods("state modules, or globs of state function names."), ignored)
	register("sys.list_state_modules", sysListStateModules, "List the state modules: all, or those named, or matching a glob.",
		mods("state modules, or globs of their names."))
	register("sys.doc", sysDoc, "Show the documentation of functions (and of states, which Salt's sys.state_doc shows): sys.doc test, sys.doc cmd.run, sys.doc 'file.get_*'. A state named as a function (cmd.run) shows as NAME (state).",
		mods("modules (test: every test.* function), function names, or globs; all when none is given."))
	register("sys.state_doc", sysStateDoc, "Show the documentation of state functions: sys.state_doc file, sys.state_doc file.managed, sys.state_doc 'pkg.*'.",
		mods("state modules, state functions, or globs; all when none is given."))
	register("sys.argspec", sysArgspec, "Show the arguments functions take, as Salt's: {args, defaults, kwargs, varargs} a function: sys.argspec test, sys.argspec 'cmd.run*'.",
		states.Param{Name: "module", Type: states.String, Default: "", Doc: "a module, or a glob of function names."})
	register("sys.state_argspec", sysStateArgspec, "Show the arguments state functions take, as sys.argspec shows a function's.",
		states.Param{Name: "module", Type: states.String, Default: "", Doc: "a state module, or a glob of state function names."})
}

// selectNames is the names that args select, as Salt's sys functions
// select them: all with no args; a glob (with *, or, when dotGlob, with a
// dot) by fnmatch; else a module name, matching module.*. exact also
// takes a name equal to the argument (sys.doc test.echo).
func selectNames(names, args []string, dotGlob, exact bool) []string {
	if len(args) == 0 {
		return names
	}
	seen := map[string]bool{}
	out := []string{} // [] as Salt's, not null, when nothing matches
	for _, a := range args {
		glob := strings.Contains(a, "*") || (dotGlob && strings.Contains(a, "."))
		prefix := a
		if !strings.HasSuffix(prefix, ".") {
			prefix += "."
		}
		for _, n := range names {
			ok := false
			switch {
			case glob:
				ok = fnmatch.Match(a, n)
			default:
				ok = strings.HasPrefix(n, prefix) || (exact && n == a)
			}
			if ok && !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// modulesOf is the sorted module names of functions that args select:
// a glob matches function names, a name is a module's.
func modulesOf(names, args []string) []string {
	seen := map[string]bool{}
	out := []string{} // [] as Salt's, not null, when nothing matches
	add := func(n string) {
		mod, _, _ := strings.Cut(n, ".")
		if !seen[mod] {
			seen[mod] = true
			out = append(out, mod)
		}
	}
	for _, n := range names {
		mod, _, _ := strings.Cut(n, ".")
		if len(args) == 0 {
			add(n)
		}
		for _, a := range args {
			if (strings.Contains(a, "*") && fnmatch.Match(a, n)) || mod == a {
				add(n)
			}
		}
	}
	sort.Strings(out)
	return out
}

func sysListFunctions(_ context.Context, c *call) Return {
	return nested(selectNames(Functions(), c.strings("args"), true, false))
}

func sysListStateFunctions(_ context.Context, c *call) Return {
	return nested(selectNames(states.Names(), c.strings("args"), true, false))
}

func sysListModules(_ context.Context, c *call) Return {
	return nested(modulesOf(Functions(), c.strings("args")))
}

func sysListStateModules(_ context.Context, c *call) Return {
	return nested(modulesOf(states.Names(), c.strings("args")))
}

// sysDoc returns the doc of the execution functions the arguments select,
// as Salt's sys.doc ({} when none), and of the state functions they
// select, which Salt leaves to sys.state_doc.
func sysDoc(_ context.Context, c *call) Return {
	args := c.strings("args")
	out := map[string]any{}
	for _, n := range selectNames(Functions(), args, false, true) {
		out[n], _ = Doc(n)
	}
	for _, n := range selectNames(states.Names(), args, false, true) {
		if d, ok := states.Doc(n); ok {
			key := n
			if _, isFunc := functions[n]; isFunc {
				// cmd.run is both: the function keeps the name.
				key = n + " (state)"
			}
			out[key] = d
		}
	}
	return nested(out)
}

func sysStateDoc(_ context.Context, c *call) Return {
	out := map[string]any{}
	for _, n := range selectNames(states.Names(), c.strings("args"), false, true) {
		if d, ok := states.Doc(n); ok {
			out[n] = d
		}
	}
	return nested(out)
}

// argspec is one function's entry in Salt's argspec_report: its
// arguments' names, the defaults of the trailing ones that have one (None
// when none has), and whether it takes *args (varargs) and **kwargs.
func argspec(params []states.Param) map[string]any {
	args := []any{}
	var defaults []any
	var varargs, kwargs any
	for _, p := range params {
		switch {
		case p.Rest:
			kwargs = true
		case p.Many:
			varargs = true
		default:
			args = append(args, p.Name)
			if !p.Required {
				defaults = append(defaults, p.Default)
			} else {
				// Python's defaults belong to the last arguments only.
				defaults = nil
			}
		}
	}
	// Salt's argspec_report: None, not [], when there are none.
	spec := map[string]any{"args": nil, "defaults": nil, "kwargs": kwargs, "varargs": varargs}
	if len(args) > 0 {
		spec["args"] = args
	}
	if len(defaults) > 0 {
		spec["defaults"] = defaults
	}
	return spec
}

func sysArgspec(_ context.Context, c *call) Return {
	out := map[string]any{}
	mod := c.str("module")
	if mod == "" {
		return nested(out) // as Salt's: no module, no report
	}
	for _, n := range selectNames(Functions(), []string{mod}, true, false) {
		out[n] = argspec(functions[n].params)
	}
	return nested(out)
}

func sysStateArgspec(_ context.Context, c *call) Return {
	out := map[string]any{}
	mod := c.str("module")
	if mod == "" {
		return nested(out)
	}
	for _, n := range selectNames(states.Names(), []string{mod}, true, false) {
		if p, ok := states.Params(n); ok {
			out[n] = argspec(p)
		}
	}
	return nested(out)
}
