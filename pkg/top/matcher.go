package top

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// Minion is what a target expression is matched against.
type Minion struct {
	ID     string
	Grains map[string]any
	Pillar map[string]any
	// Data is the minion's local data store, read only by the "data"
	// matcher.
	Data map[string]any
}

// The kinds of target expression, as Salt names them in `tgt_type` and in
// top.sls `- match:` items.
const (
	KindGlob        = "glob"         // fnmatch on the minion id: web*, db[12]
	KindPCRE        = "pcre"         // regular expression on the id, anchored at the start only
	KindList        = "list"         // comma-separated ids: a,b,c
	KindGrain       = "grain"        // key:glob on grains, nested keys with ':'
	KindGrainPCRE   = "grain_pcre"   // key:regex on grains
	KindPillar      = "pillar"       // key:glob on pillar
	KindPillarPCRE  = "pillar_pcre"  // key:regex on pillar
	KindPillarExact = "pillar_exact" // key:value on pillar, whole-value equality
	KindCompound    = "compound"     // G@ E@ P@ L@ I@ J@ S@ N@ words and bare globs with and/or/not/( )
	KindNodegroup   = "nodegroup"    // the name of a nodegroup
	KindIPCIDR      = "ipcidr"       // an address or network, against grains ipv4/ipv6
	KindData        = "data"         // key:glob on the minion's data store
)

// Kinds lists every kind Compile accepts ("" too, which is glob).
func Kinds() []string {
	return []string{KindGlob, KindPCRE, KindList, KindGrain, KindGrainPCRE,
		KindPillar, KindPillarPCRE, KindPillarExact, KindCompound,
		KindNodegroup, KindIPCIDR, KindData}
}

// Matcher is a compiled target expression. It is safe for concurrent use.
type Matcher struct {
	expr, kind string
	root       node
}

// Compile compiles a target expression of the given kind ("" means glob,
// as on Salt's command line). Every error is found here, never during
// Match: a malformed compound expression, a bad regular expression, an
// unknown or cyclic nodegroup, a grain target without a ':'. Errors from
// expressions are *ExprError.
//
// nodegroups maps a group name to its definition, a compound expression
// or a space-separated list of ids (see NodegroupsFromConfig).
func Compile(expr, kind string, nodegroups map[string]string) (*Matcher, error) {
	root, err := compile(expr, kind, nodegroups, false)
	if err != nil {
		return nil, err
	}
	if kind == "" {
		kind = KindGlob
	}
	return &Matcher{expr: expr, kind: kind, root: root}, nil
}

func compile(expr, kind string, nodegroups map[string]string, lenient bool) (node, error) {
	whole := func(err error) error {
		if err == nil {
			return nil
		}
		return &ExprError{Expr: expr, Pos: -1, Msg: err.Error()}
	}
	var n node
	var err error
	switch kind {
	case "", KindGlob:
		n, err = leafGlob(expr)
	case KindPCRE:
		n, err = leafPCRE(expr)
	case KindList:
		n, err = leafList(expr)
	case KindGrain:
		n, err = leafSubdict(grainsOf, expr, ":", modeGlob)
	case KindGrainPCRE:
		n, err = leafSubdict(grainsOf, expr, ":", modeRegex)
	case KindPillar:
		n, err = leafSubdict(pillarOf, expr, ":", modeGlob)
	case KindPillarPCRE:
		n, err = leafSubdict(pillarOf, expr, ":", modeRegex)
	case KindPillarExact:
		n, err = leafSubdict(pillarOf, expr, ":", modeExact)
	case KindIPCIDR:
		n, err = leafIPCIDR(expr)
	case KindData:
		n, err = leafData(expr)
	case KindCompound:
		return compileCompound(expr, nodegroups, lenient)
	case KindNodegroup:
		name := strings.TrimSpace(expr)
		if name == "" {
			return nil, &ExprError{Expr: expr, Pos: -1, Msg: "empty nodegroup name"}
		}
		at := token{text: "N@" + name, src: expr, pos: strings.Index(expr, name)}
		return compileTokens(expr, []token{at}, nodegroups, lenient)
	default:
		return nil, fmt.Errorf("unknown target kind %q (known: %s)", kind, strings.Join(Kinds(), ", "))
	}
	return n, whole(err)
}

// Match reports whether the minion matches.
func (m *Matcher) Match(mn Minion) bool { return evalNode(m.root, &mn) }

// Expr returns the expression as given.
func (m *Matcher) Expr() string { return m.expr }

// Kind returns the kind, "glob" for "".
func (m *Matcher) Kind() string { return m.kind }

// Match compiles expr and matches one minion. Callers matching many
// minions should Compile once.
func Match(expr, kind string, m Minion, nodegroups map[string]string) (bool, error) {
	c, err := Compile(expr, kind, nodegroups)
	if err != nil {
		return false, err
	}
	return c.Match(m), nil
}

// Targets returns the sorted, de-duplicated ids of the minions that match:
// the master uses it to know which minions a job expects. For grain,
// pillar and compound targets the minions need their cached grains and
// pillar.
func Targets(expr, kind string, minions []Minion, nodegroups map[string]string) ([]string, error) {
	c, err := Compile(expr, kind, nodegroups)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]bool)
	ids := []string{}
	for _, mn := range minions {
		if seen[mn.ID] || !c.Match(mn) {
			continue
		}
		seen[mn.ID] = true
		ids = append(ids, mn.ID)
	}
	sort.Strings(ids)
	return ids, nil
}

// NodegroupsFromConfig turns the `nodegroups:` section of a master or
// minion config into the form Compile takes: a string stays as it is, a
// list of words is joined with spaces (Salt reads a list as the words of
// the expression, so a list of plain ids becomes L@a,b).
func NodegroupsFromConfig(raw map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(raw))
	for name, v := range raw {
		switch x := v.(type) {
		case string:
			out[name] = x
		default:
			list, ok := asList(v)
			if !ok {
				return nil, fmt.Errorf("nodegroup %s: want a string or a list, got %T", name, v)
			}
			words := make([]string, len(list))
			for i, w := range list {
				words[i] = pyfmt.Str(w)
			}
			out[name] = strings.Join(words, " ")
		}
	}
	return out, nil
}

func grainsOf(m *Minion) map[string]any { return m.Grains }
func pillarOf(m *Minion) map[string]any { return m.Pillar }

// leafGlob matches the id with fnmatch, case-sensitively, as Salt does on
// POSIX.
func leafGlob(pat string) (node, error) {
	if pat == "" {
		return nil, fmt.Errorf("empty glob")
	}
	p := fnmatch.Compile(pat)
	return leafFunc(func(m *Minion) bool { return p.Match(m.ID) }), nil
}

// leafPCRE matches the id with Python's re.match semantics: anchored at
// the start, not at the end, so E@web matches web01. The syntax is Go's
// RE2: no look-around and no back-references.
func leafPCRE(pat string) (node, error) {
	re, err := pyre.CompileMatch(pat, 0)
	if err != nil {
		return nil, fmt.Errorf("regular expression %q: %w", pat, err)
	}
	return leafFunc(func(m *Minion) bool { return re.MatchString(m.ID) }), nil
}

func leafList(expr string) (node, error) {
	ids := make(map[string]bool)
	for _, id := range strings.Split(expr, ",") {
		if id != "" {
			ids[id] = true
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return leafFunc(func(m *Minion) bool { return ids[m.ID] }), nil
}

func leafSubdict(of func(*Minion) map[string]any, expr, delim string, mode matchMode) (node, error) {
	s, err := newSubdict(expr, delim, mode)
	if err != nil {
		return nil, err
	}
	return leafFunc(func(m *Minion) bool { return s.match(of(m)) }), nil
}

// leafIPCIDR matches an address exactly, or a network by containment,
// against the grains ipv4 or ipv6 list.
func leafIPCIDR(expr string) (node, error) {
	if addr, err := netip.ParseAddr(expr); err == nil {
		addr = addr.Unmap()
		return leafFunc(func(m *Minion) bool {
			for _, a := range minionAddrs(m, addr.Is4()) {
				if a == addr {
					return true
				}
			}
			return false
		}), nil
	}
	prefix, err := netip.ParsePrefix(expr)
	if err != nil {
		return nil, fmt.Errorf("%q is not an IP address or CIDR network", expr)
	}
	if prefix.Masked() != prefix {
		return nil, fmt.Errorf("network %q has host bits set (did you mean %s?)", expr, prefix.Masked())
	}
	return leafFunc(func(m *Minion) bool {
		for _, a := range minionAddrs(m, prefix.Addr().Is4()) {
			if prefix.Contains(a) {
				return true
			}
		}
		return false
	}), nil
}

func minionAddrs(m *Minion, v4 bool) []netip.Addr {
	key := "ipv6"
	if v4 {
		key = "ipv4"
	}
	list, _ := asList(m.Grains[key])
	out := make([]netip.Addr, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			continue
		}
		if i := strings.IndexByte(s, '%'); i >= 0 {
			s = s[:i] // a zone does not take part in matching
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// leafData is Salt's data matcher: `key:glob` on the minion's data store.
// Only the second ':'-separated part is the pattern, as in Salt.
func leafData(expr string) (node, error) {
	comps := strings.Split(expr, ":")
	if len(comps) < 2 {
		return nil, fmt.Errorf("%q has no ':': a data target is key:glob", expr)
	}
	key := comps[0]
	exact := fnmatch.Compile(comps[1])
	lower := fnmatch.Compile(strings.ToLower(comps[1]))
	return leafFunc(func(m *Minion) bool {
		val, ok := m.Data[key]
		if !ok || val == nil {
			return false
		}
		if list, ok := asList(val); ok {
			for _, member := range list {
				for _, text := range pyStrs(member) {
					if lower.Match(strings.ToLower(text)) {
						return true
					}
				}
			}
			return false
		}
		if d, ok := asMap(val); ok {
			_, found := d[comps[1]]
			return found
		}
		for _, text := range pyStrs(val) {
			if exact.Match(text) {
				return true
			}
		}
		return false
	}), nil
}
