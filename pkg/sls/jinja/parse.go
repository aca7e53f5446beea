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
		star   node // *args, as a call's
		dstar  node // **kwargs
		line   int
	}
	testNode struct {
		x      node
		name   string
		args   []node
		kwargs []kwarg
		star   node // *args, as a call's
		dstar  node // **kwargs
		neg    bool
		line   int
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
	// cause is the error a called function returned, kept so that callers
	// of Render can test it with errors.Is (ErrConfined, ErrNoTreeList).
	cause error
}

func (e *exprError) Error() string { return e.msg }

func (e *exprError) Unwrap() error { return e.cause }

func newParser(src string, line int) (*parser, error) {
	toks, err := tokenize(src, line)
	if err != nil {
		return nil, err
	}
	return &parser{toks: toks}, nil
}

func (p *parser) cur() token { return p.toks[p.pos] }

func (p *parser) next() token { t := p.toks[p.pos]; p.pos++; return t }

func (p *parser) peek(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) atEOF() bool { return p.cur().kind == tkEOF }

func (p *parser) isOp(s string) bool { t := p.cur(); return t.kind == tkOp && t.s == s }

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
		if t.big != nil {
			return &litNode{pyBigInt{t.big}}, nil
		}
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
