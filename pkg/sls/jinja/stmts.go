package jinja

import "strings"

// Parsing of the statements inside {% %}, into stmt values.

func (t *translator) tag(body string, line int) error {
	p, err := newParser(body, line)
	if err != nil {
		return t.wrapErr(err, line)
	}
	t.noteSpecialNames(p.toks)
	if p.cur().kind != tkName {
		return t.errf(line, "expected a tag name")
	}
	name := p.next().s
	st := &stmt{kind: name, line: line}
	if err := t.parseStmt(p, st); err != nil {
		return t.wrapErr(err, line)
	}
	return nil
}

func (t *translator) parseStmt(p *parser, st *stmt) error {
	line := st.line
	noArgs := func(tag string) error {
		if err := p.expectEOF(); err != nil {
			return err
		}
		t.emitTag(tag)
		return nil
	}
	switch st.kind {
	case "if", "elif":
		// Jinja's parse_if reads the test without a conditional
		// expression: `{% if a if b else c %}` is a syntax error
		x, err := p.parseTuple(false)
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		if st.kind == "if" {
			t.push("if", line)
		} else if t.top() != "if" || t.stack[len(t.stack)-1].sawElse {
			return t.errf(line, "unexpected 'elif'")
		}
		t.emitStmt("j"+st.kind, st)
	case "else":
		if k := t.top(); k != "if" && k != "for" || t.stack[len(t.stack)-1].sawElse {
			return t.errf(line, "unexpected 'else'")
		}
		t.stack[len(t.stack)-1].sawElse = true
		return noArgs("jelse")
	case "endif", "endfor", "endmacro", "endset", "endwith", "endload", "endcall", "endfilter", "endautoescape", "endprofile":
		kind := st.kind[3:]
		if err := t.pop(kind, line, st.kind); err != nil {
			return err
		}
		if kind == "autoescape" || kind == "profile" {
			return p.expectEOF()
		}
		return noArgs("j" + st.kind)
	case "for":
		targets, err := parseTargets(p)
		if err != nil {
			return err
		}
		for _, tg := range targets {
			if tg == "loop" {
				return p.errf("can't assign to special loop variable in for-loop target")
			}
		}
		if !p.acceptName("in") {
			return p.errf("expected 'in', got %s", p.cur())
		}
		iter, err := p.parseTuple(false)
		if err != nil {
			return err
		}
		if p.acceptName("if") {
			if st.cond, err = p.parseExpr(); err != nil {
				return err
			}
		}
		st.recur = p.acceptName("recursive")
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.targets, st.expr = targets, iter
		t.push("for", line)
		t.emitStmt("jfor", st)
	case "set":
		if p.cur().kind == tkName && p.peek(1).kind == tkOp && p.peek(1).s == "." {
			ns := p.next().s
			p.pos++
			attr, err := p.expectName()
			if err != nil {
				return err
			}
			st.targets, st.attr = []string{ns}, attr
		} else {
			targets, err := parseTargets(p)
			if err != nil {
				return err
			}
			st.targets = targets
		}
		if p.atEOF() || p.isOp("|") {
			if len(st.targets) != 1 || st.attr != "" {
				return p.errf("a block set takes one name")
			}
			if p.isOp("|") {
				x, err := p.parseFilterExpr(&nameNode{name: blockVar, line: line})
				if err != nil {
					return err
				}
				if err := p.expectEOF(); err != nil {
					return err
				}
				st.expr = x
			}
			st.kind = "setblock"
			t.push("set", line)
			t.emitStmt("jsetblock", st)
			return nil
		}
		if err := p.expectOp("="); err != nil {
			return err
		}
		x, err := p.parseTuple(true)
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		t.emitStmt("jset", st)
	case "macro":
		name, err := p.expectName()
		if err != nil {
			return err
		}
		st.name = name
		if err := p.expectOp("("); err != nil {
			return err
		}
		if err := parseParams(p, st); err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		t.pushStmt("macro", line, st)
		t.emitStmt("jmacro", st)
	case "call":
		// {% call(params) macro(args) %}body{% endcall %}: the macro
		// renders the body wherever it calls caller(…).
		if p.acceptOp("(") {
			if err := parseParams(p, st); err != nil {
				return err
			}
		}
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		if _, ok := x.(*callNode); !ok {
			return p.errf("call expects a macro call, such as `{%% call m(1) %%}`")
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		t.pushStmt("call", line, st)
		t.emitStmt("jcall", st)
	case "do":
		x, err := p.parseTuple(true)
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		t.emitStmt("jdo", st)
	case "break", "continue":
		if !t.inLoop() {
			return t.errf(line, "'%s' outside of a loop", st.kind)
		}
		return noArgs("j" + st.kind)
	case "import", "import_yaml", "import_json", "import_text":
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		if !p.acceptName("as") {
			return p.errf("expected 'as', got %s", p.cur())
		}
		alias, err := p.expectName()
		if err != nil {
			return err
		}
		if err := parseContext(p, st); err != nil {
			return err
		}
		st.expr, st.targets = x, []string{alias}
		t.emitStmt("jimport", st)
	case "from":
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		if !p.acceptName("import") {
			return p.errf("expected 'import', got %s", p.cur())
		}
		for {
			if p.isName("with") || p.isName("without") || p.atEOF() {
				break
			}
			n, err := p.expectName()
			if err != nil {
				return err
			}
			alias := n
			if p.acceptName("as") {
				if alias, err = p.expectName(); err != nil {
					return err
				}
			}
			st.imports = append(st.imports, [2]string{n, alias})
			if !p.acceptOp(",") {
				break
			}
		}
		if len(st.imports) == 0 {
			return p.errf("expected a name to import")
		}
		if err := parseContext(p, st); err != nil {
			return err
		}
		st.expr = x
		t.emitStmt("jfrom", st)
	case "include":
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		st.withCtx = true
		if p.acceptName("ignore") {
			if !p.acceptName("missing") {
				return p.errf("expected 'missing' after 'ignore'")
			}
			st.ignore = true
		}
		if err := parseContext(p, st); err != nil {
			return err
		}
		st.expr = x
		t.emitStmt("jinclude", st)
	case "load_yaml", "load_json", "load_text":
		if !p.acceptName("as") {
			return p.errf("expected 'as', got %s", p.cur())
		}
		n, err := p.expectName()
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.targets = []string{n}
		t.push("load", line)
		t.emitStmt("jload", st)
	case "with":
		for !p.atEOF() {
			if len(st.kwargs) > 0 {
				if err := p.expectOp(","); err != nil {
					return err
				}
			}
			n, err := p.expectName()
			if err != nil {
				return err
			}
			if err := p.expectOp("="); err != nil {
				return err
			}
			x, err := p.parseExpr()
			if err != nil {
				return err
			}
			st.kwargs = append(st.kwargs, kwarg{name: n, v: x})
		}
		t.push("with", line)
		t.emitStmt("jwith", st)
	case "filter":
		// The chain is parsed as if applied to the block's output, held
		// in blockVar: "{% filter upper|trim %}" is "blockVar|upper|trim".
		p.toks = append([]token{{kind: tkOp, s: "|", line: line}}, p.toks[p.pos:]...)
		p.pos = 0
		x, err := p.parseFilterExpr(&nameNode{name: blockVar, line: line})
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		t.push("filter", line)
		t.emitStmt("jfilter", st)
	case "autoescape":
		// Output is never escaped here, as in Salt; the block is a no-op.
		t.push("autoescape", line)
	case "profile":
		// Salt's {% profile as 'label' %} (3002) times its body for the
		// profile log level; the body runs in the enclosing scope, so
		// here the block is a no-op around it.
		if !p.acceptName("as") {
			return p.errf("expected 'as', got %s", p.cur())
		}
		if _, err := p.parseExpr(); err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		t.push("profile", line)
	case "extends":
		// Jinja's compiler: an extends may sit in an if at the top level,
		// nowhere deeper.
		for _, b := range t.stack {
			if b.kind != "if" {
				return t.errf(line, "cannot use extend from a non top-level scope")
			}
		}
		x, err := p.parseExpr()
		if err != nil {
			return err
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		st.expr = x
		t.emitStmt("jextends", st)
	case "block":
		n, err := p.expectName()
		if err != nil {
			return err
		}
		st.scoped = p.acceptName("scoped")
		st.required = p.acceptName("required")
		if p.isOp("-") {
			return p.errf("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.")
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		if t.blocks[n] {
			return t.errf(line, "block '%s' defined twice", n)
		}
		if t.blocks == nil {
			t.blocks = map[string]bool{}
		}
		t.blocks[n] = true
		st.name = n
		t.stack = append(t.stack, openBlock{kind: "block", line: line, st: st, outAt: t.out.Len()})
		t.emitStmt("jblock", st)
	case "endblock":
		if len(t.stack) > 0 && t.top() == "block" {
			b := t.stack[len(t.stack)-1]
			// Jinja skips the block's own name after endblock; any other
			// name is left for the end of the tag, where it is an error.
			p.acceptName(b.st.name)
			if b.st.required && !onlySpace(t.out.String()[b.outAt:]) {
				return t.errf(b.line, "Required blocks can only contain comments or whitespace")
			}
		}
		if err := p.expectEOF(); err != nil {
			return err
		}
		if err := t.pop("block", line, st.kind); err != nil {
			return err
		}
		t.emitTag("jendblock")
	default:
		return t.errf(line, "unknown tag '%s'", st.kind)
	}
	return nil
}

// onlySpace reports whether translated text holds only whitespace: no
// tag (every output and statement is one) and no other text.
func onlySpace(s string) bool {
	if i := strings.Index(s, "%}"); i >= 0 {
		// the block's own opening tag
		s = s[i+2:]
	}
	return !strings.Contains(s, "{%") && strings.TrimFunc(s, isPySpace) == ""
}

// blockVar holds a block's output while a filter chain runs on it.
const blockVar = "__jblock"

func (t *translator) inLoop() bool {
	for i := len(t.stack) - 1; i >= 0; i-- {
		switch t.stack[i].kind {
		case "for":
			return true
		case "macro", "call", "block":
			// a call block's body is a macro too, and a block's body is a
			// function of its own: a break would leave a function, which
			// Jinja's compiled Python refuses
			return false
		}
	}
	return false
}

// parseContext reads an optional "with context" / "without context".
func parseContext(p *parser, st *stmt) error {
	switch {
	case p.acceptName("with"):
		st.withCtx = true
	case p.acceptName("without"):
		st.withCtx = false
	default:
		return p.expectEOF()
	}
	if !p.acceptName("context") {
		return p.errf("expected 'context', got %s", p.cur())
	}
	return p.expectEOF()
}

// jinjaConsts are the names Jinja's parser reads as constants.
var jinjaConsts = map[string]bool{"true": true, "false": true, "none": true, "True": true, "False": true, "None": true}

// parseTargets reads "a", "a, b" or "(a, b)".
func parseTargets(p *parser) ([]string, error) {
	paren := p.acceptOp("(")
	var names []string
	for {
		n, err := p.expectName()
		if err != nil {
			return nil, err
		}
		if jinjaConsts[n] {
			// Jinja reads these as constants, which nothing is assigned to.
			return nil, p.errf("can't assign to 'const'")
		}
		names = append(names, n)
		if !p.acceptOp(",") {
			break
		}
		if paren && p.isOp(")") {
			break
		}
	}
	if paren {
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	return names, nil
}

// parseParams reads macro or caller parameters up to the closing ")":
// names, with defaults.
func parseParams(p *parser, st *stmt) error {
	for !p.acceptOp(")") {
		if len(st.params) > 0 {
			if err := p.expectOp(","); err != nil {
				return err
			}
			if p.acceptOp(")") {
				break
			}
		}
		pn, err := p.expectName()
		if err != nil {
			return err
		}
		for _, q := range st.params {
			if q == pn {
				return p.errf("duplicate argument '%s' in a macro's parameters", pn)
			}
		}
		var def node
		if p.acceptOp("=") {
			if def, err = p.parseExpr(); err != nil {
				return err
			}
		} else if len(st.defs) > 0 && st.defs[len(st.defs)-1] != nil {
			return p.errf("non-default argument follows default argument")
		}
		st.params = append(st.params, pn)
		st.defs = append(st.defs, def)
	}
	return nil
}
