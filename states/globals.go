package states

import "strings"

// globalParams are the arguments every state takes, which the compiler
// (pkg/sls) and the engine (pkg/engine) read, so that no module declares
// them: requisites, unless and onlyif, order, failhard… Salt's
// STATE_RUNTIME_KEYWORDS and requisite keywords. The engine takes them out
// of the arguments before a module sees them (IsGlobalArg); the registry
// knows them, so that they are never reported as unknown and a misspelt
// one ("requre") fails with "did you mean require?". They are documented
// once, at the top of docs/states.md.
var globalParams = []Param{
	{Name: "name", Type: String, Doc: "what the state manages; the state ID when not given. Each function says what it is."},
	{Name: "names", Type: List, Doc: "run the state once for each name in the list; an item may be a one-key mapping of a name to arguments of its own."},
	{Name: "order", Type: Any, Doc: "where the state runs: a number, first or last (by default, in the order of the file)."},
	{Name: "require", Type: List, Doc: "run after these states (- file: /etc/x, - sls: web), and only if they succeeded."},
	{Name: "require_any", Type: List, Doc: "as require, when at least one of these states succeeded."},
	{Name: "require_in", Type: List, Doc: "require turned around: these states require this one."},
	{Name: "watch", Type: List, Doc: "as require, and call the module's watch action (restart a service, run a command) when one of them changed."},
	{Name: "watch_any", Type: List, Doc: "as watch, when at least one of these states succeeded."},
	{Name: "watch_in", Type: List, Doc: "watch turned around: these states watch this one."},
	{Name: "onchanges", Type: List, Doc: "run only when one of these states changed something."},
	{Name: "onchanges_any", Type: List, Doc: "as onchanges; the same, as in Salt."},
	{Name: "onchanges_in", Type: List, Doc: "onchanges turned around."},
	{Name: "onfail", Type: List, Doc: "run only when one of these states failed."},
	{Name: "onfail_any", Type: List, Doc: "as onfail; the same, as in Salt."},
	{Name: "onfail_all", Type: List, Doc: "run only when all these states failed."},
	{Name: "onfail_in", Type: List, Doc: "onfail turned around."},
	{Name: "onfail_stop", Type: Bool, Doc: "False: a failure this state handles (one its onfail names as - module: ID) does not fail the run (exit code) when this state then succeeds, as in Salt; the failed state still shows False."},
	{Name: "prereq", Type: List, Doc: "run before these states, and only if a dry run of them says they would change."},
	{Name: "prereq_in", Type: List, Doc: "prereq turned around."},
	{Name: "use", Type: List, Doc: "take the arguments of these states (requisites and name excepted) where this one does not give them."},
	{Name: "use_in", Type: List, Doc: "use turned around."},
	{Name: "listen", Type: List, Doc: "call the module's watch action at the end of the run when one of these states changed."},
	{Name: "listen_in", Type: List, Doc: "listen turned around."},
	{Name: "unless", Type: Any, Doc: "a shell command, or a list of them (run with the state's cwd, runas, env, prepend_path, umask, timeout and success_retcodes), or of Salt's {fun: an execution function, args: [...], get_return: a:b, other keys its keyword arguments}: the state is skipped (True) when all are true. A mapping without fun, or naming a function brine lacks, fails the state (Salt logs the first and runs the state)."},
	{Name: "onlyif", Type: Any, Doc: "as unless: the state runs only when all are true."},
	{Name: "creates", Type: StringList, Doc: "a path, or a list of paths: the state is skipped (True) when all exist; under --root they are read inside the root."},
	{Name: "check_cmd", Type: StringList, Doc: "shell commands run after the state (not under test): the state succeeds only when all succeed. As in Salt, file.managed instead runs each with the path of a temporary file holding the new content appended, before it writes (a failure leaves the file alone: check_cmd execution failed), and the other file states ignore it."},
	{Name: "failhard", Type: Bool, Doc: "stop the run when this state fails."},
	{Name: "retry", Type: Any, Doc: "True, or a mapping of attempts (2), interval (30 s), splay (0) and until (True): run the state again until its result is until. A value of the wrong type or an unknown key fails the state (Salt logs it and uses the default)."},
	{Name: "test", Type: Bool, Doc: "True makes this one state a dry run; False does not make a dry run real. Salt: 3006 has no per-state test (its State.call passes test to the function, which ignores it, and applies the state); brine keeps the dry run the author asked for."},
	{Name: "aggregate", Type: Any, Doc: "True, or a list of state modules: before it runs, fold into this state the others of its module that can go with it (pkg: the packages of every pkg.installed, latest, removed or purged with the same function not run yet go into one call), as Salt's mod_aggregate; it overrides the minion option state_aggregate."},
	{Name: "parallel", Type: Bool, Doc: "states run in order all the same (logged); the result of a state whose function ran carries Salt's __parallel__: True."},
	{Name: "reload_modules", Type: Bool, Doc: "accepted and ignored."},
	{Name: "reload_grains", Type: Bool, Doc: "accepted and ignored."},
	{Name: "reload_pillar", Type: Bool, Doc: "accepted and ignored."},
	{Name: "fire_event", Type: Any, Doc: "True, or a text: when the state has run on a minion, the master publishes it as salt/state_result/<jid>/<minion>/<its name, or the text> instead of its prog event, as Salt (docs/events.md); nothing under brine call --local, as salt-call --local."},
	{Name: "cmd_opts_exclude", Type: Any, Doc: "accepted and ignored."},
	{Name: "runas_password", Type: String, Doc: "accepted and ignored (Windows only in Salt)."},
	{Name: "prerequired", Type: List, Doc: "accepted and ignored: Salt's compiler sets it from prereq_in."},
	{Name: "state", Type: String, Doc: "the module, as Salt's low data carries it; set by the compiler."},
	{Name: "fun", Type: String, Doc: "the function, as Salt's low data carries it; set by the compiler."},
}

var globalSet = func() map[string]bool {
	m := make(map[string]bool, len(globalParams))
	for _, p := range globalParams {
		m[p.Name] = true
	}
	return m
}()

// IsGlobalArg reports whether an argument is one every state takes, which
// the engine reads and takes out before the state runs. Names that start
// with "__" (Salt's __env__, __sls__…) are the compiler's and count too.
func IsGlobalArg(name string) bool {
	return globalSet[name] || strings.HasPrefix(name, "__")
}

// GlobalParams returns the arguments every state takes, for the docs.
func GlobalParams() []Param { return append([]Param(nil), globalParams...) }
