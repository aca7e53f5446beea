package top

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Top is a parsed top.sls: environments in file order, each with its
// targets in file order.
type Top struct {
	File         string
	Environments []Environment
	// Include is the top file's `include:` list: SLS names or globs of
	// the same environment whose files are more top files, as Salt's
	// get_tops reads them (Includes does).
	Include []string
	// IncludeLine is the line of the `include:` key.
	IncludeLine int
	// Warnings are things Salt would ignore silently: unknown dict items
	// in a target's list, non-string items, a repeated `- match:`.
	Warnings []Warning
}

// Environment is one `base:` (or other saltenv) section.
type Environment struct {
	Name    string
	Line    int
	Targets []Target
}

// Target is one `'expr': [items…]` entry.
type Target struct {
	Expr string
	// Match is the matcher kind: the `- match:` item's value, or
	// "compound" when there is none (Salt's default in top files; a bare
	// glob is a valid compound expression).
	Match string
	Line  int
	// Items are the SLS names to apply when the target matches, in order.
	// An item's Env is the target's environment, or another one for Salt's
	// `- otherenv: sls` form.
	Items []Item
	// IgnoreMissing is Salt's `- ignore_missing: True` item of a pillar
	// top: an SLS of this target that does not exist is skipped. Salt
	// looks only at whether the key is there, and so does brine.
	IgnoreMissing bool
	// Order is a pillar top's `- order: N` item: Salt's Pillar.merge_tops
	// sorts an environment's targets by it (0 when absent or not a
	// number). State tops have no such item; see PillarOrder.
	Order int
	// matchGiven says a `- match:` item set Match (Merge's merge_all).
	matchGiven bool
}

// Item is one SLS name in a target's list.
type Item struct {
	Env  string
	SLS  string
	Line int
}

// Warning is a non-fatal remark about the top file, with its place.
type Warning struct {
	File string
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("%s:%d: %s", w.File, w.Line, w.Msg) }

// Error is a top file error with its place.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Envs returns the environment names in file order.
func (t *Top) Envs() []string {
	out := make([]string, len(t.Environments))
	for i, e := range t.Environments {
		out[i] = e.Name
	}
	return out
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads a rendered top file (Jinja already applied). The filename is
// used in errors and warnings only. Every target expression is checked
// here, except nodegroup names, which are known only to SLSFor.
func Parse(filename string, data []byte) (*Top, error) {
	t := &Top{File: filename}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		msg := err.Error()
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &Error{File: filename, Line: line, Err: errors.New(m[2])}
		}
		return nil, &Error{File: filename, Err: errors.New(strings.TrimPrefix(msg, "yaml: "))}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return t, nil // an empty top file targets nothing
	}
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return t, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, t.errorf(root, "a top file is a mapping of environments (base: …), found %s", kindName(root))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := deref(root.Content[i]), deref(root.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return nil, t.errorf(k, "an environment name must be a non-empty string")
		}
		if first, dup := seen[k.Value]; dup {
			return nil, t.errorf(k, "environment %q appears twice (first at line %d)", k.Value, first)
		}
		seen[k.Value] = k.Line
		if k.Value == "include" {
			// Not an environment: Salt's get_tops takes the key out of
			// the top file and reads the files it names as top files.
			inc, err := t.parseInclude(v)
			if err != nil {
				return nil, err
			}
			t.Include, t.IncludeLine = inc, k.Line
			continue
		}
		t.Environments = append(t.Environments, Environment{Name: k.Value, Line: k.Line})
		if err := t.parseEnv(&t.Environments[len(t.Environments)-1], v); err != nil {
			return nil, err
		}
	}
	// An item of another environment ({dev: sls}) stays, whether or not
	// this file has a section for it: Salt's top_matches keeps it for any
	// environment the file server has (one it lacks fails at its SLS).
	return t, nil
}

// parseInclude reads a top file's `include:`: a list of SLS names or
// globs, or one name.
func (t *Top) parseInclude(v *yaml.Node) ([]string, error) {
	switch {
	case v.Kind == yaml.ScalarNode && v.Tag == "!!null":
		return nil, nil
	case v.Kind == yaml.ScalarNode:
		return []string{v.Value}, nil
	case v.Kind != yaml.SequenceNode:
		return nil, t.errorf(v, "include: want a list of SLS names, found %s", kindName(v))
	}
	var out []string
	for _, it := range v.Content {
		it = deref(it)
		if it.Kind != yaml.ScalarNode || it.Value == "" {
			return nil, t.errorf(it, "include: an item must be an SLS name or glob, found %s", kindName(it))
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func (t *Top) parseEnv(env *Environment, body *yaml.Node) error {
	if body.Kind == yaml.ScalarNode && body.Tag == "!!null" {
		return nil
	}
	if body.Kind != yaml.MappingNode {
		return t.errorf(body, "environment %s: want a mapping of targets to SLS lists, found %s", env.Name, kindName(body))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(body.Content); i += 2 {
		k, v := deref(body.Content[i]), deref(body.Content[i+1])
		if k.Kind != yaml.ScalarNode || k.Value == "" {
			return t.errorf(k, "environment %s: a target must be a non-empty string", env.Name)
		}
		if first, dup := seen[k.Value]; dup {
			return t.errorf(k, "environment %s: target %q appears twice (first at line %d)", env.Name, k.Value, first)
		}
		seen[k.Value] = k.Line
		tg, err := t.parseTarget(env.Name, k, v)
		if err != nil {
			return err
		}
		env.Targets = append(env.Targets, tg)
	}
	return nil
}

func (t *Top) parseTarget(env string, k, v *yaml.Node) (Target, error) {
	tg := Target{Expr: k.Value, Match: KindCompound, Line: k.Line}
	var items []*yaml.Node
	if v.Kind != yaml.SequenceNode {
		// Salt's verify_tops, which fails the highstate and show_top.
		return tg, t.errorf(v, "target %q: Malformed topfile (state declarations not formed as a list): want a list of SLS names, found %s", k.Value, kindName(v))
	}
	items = v.Content
	matchLine := 0
	for _, raw := range items {
		it := deref(raw)
		switch it.Kind {
		case yaml.ScalarNode:
			if it.Tag != "!!str" {
				t.warn(it.Line, fmt.Sprintf("target %q: item %q is not a string; ignored, as Salt does", k.Value, it.Value))
				continue
			}
			if it.Value == "" {
				return tg, t.errorf(it, "target %q: Environment %s contains an empty sls index", k.Value, env)
			}
			tg.Items = append(tg.Items, Item{Env: env, SLS: it.Value, Line: it.Line})
		case yaml.MappingNode:
			for j := 0; j+1 < len(it.Content); j += 2 {
				dk, dv := deref(it.Content[j]), deref(it.Content[j+1])
				if dk.Kind != yaml.ScalarNode {
					t.warn(dk.Line, fmt.Sprintf("target %q: dict item with a non-string key ignored", k.Value))
					continue
				}
				if dk.Value == "match" {
					if dv.Kind != yaml.ScalarNode || !knownKind(dv.Value) || dv.Value == "" {
						return tg, t.errorf(dv, "target %q: unknown matcher %q (known: %s)", k.Value, dv.Value, strings.Join(Kinds(), ", "))
					}
					if matchLine != 0 {
						t.warn(dk.Line, fmt.Sprintf("target %q: a second `match:` (the first is at line %d); the last one wins, as in Salt", k.Value, matchLine))
					}
					tg.Match, matchLine, tg.matchGiven = dv.Value, dk.Line, true
					continue
				}
				if dk.Value == "ignore_missing" {
					tg.IgnoreMissing = true
					continue
				}
				if dk.Value == "order" {
					// Salt: int(order), or 0 when that fails.
					if n, err := strconv.Atoi(strings.TrimSpace(dv.Value)); err == nil && dv.Kind == yaml.ScalarNode {
						tg.Order = n
					} else if dv.Kind == yaml.ScalarNode && dv.Tag == "!!bool" && dv.Value == "true" {
						tg.Order = 1
					}
					continue
				}
				added, ok := envItems(dk.Value, dv)
				if !ok {
					t.warn(dk.Line, fmt.Sprintf("target %q: item {%s: …} is neither `match:` nor `ENV: sls`; ignored", k.Value, dk.Value))
					continue
				}
				tg.Items = append(tg.Items, added...)
			}
		default:
			t.warn(it.Line, fmt.Sprintf("target %q: item of kind %s ignored", k.Value, kindName(it)))
		}
	}
	if tg.Match != KindNodegroup {
		if _, err := compile(tg.Expr, tg.Match, nil, true); err != nil {
			return tg, &Error{File: t.File, Line: k.Line, Err: err}
		}
	}
	return tg, nil
}

// envItems reads Salt's `- ENV: sls` (or `- ENV: [sls, …]`) item, which
// adds SLS of another environment; whether ENV exists is checked once all
// environments are known.
func envItems(env string, v *yaml.Node) ([]Item, bool) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag != "!!str" || v.Value == "" {
			return nil, false
		}
		return []Item{{Env: env, SLS: v.Value, Line: v.Line}}, true
	case yaml.SequenceNode:
		var out []Item
		for _, c := range v.Content {
			c = deref(c)
			if c.Kind != yaml.ScalarNode || c.Tag != "!!str" || c.Value == "" {
				return nil, false
			}
			out = append(out, Item{Env: env, SLS: c.Value, Line: c.Line})
		}
		return out, len(out) > 0
	}
	return nil, false
}

// PillarOrder is the top as Salt's pillar reads it: each environment's
// targets stably sorted by their `- order:` items, so that a target with
// a higher order is merged later whatever its place in the file.
func (t *Top) PillarOrder() *Top {
	out := *t
	out.Environments = make([]Environment, len(t.Environments))
	for i, env := range t.Environments {
		env.Targets = slices.Clone(env.Targets)
		slices.SortStableFunc(env.Targets, func(a, b Target) int { return cmp.Compare(a.Order, b.Order) })
		out.Environments[i] = env
	}
	return &out
}

// SLSFor returns, per environment, the SLS names whose targets match the
// minion, in top-file order with repeats dropped. An environment in which
// some target matched is present even when that target listed nothing,
// as in Salt. Errors (an unknown nodegroup, say) name the target's line.
func (t *Top) SLSFor(m Minion, nodegroups map[string]string) (map[string][]string, error) {
	return t.slsFor(m, nodegroups, false)
}

// SLSForMinion is SLSFor as a minion matches its own state top.sls: a
// nodegroup it does not know matches nothing, as Salt's nodegroup
// matcher answers False for one, rather than failing the highstate.
func (t *Top) SLSForMinion(m Minion, nodegroups map[string]string) (map[string][]string, error) {
	return t.slsFor(m, nodegroups, true)
}

// Matches is Salt's top_matches for a minion: per environment, the SLS
// of each matching target in top-file order, repeats kept (state.show_top
// shows them so); an environment with a matching target is there even
// when nothing is listed. A nodegroup the minion does not know matches
// nothing, as in SLSForMinion.
func (t *Top) Matches(m Minion, nodegroups map[string]string) (map[string][]string, error) {
	return t.collect(m, nodegroups, true, false)
}

func (t *Top) slsFor(m Minion, nodegroups map[string]string, lenient bool) (map[string][]string, error) {
	return t.collect(m, nodegroups, lenient, true)
}

func (t *Top) collect(m Minion, nodegroups map[string]string, lenient, dedupe bool) (map[string][]string, error) {
	out := map[string][]string{}
	seen := map[string]map[string]bool{}
	for _, env := range t.Environments {
		for _, tg := range env.Targets {
			n, err := compile(tg.Expr, tg.Match, nodegroups, lenient)
			if err != nil {
				return nil, &Error{File: t.File, Line: tg.Line, Err: err}
			}
			if !evalNode(n, &m) {
				continue
			}
			if _, ok := out[env.Name]; !ok {
				out[env.Name] = []string{}
			}
			for _, it := range tg.Items {
				if seen[it.Env] == nil {
					seen[it.Env] = map[string]bool{}
				}
				if _, ok := out[it.Env]; !ok {
					out[it.Env] = []string{}
				}
				if dedupe && seen[it.Env][it.SLS] {
					continue
				}
				seen[it.Env][it.SLS] = true
				out[it.Env] = append(out[it.Env], it.SLS)
			}
		}
	}
	return out, nil
}

// IgnoredMissing returns the SLS ("env:name") of the targets matching
// the minion that carry ignore_missing, as Salt's Pillar.merge_tops
// records them in ignored_pillars.
func (t *Top) IgnoredMissing(m Minion, nodegroups map[string]string) map[string]bool {
	out := map[string]bool{}
	for _, env := range t.Environments {
		for _, tg := range env.Targets {
			if !tg.IgnoreMissing {
				continue
			}
			if n, err := compile(tg.Expr, tg.Match, nodegroups, false); err != nil || !evalNode(n, &m) {
				continue
			}
			for _, it := range tg.Items {
				out[it.Env+":"+it.SLS] = true
			}
		}
	}
	return out
}

func knownKind(k string) bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

func (t *Top) warn(line int, msg string) {
	t.Warnings = append(t.Warnings, Warning{File: t.File, Line: line, Msg: msg})
}

func (t *Top) errorf(n *yaml.Node, format string, args ...any) *Error {
	return &Error{File: t.File, Line: n.Line, Err: fmt.Errorf(format, args...)}
}

// deref follows YAML aliases (*anchor) to the node they name.
func deref(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode && n.Alias != nil && i < 100; i++ {
		n = n.Alias
	}
	return n
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("the %s %q", strings.TrimPrefix(n.Tag, "!!"), n.Value)
	}
	return "an alias"
}
