package jinja

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
		// Jinja's parse_call_args takes the parts in Python's order:
		// positional, then keywords and one *, then one **; anything
		// out of order is "invalid syntax" (`dict(**d, b=2)`).
		badOrder := func(ok bool) error {
			if ok {
				return nil
			}
			return p.errf("invalid syntax for function call expression")
		}
		switch {
		case p.isOp("**"):
			if err = badOrder(dstar == nil); err != nil {
				return
			}
			p.pos++
			dstar, err = p.parseExpr()
		case p.isOp("*"):
			if err = badOrder(star == nil && dstar == nil); err != nil {
				return
			}
			p.pos++
			star, err = p.parseExpr()
		case p.cur().kind == tkName && p.peek(1).kind == tkOp && p.peek(1).s == "=":
			if err = badOrder(dstar == nil); err != nil {
				return
			}
			name := p.next().s
			p.pos++
			var v node
			if v, err = p.parseExpr(); err == nil {
				kwargs = append(kwargs, kwarg{name: name, v: v})
			}
		default:
			if err = badOrder(star == nil && dstar == nil && len(kwargs) == 0); err != nil {
				return
			}
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
				// A filter's arguments are a call's, *args and **kwargs
				// included (`'%(repo)s'|format(**settings)`).
				args, kwargs, star, dstar, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				f.args, f.kwargs, f.star, f.dstar = args, kwargs, star, dstar
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
				args, kwargs, star, dstar, err := p.parseArgs()
				if err != nil {
					return nil, err
				}
				tn.args, tn.kwargs, tn.star, tn.dstar = args, kwargs, star, dstar
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
