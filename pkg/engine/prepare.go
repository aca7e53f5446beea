package engine

import (
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/states"
)

// Requisite bases after _any/_all are stripped. prerequired is the implicit
// edge from a prereq's target back to the state that holds the prereq: the
// target runs after it, and not at all if it failed.
const (
	baseRequire     = "require"
	baseWatch       = "watch"
	baseOnchanges   = "onchanges"
	baseOnfail      = "onfail"
	basePrereq      = "prereq"
	basePrerequired = "prerequired"
	baseListen      = "listen"
)

// reqGroup is every target of one requisite kind on one chunk; Salt
// evaluates the _any and _all forms per kind, over all their targets.
type reqGroup struct {
	kind    string // as written: require_any, onfail_all, …
	base    string // require, watch, onchanges, onfail, prereq, prerequired
	targets []int  // chunk indexes
}

// prepared is a chunk with its engine globals taken out, once per run.
type prepared struct {
	c       *sls.Chunk
	fn      states.Func
	fnErr   error
	watcher states.Func // the module's mod_watch, when a watch needs it
	// listenWatcher is the mod_watch a listen calls at the end of the run.
	listenWatcher    states.Func
	hasListenWatcher bool
	args             map[string]any

	onlyif, unless []any
	hasOnlyif      bool
	hasUnless      bool
	creates        []string
	createsList    bool
	hasCreates     bool
	checkCmd       []string
	failhard       *bool
	// onfailStop is false for a state with `onfail_stop: False`: the
	// failures its onfail names it handles (see handled).
	onfailStop bool
	test       bool // a per-state `test: true`
	retry      *retrySpec
	parallel   bool
	// aggregate is the state's own `aggregate` argument, when given
	// (hasAggregate); agg is Salt's __agg__: the state was aggregated,
	// into another one or others into it (see runner.aggregate).
	aggregate    any
	hasAggregate bool
	agg          bool
	// fireEvent is `fire_event` when it is exactly True or a string
	// (Salt's State.event: anything else sends nothing of its own).
	fireEvent any

	groups []reqGroup
	// lost are the requisites that name no state (see lostComment).
	lost []lostReq
	// setupErr is a problem found before the state could run: a bad global
	// argument, an unknown requisite kind or target. The state fails with it.
	setupErr string
}

func kindBase(kind string) (string, bool) {
	base := strings.TrimSuffix(strings.TrimSuffix(kind, "_any"), "_all")
	switch base {
	case baseRequire, baseWatch, baseOnchanges, baseOnfail, basePrereq, basePrerequired, baseListen:
	default:
		return "", false
	}
	if strings.HasSuffix(kind, "_all") && base != baseOnfail {
		return "", false
	}
	if (base == basePrereq || base == basePrerequired || base == baseListen) && kind != base {
		return "", false
	}
	return base, true
}

// prepare builds the per-chunk data: globals, the state function, the
// requisite groups with targets as indexes, and the implicit prerequired
// edges.
func prepare(chunks []sls.Chunk, lookup func(string) (states.Func, error)) []prepared {
	if lookup == nil {
		lookup = states.Lookup
	}
	byKey := make(map[string]int, len(chunks))
	for i := range chunks {
		k := chunks[i].Key()
		if _, dup := byKey[k]; !dup {
			byKey[k] = i
		}
	}
	ps := make([]prepared, len(chunks))
	for i := range chunks {
		p := &ps[i]
		p.c = &chunks[i]
		p.fn, p.fnErr = lookup(p.c.Func())
		p.readGlobals()
	}
	for i := range chunks {
		p := &ps[i]
		for _, rq := range p.c.Requisites {
			if rq.Kind == "listen_in" {
				// A listen_in whose target no state declares (the
				// compiler keeps it here): see listenErrors.
				p.lost = append(p.lost, lostReq{kind: rq.Kind, module: rq.Module, ref: rq.Ref})
				continue
			}
			base, ok := kindBase(rq.Kind)
			if !ok {
				p.fail("unknown requisite %q", rq.Kind)
				continue
			}
			kind := rq.Kind
			if base == baseListen {
				p.listenWatcher, p.hasListenWatcher = states.Watcher(p.c.State)
			}
			if base == baseWatch {
				// Salt turns a watch into a require when the module has no
				// mod_watch (State._reconcile_watch_req).
				if w, ok := states.Watcher(p.c.State); ok {
					p.watcher = w
				} else {
					base = baseRequire
					kind = strings.Replace(kind, "watch", "require", 1)
				}
			}
			g := p.group(kind, base)
			for _, key := range rq.Targets {
				t, ok := byKey[key]
				if !ok && strings.HasPrefix(key, "(not found: ") {
					// The compiler found no state to match: Salt's
					// call_chunk lists these under their kind (a watch
					// its module cannot act on is a require by then).
					p.lost = append(p.lost, lostReq{kind: kind, module: rq.Module, ref: rq.Ref, why: strings.TrimSuffix(strings.TrimPrefix(key, "(not found: "), ")")})
					continue
				}
				if !ok {
					p.fail("%s requisite %s: %s: target %s is not in this run", rq.Kind, rq.Module, rq.Ref, key)
					continue
				}
				g.add(t)
				if base == basePrereq {
					ps[t].group(basePrerequired, basePrerequired).add(i)
				}
			}
		}
	}
	return ps
}

func (p *prepared) group(kind, base string) *reqGroup {
	for j := range p.groups {
		if p.groups[j].kind == kind && p.groups[j].base == base {
			return &p.groups[j]
		}
	}
	p.groups = append(p.groups, reqGroup{kind: kind, base: base})
	return &p.groups[len(p.groups)-1]
}

func (g *reqGroup) add(t int) {
	for _, x := range g.targets {
		if x == t {
			return
		}
	}
	g.targets = append(g.targets, t)
}

func (p *prepared) fail(format string, args ...any) {
	if p.setupErr == "" {
		p.setupErr = fmt.Sprintf(format, args...)
	}
}

// readGlobals takes Salt's runtime keywords out of the arguments.
func (p *prepared) readGlobals() {
	src := p.c.Args
	p.args = make(map[string]any, len(src))
	for k, v := range src {
		// Salt's runtime and requisite keywords, listed once in package
		// states (whose registry must not report them as unknown): the
		// engine reads or ignores them, and the module never sees them.
		if states.IsGlobalArg(k) {
			continue
		}
		p.args[k] = v
	}
	// The engine reads its keywords as plain Go data (the compiler's
	// dicts are *odict.Map values; the module gets them in order).
	a := states.NewArgs(src)
	if v, ok := a.Get("onlyif"); ok {
		p.hasOnlyif, p.onlyif = true, asList(v)
	}
	if v, ok := a.Get("unless"); ok {
		p.hasUnless, p.unless = true, asList(v)
	}
	if v, ok := a.Get("creates"); ok && v != nil {
		p.hasCreates = true
		_, p.createsList = v.([]any)
		p.creates = a.StringList("creates")
	}
	if _, ok := src["check_cmd"]; ok {
		p.checkCmd = a.StringList("check_cmd")
	}
	p.failhard = a.OptBool("failhard")
	// Salt tests `onfail_stop is False`: only a false value (a YAML
	// False, no or off) counts.
	if v, ok := src["onfail_stop"].(bool); ok && !v {
		p.onfailStop = false
	} else {
		p.onfailStop = true
	}
	p.test = a.Bool("test", false)
	switch v := src["fire_event"].(type) {
	case bool:
		if v {
			p.fireEvent = true
		}
	case string:
		p.fireEvent = v
	}
	if v, ok := src["aggregate"]; ok {
		p.hasAggregate, p.aggregate = true, odict.Plain(v)
	}
	p.parallel = a.Bool("parallel", false)
	if v, ok := a.Get("retry"); ok {
		r, err := parseRetry(v)
		if err != nil {
			p.fail("argument \"retry\": %v", err)
		}
		p.retry = r
	}
	if err := a.Err(); err != nil {
		p.fail("%v", err)
	}
}

// fireEventTag is the end of Salt's fire_event tag for a result named
// name: the name for True, the string given, "" for no fire_event.
func (p *prepared) fireEventTag(name string) string {
	switch v := p.fireEvent.(type) {
	case bool:
		return name
	case string:
		return v
	}
	return ""
}

func asList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

// retrySpec is Salt's retry: attempts, interval and splay in seconds, and
// the result that ends the retries.
type retrySpec struct {
	Attempts int
	Interval int
	Splay    int
	Until    bool
}

// parseRetry reads `retry: True` or a mapping, with Salt's defaults
// (State.verify_retry_data): until True, attempts 2, splay 0, interval 30.
// Unlike Salt, which logs a bad value and uses the default, a bad value is
// an error, so that a typo does not silently change the behaviour.
func parseRetry(v any) (*retrySpec, error) {
	r := &retrySpec{Attempts: 2, Interval: 30, Until: true}
	switch t := v.(type) {
	case map[string]any:
		a := states.NewArgs(t)
		r.Attempts = a.Int("attempts", r.Attempts)
		r.Interval = a.Int("interval", r.Interval)
		r.Splay = a.Int("splay", r.Splay)
		r.Until = a.Bool("until", r.Until)
		if unk := a.Unknown("attempts", "interval", "splay", "until"); len(unk) > 0 {
			return nil, fmt.Errorf("unknown key %q (want attempts, interval, splay, until)", unk[0])
		}
		if err := a.Err(); err != nil {
			return nil, err
		}
		if r.Attempts < 0 || r.Interval < 0 || r.Splay < 0 {
			return nil, fmt.Errorf("attempts, interval and splay must not be negative")
		}
	default:
		b, err := states.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("want true or a mapping of attempts, interval, splay, until")
		}
		if !b {
			r.Attempts = 0
		}
	}
	return r, nil
}

// lostReq is a requisite that matched no state: its kind, the target as
// written and the compiler's explanation, for the log.
type lostReq struct{ kind, module, ref, why string }

func (l lostReq) target() string { return l.module + ": " + l.ref }

// lostKinds are the requisites Salt's call_chunk looks for, in the order
// its comment lists them.
var lostKinds = []string{"require", "require_any", "watch", "watch_any", "prereq", "onfail", "onfail_any", "onchanges", "onchanges_any", "prerequired"}

// lostComment is Salt's call_chunk comment for the requisites that
// match no state, each under its kind:
//
//	The following requisites were not found:
//	                   require:
//	                       test: nosuch
//
// A lost onfail_all, which call_chunk does not look for, leaves the state
// unmet until its recursion limit: "Recursive requisite found". A lost
// listen fails nothing here: Salt's call_listen reports it at the end
// (see listeners). ok is false when nothing that fails the state is lost.
func lostComment(lost []lostReq) (comment string, ok bool) {
	var b strings.Builder
	for _, k := range lostKinds {
		head := false
		for _, l := range lost {
			if l.kind != k {
				continue
			}
			if !head {
				if b.Len() == 0 {
					b.WriteString("The following requisites were not found:\n")
				}
				b.WriteString(strings.Repeat(" ", 19) + k + ":\n")
				head = true
			}
			b.WriteString(strings.Repeat(" ", 23) + l.target() + "\n")
		}
	}
	if b.Len() > 0 {
		return b.String(), true
	}
	for _, l := range lost {
		if l.kind == "onfail_all" {
			return cmtRecursive, true
		}
	}
	return "", false
}
