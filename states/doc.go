package states

import (
	"sort"
	"strings"
)

//go:generate go run ./internal/gendoc

// Doc returns the reference text of a state function such as
// "file.managed": its doc comment, with its Arguments list. It is what
// sys.doc prints; docs/states.md is made from the same comments.
func Doc(name string) (string, bool) {
	d, ok := docs[name]
	return d, ok
}

// Docs returns a copy of every state function's reference text, by name.
func Docs() map[string]string {
	out := make(map[string]string, len(docs))
	for k, v := range docs {
		out[k] = v
	}
	return out
}

// docArgNames returns the argument names listed in a state function's
// doc ("  - user, group, file_mode: ..." gives three).
func docArgNames(fun string) []string {
	d, ok := docs[fun]
	if !ok {
		return nil
	}
	_, after, ok := strings.Cut(d, "Arguments:\n")
	if !ok {
		return nil
	}
	var out []string
	for _, line := range strings.Split(after, "\n") {
		item, isItem := strings.CutPrefix(strings.TrimSpace(line), "- ")
		if !isItem {
			// Blank lines and indented continuations of a wrapped item
			// stay in the list; a paragraph at the margin ends it.
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
				continue
			}
			break
		}
		names, _, ok := strings.Cut(item, ":")
		if !ok {
			continue
		}
		for _, n := range strings.Split(names, ",") {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, n)
			}
		}
	}
	return out
}

// docEngineArgs are arguments the engine reads; a state may still see them.
var docEngineArgs = []string{"name", "names", "order", "failhard", "unless", "onlyif", "creates",
	"require", "require_in", "watch", "watch_in", "onchanges", "onchanges_in", "onfail", "onfail_in",
	"prereq", "prereq_in", "use", "use_in", "listen", "listen_in", "retry", "check_cmd", "reload_modules", "fire_event"}

// docUnknownArgs returns, sorted, the arguments a state call got that its
// doc does not list. The known names are worked out once per run and
// function. nil when the function has no documented list.
func docUnknownArgs(req *Request) []string {
	fill := func() (any, error) {
		names := docArgNames(req.Func)
		set := make(map[string]bool, len(names)+len(docEngineArgs))
		for _, n := range names {
			set[n] = true
		}
		if len(names) > 0 {
			for _, n := range docEngineArgs {
				set[n] = true
			}
		}
		return set, nil
	}
	var v any
	if req.Env != nil && req.Env.Cache != nil {
		v, _ = req.Env.Cache.Load("doc.args:"+req.Func, fill)
	} else {
		v, _ = fill()
	}
	known := v.(map[string]bool)
	if len(known) == 0 {
		return nil
	}
	var unknown []string
	for k := range req.Args.Map() {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	return unknown
}

// docWarnUnknown logs the arguments a state call got that its doc does
// not list: most often a typo that Salt, too, would silently ignore.
// file.managed with a template is the exception: there, as in Salt, extra
// arguments are template variables.
func docWarnUnknown(req *Request) {
	if req.Func == "file.managed" && req.Args.Has("template") {
		return
	}
	if unknown := docUnknownArgs(req); len(unknown) > 0 {
		req.Log().Warn("unknown arguments ignored", "id", req.ID, "function", req.Func, "arguments", unknown)
	}
}
