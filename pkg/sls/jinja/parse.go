package jinja

import (
	"fmt"
)

// The expression tree. Every node that can fail at run time keeps its
// source line so errors point at the original template, not pongo2's copy.
type node interface{}

type (
	litNode  struct{ v any }
	nameNode struct {
		name string
		line int
	}
	attrNode struct {
		x    node
		name string
		line int
	}
	itemNode struct {
		x, key node
		line   int
	}
	sliceNode struct {
		x, lo, hi, step node
		line            int
	}
	callNode struct {
		fn     node
		args   []node
		kwargs []kwarg
		star   node // *args
		dstar  node // **kwargs
		line   int
	}
	filterNode struct {
		x      node
		name   string
		args   []node
		kwargs []kwarg
		line   int
	}
	testNode struct {
		x    node
		name string
		args []node
		neg  bool
		line int
	}
	binNode struct {
		op   string
		l, r node
		line int
	}
	unNode struct {
		op   string
		x    node
		line int
	}
	cmpNode struct {
		ops  []string
		xs   []node
		line int
	}
	condNode struct {
		cond, a, b node // b nil: undefined when cond is false
	}
	listNode   struct{ items []node }
	tupleNode  struct{ items []node }
	dictNode   struct{ keys, vals []node }
	concatNode struct {
		xs   []node
		line int
	}
)

type kwarg struct {
	name string
	v    node
}

const maxDepth = 200

type parser struct {
	toks  []token
	pos   int
	depth int
}

type exprError struct {
	line int
	msg  string
}

func (e *exprError) Error() string { return e.msg }

func newParser(src string, line int) (*parser, error) {
	toks, err := tokenize(src, line)
	if err != nil {
		return nil, err
	}
	return &parser{toks: toks}, nil
}

func (p *parser) cur() token  { return p.toks[p.pos] }
func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }
func (p *parser) peek(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) atEOF() bool { return p.cur().kind == tkEOF }

func (p *parser) isOp(s string) bool   { t := p.cur(); return t.kind == tkOp && t.s == s }
func (p *parser) isName(s string) bool { t := p.cur(); return t.kind == tkName && t.s == s }

func (p *parser) errf(format string, a ...any) error {
	return &exprError{line: p.cur().line, msg: fmt.Sprintf(format, a...)}
}

func (p *parser) expectOp(s string) error {
	if !p.isOp(s) {
		return p.errf("expected '%s', got %s", s, p.cur())
	}
	p.pos++
	return nil
}

func (p *parser) acceptOp(s string) bool {
	if p.isOp(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) acceptName(s string) bool {
	if p.isName(s) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectName() (string, error) {
	t := p.cur()
	if t.kind != tkName {
		return "", p.errf("expected a name, got %s", t)
	}
	p.pos++
	return t.s, nil
}

func (p *parser) expectEOF() error {
	if !p.atEOF() {
		return p.errf("unexpected %s", p.cur())
	}
	return nil
}

// parseTuple parses a comma list as Jinja does at statement level:
// `{{ 1, 2 }}` and `{% set a, b = 1, 2 %}`.
func (p *parser) parseTuple(withCond bool) (node, error) {
	var items []node
	comma := false
	for {
		if len(items) > 0 {
			if !p.acceptOp(",") {
				break
			}
			comma = true
		}
		if p.tupleEnd() {
			break
		}
		var x node
		var err error
		if withCond {
			x, err = p.parseExpr()
		} else {
			x, err = p.parseOr()
		}
		if err != nil {
			return nil, err
		}
		items = append(items, x)
	}
	if len(items) == 0 {
		return nil, p.errf("expected an expression, got %s", p.cur())
	}
	if !comma {
		return items[0], nil
	}
	return &tupleNode{items: items}, nil
}

func (p *parser) tupleEnd() bool {
	t := p.cur()
	if t.kind == tkEOF {
		return true
	}
	if t.kind == tkOp && (t.s == ")" || t.s == "]" || t.s == "}" || t.s == "=") {
		return true
	}
	return t.kind == tkName && (t.s == "if" || t.s == "recursive" || t.s == "in")
}

func (p *parser) parseExpr() (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf("expression nested too deeply")
	}
	x, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.acceptName("if") {
		cond, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var alt node
		if p.acceptName("else") {
			if alt, err = p.parseExpr(); err != nil {
				return nil, err
			}
		}
		x = &condNode{cond: cond, a: x, b: alt}
	}
	return x, nil
}

func (p *parser) parseOr() (node, error) {
	x, err := p.parseAnd()
	for err == nil && p.isName("or") {
		line := p.next().line
		var r node
		if r, err = p.parseAnd(); err == nil {
			x = &binNode{op: "or", l: x, r: r, line: line}
		}
	}
	return x, err
}

func (p *parser) parseAnd() (node, error) {
	x, err := p.parseNot()
	for err == nil && p.isName("and") {
		line := p.next().line
		var r node
		if r, err = p.parseNot(); err == nil {
			x = &binNode{op: "and", l: x, r: r, line: line}
		}
	}
	return x, err
}

func (p *parser) parseNot() (node, error) {
	if p.isName("not") {
		line := p.next().line
		p.depth++
		defer func() { p.depth-- }()
		if p.depth > maxDepth {
			return nil, p.errf("expression nested too deeply")
		}
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unNode{op: "not", x: x, line: line}, nil
	}
	return p.parseCompare()
}

func (p *parser) parseCompare() (node, error) {
	x, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	c := &cmpNode{xs: []node{x}, line: p.cur().line}
	for {
		t := p.cur()
		var op string
		switch {
		case t.kind == tkOp && (t.s == "==" || t.s == "!=" || t.s == "<" || t.s == ">" || t.s == "<=" || t.s == ">="):
			op = t.s
			p.pos++
		case t.kind == tkName && t.s == "in":
			op = "in"
			p.pos++
		case t.kind == tkName && t.s == "not" && p.peek(1).kind == tkName && p.peek(1).s == "in":
			op = "not in"
			p.pos += 2
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.xs = append(c.xs, r)
	}
	if len(c.ops) == 0 {
		return x, nil
	}
	return c, nil
}

func (p *parser) parseMath1() (node, error) {
	x, err := p.parseConcat()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		t := p.next()
		var r node
		if r, err = p.parseConcat(); err == nil {
			x = &binNode{op: t.s, l: x, r: r, line: t.line}
		}
	}
	return x, err
}

func (p *parser) parseConcat() (node, error) {
	x, err := p.parseMath2()
	if err != nil || !p.isOp("~") {
		return x, err
	}
	c := &concatNode{xs: []node{x}, line: p.cur().line}
	for p.acceptOp("~") {
		r, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		c.xs = append(c.xs, r)
	}
	return c, nil
}

func (p *parser) parseMath2() (node, error) {
	x, err := p.parsePow()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%")) {
		t := p.next()
		var r node
		if r, err = p.parsePow(); err == nil {
			x = &binNode{op: t.s, l: x, r: r, line: t.line}
		}
	}
	return x, err
}

func (p *parser) parsePow() (node, error) {
	x, err := p.parseUnary(true)
	for err == nil && p.isOp("**") {
		t := p.next()
		var r node
		if r, err = p.parseUnary(true); err == nil {
			x = &binNode{op: "**", l: x, r: r, line: t.line}
		}
	}
	return x, err
}

func (p *parser) parseUnary(withFilter bool) (node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, p.errf("expression nested too deeply")
	}
	var x node
	var err error
	if p.isOp("-") || p.isOp("+") {
		t := p.next()
		if x, err = p.parseUnary(false); err != nil {
			return nil, err
		}
		x = &unNode{op: t.s, x: x, line: t.line}
	} else if x, err = p.parsePrimary(); err != nil {
		return nil, err
	}
	if x, err = p.parsePostfix(x); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterExpr(x)
	}
	return x, nil
}

func (p *parser) parsePrimary() (node, error) {
	t := p.cur()
	switch t.kind {
	case tkName:
		p.pos++
		switch t.s {
		case "true", "True":
			return &litNode{true}, nil
		case "false", "False":
			return &litNode{false}, nil
		case "none", "None":
			return &litNode{nil}, nil
		}
		return &nameNode{name: t.s, line: t.line}, nil
	case tkString:
		p.pos++
		s := t.s
		for p.cur().kind == tkString {
			s += p.next().s
		}
		return &litNode{s}, nil
	case tkInt:
		p.pos++
		return &litNode{t.i}, nil
	case tkFloat:
		p.pos++
		return &litNode{t.f}, nil
	case tkOp:
		switch t.s {
		case "(":
			p.pos++
			if p.acceptOp(")") {
				return &tupleNode{}, nil
			}
			x, err := p.parseTuple(true)
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return x, nil
		case "[":
			p.pos++
			l := &listNode{}
			for !p.acceptOp("]") {
				if len(l.items) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.acceptOp("]") {
						break
					}
				}
				x, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				l.items = append(l.items, x)
			}
			return l, nil
		case "{":
			p.pos++
			d := &dictNode{}
			for !p.acceptOp("}") {
				if len(d.keys) > 0 {
					if err := p.expectOp(","); err != nil {
						return nil, err
					}
					if p.acceptOp("}") {
						break
					}
				}
				k, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				if err := p.expectOp(":"); err != nil {
					return nil, err
				}
				v, err := p.parseExpr()
				if err != nil {
					return nil, err
				}
				d.keys = append(d.keys, k)
				d.vals = append(d.vals, v)
			}
			return d, nil
		}
	}
	return nil, p.errf("unexpected %s", t)
}

func (p *parser) parsePostfix(x node) (node, error) {
	for {
		t := p.cur()
		switch {
		case t.kind == tkOp && t.s == ".":
			p.pos++
			n := p.cur()
			switch n.kind {
			case tkName:
				p.pos++
				x = &attrNode{x: x, name: n.s, line: n.line}
			case tkInt:
				p.pos++
				x = &itemNode{x: x, key: &litNode{n.i}, line: n.line}
			default:
				return nil, p.errf("expected an attribute name after '.', got %s", n)
			}
		case t.kind == tkOp && t.s == "[":
			p.pos++
			var err error
			if x, err = p.parseSubscript(x, t.line); err != nil {
				return nil, err
			}
		case t.kind == tkOp && t.s == "(":
			var err error
			if x, err = p.parseCall(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}

func (p *parser) parseSubscript(x node, line int) (node, error) {
	var parts [3]node
	idx := 0
	isSlice := false
	for !p.isOp("]") {
		if p.acceptOp(":") {
			isSlice = true
			idx++
			if idx > 2 {
				return nil, p.errf("too many ':' in slice")
			}
			continue
		}
		if parts[idx] != nil {
			return nil, p.errf("expected ']' or ':', got %s", p.cur())
		}
		e, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		parts[idx] = e
	}
	p.pos++
	if isSlice {
		return &sliceNode{x: x, lo: parts[0], hi: parts[1], step: parts[2], line: line}, nil
	}
	if parts[0] == nil {
		return nil, p.errf("empty subscript")
	}
	return &itemNode{x: x, key: parts[0], line: line}, nil
}

// parseArgs reads "(a, b, k=v, *xs, **kw)".
func (p *parser) parseArgs() (args []node, kwargs []kwarg, star, dstar node, err error) {
	if err = p.expectOp("("); err != nil {
		return
	}
	for !p.acceptOp(")") {
		if len(args)+len(kwargs) > 0 || star != nil || dstar != nil {
			if err = p.expectOp(","); err != nil {
				return
			}
			if p.acceptOp(")") {
				break
			}
		}
		switch {
		case p.isOp("**"):
			p.pos++
			dstar, err = p.parseExpr()
		case p.isOp("*"):
			p.pos++
			star, err = p.parseExpr()
		case p.cur().kind == tkName && p.peek(1).kind == tkOp && p.peek(1).s == "=":
			name := p.next().s
			p.pos++
			var v node
			if v, err = p.parseExpr(); err == nil {
				kwargs = append(kwargs, kwarg{name: name, v: v})
			}
		default:
			var v node
			if v, err = p.parseExpr(); err == nil {
				args = append(args, v)
			}
		}
		if err != nil {
			return
		}
	}
	return
}

func (p *parser) parseCall(fn node) (node, error) {
	line := p.cur().line
	args, kwargs, star, dstar, err := p.parseArgs()
	if err != nil {
		return nil, err
	}
	return &callNode{fn: fn, args: args, kwargs: kwargs, star: star, dstar: dstar, line: line}, nil
}

func (p *parser) parseFilterExpr(x node) (node, error) {
	for {
		switch {
		case p.isOp("|"):
			p.pos++
			t := p.cur()
			name, err := p.expectName()
			if err != nil {
				return nil, err
			}
			for p.isOp(".") && p.peek(1).kind == tkName {
				name += "." + p.peek(1).s
				p.pos += 2
			}
			f := &filterNode{x: x, name: name, line: t.line}
			if p.isOp("(") {
				args, kwargs, _, _, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				f.args, f.kwargs = args, kwargs
			}
			x = f
		case p.isName("is"):
			t := p.next()
			neg := p.acceptName("not")
			name, err := p.expectName()
			if err != nil {
				return nil, err
			}
			for p.isOp(".") && p.peek(1).kind == tkName {
				name += "." + p.peek(1).s
				p.pos += 2
			}
			tn := &testNode{x: x, name: name, neg: neg, line: t.line}
			c := p.cur()
			if p.isOp("(") {
				args, _, _, _, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				tn.args = args
			} else if (c.kind == tkString || c.kind == tkInt || c.kind == tkFloat || c.kind == tkOp && (c.s == "[" || c.s == "{") ||
				c.kind == tkName && c.s != "else" && c.s != "or" && c.s != "and" && c.s != "if" && c.s != "is" && c.s != "in" && c.s != "not") && name != "defined" && name != "undefined" && name != "none" {
				a, err := p.parsePrimary()
				if err != nil {
					return nil, err
				}
				if a, err = p.parsePostfix(a); err != nil {
					return nil, err
				}
				tn.args = []node{a}
			}
			x = tn
		case p.isOp("("):
			var err error
			if x, err = p.parseCall(x); err != nil {
				return nil, err
			}
		default:
			return x, nil
		}
	}
}
