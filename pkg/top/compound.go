package top

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ExprError is a malformed target expression or nodegroup definition. It
// says what is wrong and where, as a 1-based column in the text that holds
// the fault.
type ExprError struct {
	Expr      string // the text holding the fault: the target, or a nodegroup's definition
	Nodegroup string // the nodegroup whose definition holds the fault, "" for the target itself
	Pos       int    // byte offset of the fault in Expr, -1 when it concerns the whole text
	Msg       string
}

func (e *ExprError) Error() string {
	where := fmt.Sprintf("target %q", e.Expr)
	if e.Nodegroup != "" {
		where = fmt.Sprintf("nodegroup %s (%q)", e.Nodegroup, e.Expr)
	}
	if e.Pos < 0 {
		return where + ": " + e.Msg
	}
	return fmt.Sprintf("%s: column %d: %s", where, e.Pos+1, e.Msg)
}

// token is one whitespace-separated word of a compound expression, with
// where it came from so that errors can point at it.
type token struct {
	text  string
	src   string // the text the word is in
	group string // nodegroup whose definition src is, "" for the target
	pos   int    // byte offset in src
}

func (t token) errorf(format string, args ...any) *ExprError {
	return &ExprError{Expr: t.src, Nodegroup: t.group, Pos: t.pos, Msg: fmt.Sprintf(format, args...)}
}

// tokenize splits on whitespace, as Salt's str.split() does. Parentheses
// are words of their own only when spaces set them apart, which is what
// Salt requires too.
func tokenize(src, group string) []token {
	var toks []token
	start := -1
	for i, r := range src {
		space := r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
		switch {
		case space && start >= 0:
			toks = append(toks, token{text: src[start:i], src: src, group: group, pos: start})
			start = -1
		case !space && start < 0:
			start = i
		}
	}
	if start >= 0 {
		toks = append(toks, token{text: src[start:], src: src, group: group, pos: start})
	}
	return toks
}

func isOperator(w string) bool {
	switch w {
	case "and", "or", "not", "(", ")":
		return true
	}
	return false
}

// groups compiles nodegroups referenced with N@. Each definition is
// parsed on its own and used as one operand, so a group stays together:
// Salt splices a group without nested groups in bare, so that `N@g and x`
// with g = `a or b` reads `a or b and x` there. Compiled groups are shared,
// so groups that name each other many times over cost nothing extra.
type groups struct {
	defs    map[string]string
	lenient bool // parse-time check: unknown nodegroups never match
	stack   []string
	memo    map[string]node
}

func (g *groups) compile(name string, at token) (node, error) {
	for i, s := range g.stack {
		if s == name {
			cycle := append(append([]string{}, g.stack[i:]...), name)
			return nil, at.errorf("nodegroup cycle: %s", strings.Join(cycle, " -> "))
		}
	}
	if n, ok := g.memo[name]; ok {
		return n, nil
	}
	def, ok := g.defs[name]
	if !ok {
		if g.lenient {
			return constNode(false), nil
		}
		return nil, at.errorf("unknown nodegroup %q", name)
	}
	words := tokenize(def, name)
	if len(words) == 0 {
		return nil, at.errorf("nodegroup %q is empty", name)
	}
	if joined, ok := plainGroup(words); ok {
		words = []token{{text: joined, src: def, group: name, pos: 0}}
	}
	g.stack = append(g.stack, name)
	p := &parser{toks: words, expr: def, group: name, groups: g}
	n, err := p.parse()
	g.stack = g.stack[:len(g.stack)-1]
	if err != nil {
		return nil, err
	}
	if g.memo == nil {
		g.memo = map[string]node{}
	}
	gn := &groupNode{x: n}
	g.memo[name] = gn
	return gn, nil
}

// plainGroup is Salt's _nodegroup_regex: a definition with no operator,
// no `*` and no `X@` word is a list of minion ids (L@a,b), or, when a word
// has a regex character, one regular expression (E@a,b; Salt joins the
// words with commas, and so does brine).
func plainGroup(words []token) (string, bool) {
	regexChars := false
	texts := make([]string, len(words))
	for i, w := range words {
		t := w.text
		if isOperator(t) || strings.Contains(t, "*") {
			return "", false
		}
		if len(t) >= 2 && t[0] >= 'A' && t[0] <= 'Z' && t[1] == '@' {
			return "", false
		}
		if strings.ContainsAny(t, `([{\?}])`) {
			regexChars = true
		}
		texts[i] = t
	}
	if regexChars {
		return "E@" + strings.Join(texts, ","), true
	}
	return "L@" + strings.Join(texts, ","), true
}

// node is a compiled expression.
type node interface {
	eval(c *evalCtx) bool
}

// evalCtx carries one minion through one evaluation, with the results of
// the nodegroups met so far: a group named many times is evaluated once.
type evalCtx struct {
	m      *Minion
	groups map[*groupNode]bool
}

type andNode struct{ l, r node }
type orNode struct{ l, r node }
type notNode struct{ x node }
type constNode bool
type leafFunc func(m *Minion) bool
type groupNode struct{ x node }

func (n andNode) eval(c *evalCtx) bool  { return n.l.eval(c) && n.r.eval(c) }
func (n orNode) eval(c *evalCtx) bool   { return n.l.eval(c) || n.r.eval(c) }
func (n notNode) eval(c *evalCtx) bool  { return !n.x.eval(c) }
func (n constNode) eval(*evalCtx) bool  { return bool(n) }
func (n leafFunc) eval(c *evalCtx) bool { return n(c.m) }

func (n *groupNode) eval(c *evalCtx) bool {
	if v, ok := c.groups[n]; ok {
		return v
	}
	v := n.x.eval(c)
	if c.groups == nil {
		c.groups = map[*groupNode]bool{}
	}
	c.groups[n] = v
	return v
}

// evalNode evaluates a compiled expression for one minion.
func evalNode(n node, m *Minion) bool { return n.eval(&evalCtx{m: m}) }

// parser reads the words the way Python reads the expression Salt builds
// from them: `not` binds tightest, then `and`, then `or`, each left to
// right, and parentheses group. Salt inserts an `and` before a `not` that
// follows a target or `)`, so `web* not G@os:Debian` means
// `web* and not G@os:Debian`; brine does the same.
type parser struct {
	toks   []token
	i      int
	expr   string // the text parsed, for errors at its end
	group  string // the nodegroup whose definition expr is, if any
	groups *groups
}

func (p *parser) peek() (token, bool) {
	if p.i >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.i], true
}

func (p *parser) is(text string) bool {
	t, ok := p.peek()
	return ok && t.text == text
}

func (p *parser) endError() *ExprError {
	return &ExprError{Expr: p.expr, Nodegroup: p.group, Pos: len(p.expr), Msg: "the expression ends where a target is expected"}
}

func (p *parser) parse() (node, error) {
	if len(p.toks) == 0 {
		return nil, &ExprError{Expr: p.expr, Nodegroup: p.group, Pos: -1, Msg: "empty expression"}
	}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		if t.text == ")" {
			return nil, t.errorf("unmatched ')'")
		}
		prev := p.toks[p.i-1]
		return nil, t.errorf("missing 'and' or 'or' between %q and %q", prev.text, t.text)
	}
	return n, nil
}

func (p *parser) parseOr() (node, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.is("or") {
		p.i++
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orNode{l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (node, error) {
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.is("and"):
			p.i++
		case p.is("not"):
			// the implicit `and`
		default:
			return l, nil
		}
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = andNode{l, r}
	}
}

func (p *parser) parseNot() (node, error) {
	if !p.is("not") {
		return p.parseAtom()
	}
	p.i++
	if p.is("not") {
		t, _ := p.peek()
		return nil, t.errorf("'not not' is not valid (Salt reads it as 'not and not')")
	}
	x, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	return notNode{x}, nil
}

func (p *parser) parseAtom() (node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, p.endError()
	}
	switch t.text {
	case "(":
		p.i++
		if p.is(")") {
			return nil, t.errorf("empty parentheses")
		}
		x, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		if !p.is(")") {
			if c, ok := p.peek(); ok {
				return nil, c.errorf("missing 'and' or 'or' between %q and %q", p.toks[p.i-1].text, c.text)
			}
			return nil, t.errorf("'(' is never closed")
		}
		p.i++
		return x, nil
	case ")":
		return nil, t.errorf("expected a target, found ')'")
	case "and", "or":
		return nil, t.errorf("expected a target, found %q", t.text)
	}
	p.i++
	if strings.HasPrefix(t.text, "N@") {
		name := t.text[2:]
		if name == "" {
			return nil, t.errorf("N@ needs a nodegroup name after it")
		}
		return p.groups.compile(name, t)
	}
	return compileWord(t)
}

// splitEngine splits a compound word into its engine letter, optional
// delimiter and pattern, as Salt's TARGET_REX does: `G@os:Debian`,
// `G%@os%Debian` (G, P, I and J take a one-character delimiter), or a bare
// glob with engine 0.
func splitEngine(w string) (engine byte, delim, pattern string) {
	if len(w) < 2 || w[0] < 'A' || w[0] > 'Z' {
		return 0, "", w
	}
	if strings.IndexByte("GPIJ", w[0]) >= 0 {
		r, size := utf8.DecodeRuneInString(w[1:])
		if r != utf8.RuneError && 1+size < len(w) && w[1+size] == '@' {
			return w[0], w[1 : 1+size], w[2+size:]
		}
	}
	if w[1] == '@' {
		return w[0], "", w[2:]
	}
	return 0, "", w
}

func compileWord(t token) (node, error) {
	engine, delim, pattern := splitEngine(t.text)
	if engine != 0 && pattern == "" {
		return nil, t.errorf("%c@ needs a pattern after it", engine)
	}
	var n node
	var err error
	switch engine {
	case 0:
		w := t.text
		if len(w) > 1 && (w[0] == '(' || w[len(w)-1] == ')') {
			return nil, t.errorf("parentheses must stand apart from targets: write '( a or b )', not '(a or b)'")
		}
		n, err = leafGlob(w)
	case 'G':
		n, err = leafSubdict(grainsOf, pattern, delim, modeGlob)
	case 'P':
		n, err = leafSubdict(grainsOf, pattern, delim, modeRegex)
	case 'I':
		n, err = leafSubdict(pillarOf, pattern, delim, modeGlob)
	case 'J':
		n, err = leafSubdict(pillarOf, pattern, delim, modeRegex)
	case 'L':
		n, err = leafList(pattern)
	case 'E':
		n, err = leafPCRE(pattern)
	case 'S':
		n, err = leafIPCIDR(pattern)
	case 'R':
		return nil, t.errorf("R@ (range cluster) targets are not supported by brine")
	default:
		return nil, t.errorf("unknown target engine %c@ (known: G@ P@ I@ J@ L@ E@ S@ N@)", engine)
	}
	if err != nil {
		return nil, t.errorf("%v", err)
	}
	return n, nil
}

// compileCompound compiles a compound expression. With lenient set,
// unknown nodegroups are not an error (top.sls is checked before the
// nodegroups are known).
func compileCompound(expr string, nodegroups map[string]string, lenient bool) (node, error) {
	return compileTokens(expr, tokenize(expr, ""), nodegroups, lenient)
}

func compileTokens(expr string, toks []token, nodegroups map[string]string, lenient bool) (node, error) {
	p := &parser{toks: toks, expr: expr, groups: &groups{defs: nodegroups, lenient: lenient}}
	return p.parse()
}
