package jinja

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/flosch/pongo2/v6"
)

// loopCtl carries {% break %} and {% continue %} up to the enclosing for
// node as a pongo2 error, the only way out of pongo2's node lists.
var (
	errNotFound      = errors.New("template not found")
	errTooMuchOutput = fmt.Errorf("output larger than %d bytes", maxOutput)
)

type loopCtl string

func (l loopCtl) Error() string { return string(l) }

type tagBase struct {
	u  *unit
	st *stmt
}

func (b *tagBase) env(ctx *pongo2.ExecutionContext) *env {
	rs, _ := ctx.Public["__jinja"].(*renderState)
	if rs == nil {
		rs = &renderState{}
	}
	return &env{ctx: ctx, rs: rs, file: b.u.name}
}

func (b *tagBase) fail(err error) *pongo2.Error { return failAt(b.u, b.st.line, err) }

func failAt(u *unit, line int, err error) *pongo2.Error {
	var je *Error
	switch e := err.(type) {
	case loopCtl:
		return &pongo2.Error{Sender: "jinja", OrigError: e}
	case *exprError:
		line = e.line
		if e.cause == nil {
			err = errors.New(e.msg)
		}
	case *pongo2.Error:
		return e
	}
	if errors.As(err, &je) {
		return &pongo2.Error{Sender: "jinja", OrigError: je}
	}
	return &pongo2.Error{Sender: "jinja", OrigError: &Error{File: u.name, Line: line, Err: err}}
}

func stmtOf(args *pongo2.Parser) (*unit, *stmt, *pongo2.Error) {
	a := args.MatchType(pongo2.TokenNumber)
	b := args.MatchType(pongo2.TokenNumber)
	if a == nil || b == nil {
		return nil, nil, args.Error("jinja: malformed internal tag", nil)
	}
	id, _ := strconv.Atoi(a.Val)
	idx, _ := strconv.Atoi(b.Val)
	u := compiling[id]
	if u == nil || idx < 0 || idx >= len(u.stmts) {
		return nil, nil, args.Error("jinja: unknown internal statement", nil)
	}
	return u, u.stmts[idx], nil
}

type simpleTag struct {
	tagBase
	exec func(b *tagBase, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error
}

func (n *simpleTag) Execute(ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	return n.exec(&n.tagBase, ctx, w)
}

func simple(exec func(b *tagBase, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error) pongo2.TagParser {
	return func(doc *pongo2.Parser, start *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
		u, st, err := stmtOf(args)
		if err != nil {
			return nil, err
		}
		return &simpleTag{tagBase: tagBase{u: u, st: st}, exec: exec}, nil
	}
}

type blockTag struct {
	tagBase
	body *pongo2.NodeWrapper
	exec func(n *blockTag, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error
}

func (n *blockTag) Execute(ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	return n.exec(n, ctx, w)
}

func block(end string, exec func(n *blockTag, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error) pongo2.TagParser {
	return func(doc *pongo2.Parser, start *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
		u, st, err := stmtOf(args)
		if err != nil {
			return nil, err
		}
		body, _, err := doc.WrapUntilTag(end)
		if err != nil {
			return nil, err
		}
		return &blockTag{tagBase: tagBase{u: u, st: st}, body: body, exec: exec}, nil
	}
}

// renderFiltered renders the block body and runs the statement's filter
// chain, if any, on the text.
func (n *blockTag) renderFiltered(ctx *pongo2.ExecutionContext) (any, *pongo2.Error) {
	var b strings.Builder
	// the body has a scope of its own, as in Jinja: a name it sets is
	// not seen after the block
	inner := pongo2.NewChildExecutionContext(ctx)
	perr := n.body.Execute(inner, newWriter(ctx, &b))
	keepBoxedLists(ctx, inner)
	if perr != nil {
		return nil, perr
	}
	if n.st.expr == nil {
		return b.String(), nil
	}
	child := pongo2.NewChildExecutionContext(ctx)
	child.Private[blockVar] = b.String()
	v, err := n.env(child).eval(n.st.expr)
	if err != nil {
		return nil, n.fail(err)
	}
	return v, nil
}

func registerTags() {
	reg := map[string]pongo2.TagParser{
		"jout": simple(execOut),
		"jtext": simple(func(b *tagBase, _ *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
			_, _ = w.WriteString(b.st.text)
			return nil
		}),
		"jset":     simple(execSet),
		"jdo":      simple(execDo),
		"jmacro":   parseMacro,
		"jcall":    block("jendcall", execCall),
		"jimport":  simple(execImport),
		"jfrom":    simple(execFrom),
		"jinclude": simple(execInclude),
		"jif":      parseIf,
		"jfor":     parseFor,
		"jsetblock": block("jendset", func(n *blockTag, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
			v, err := n.renderFiltered(ctx)
			if err != nil {
				return err
			}
			ctx.Private[n.st.targets[0]] = v
			return nil
		}),
		"jfilter": block("jendfilter", func(n *blockTag, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
			v, err := n.renderFiltered(ctx)
			if err != nil {
				return err
			}
			s, serr := toStr(v)
			if serr != nil {
				return n.fail(serr)
			}
			_, _ = w.WriteString(s)
			return nil
		}),
		"jload": block("jendload", execLoad),
		"jwith": block("jendwith", execWith),
		"jbreak": func(*pongo2.Parser, *pongo2.Token, *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
			return ctlTag("break"), nil
		},
		"jcontinue": func(*pongo2.Parser, *pongo2.Token, *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
			return ctlTag("continue"), nil
		},
		"jexport": func(*pongo2.Parser, *pongo2.Token, *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
			return exportTag{}, nil
		},
		"jroot": func(*pongo2.Parser, *pongo2.Token, *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
			return rootTag{}, nil
		},
		"jextends": simple(execExtends),
		"jblock":   parseBlock,
	}
	for name, fn := range reg {
		if err := pongo2.RegisterTag(name, fn); err != nil {
			panic(fmt.Sprintf("jinja: registering tag %s: %v", name, err))
		}
	}
}

// pongoWriter collects output for macros, block sets and imports, and
// counts it against the render's output budget.
type pongoWriter struct {
	b  *strings.Builder
	rs *renderState
}

func newWriter(ctx *pongo2.ExecutionContext, b *strings.Builder) *pongoWriter {
	rs, _ := ctx.Public["__jinja"].(*renderState)
	return &pongoWriter{b: b, rs: rs}
}

func (p *pongoWriter) Write(b []byte) (int, error) { return p.WriteString(string(b)) }

func (p *pongoWriter) WriteString(s string) (int, error) {
	if p.rs != nil && !p.rs.spend(len(s)) {
		return len(s), nil
	}
	return p.b.WriteString(s)
}

type ctlTag string

func (c ctlTag) Execute(*pongo2.ExecutionContext, pongo2.TemplateWriter) *pongo2.Error {
	return &pongo2.Error{Sender: "jinja", OrigError: loopCtl(c)}
}

type exportTag struct{}

// Execute records the template's top-level names for {% import %}.
func (exportTag) Execute(ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	slot, _ := ctx.Public["__jexport"].(*exportSlot)
	if slot == nil {
		return nil
	}
	slot.vars = make(map[string]any, len(ctx.Private))
	for k, v := range ctx.Private {
		if k != "pongo2" && !strings.HasPrefix(k, "_") {
			slot.vars[k] = v
		}
	}
	return nil
}

func execOut(b *tagBase, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	v, err := e.eval(b.st.expr)
	if err != nil {
		return b.fail(err)
	}
	if err := saltFinalize(v, 0); err != nil {
		return b.fail(err)
	}
	s, err := toStr(v)
	if err != nil {
		return b.fail(err)
	}
	_, _ = w.WriteString(s)
	if e.rs.over {
		return b.fail(errTooMuchOutput)
	}
	return nil
}

// saltFinalize is what Salt's SerializerExtension finalizer refuses in a
// {{ }} value: it rebuilds every list, tuple and dict value as its own
// class, which a groupby item (a namedtuple) cannot be built as, so
// printing groupby's result fails in Salt ("_GroupTuple.__new__() missing 1
// required positional argument: 'list'"). Printing a dict as a dict, its
// other effect, is how brine prints one anyway.
func saltFinalize(v any, depth int) error {
	if depth > 100 {
		return nil
	}
	switch x := v.(type) {
	case grouped:
		return fmt.Errorf("_GroupTuple.__new__() missing 1 required positional argument: 'list' (Salt's finalizer cannot print a groupby item)")
	case *List:
		return saltFinalize(x.items, depth)
	case []any:
		for _, e := range x {
			if err := saltFinalize(e, depth+1); err != nil {
				return err
			}
		}
	case tuple:
		return saltFinalize([]any(x), depth)
	case *odict.Map:
		for _, e := range x.All() {
			if err := saltFinalize(e, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

func execDo(b *tagBase, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	if _, err := b.env(ctx).eval(b.st.expr); err != nil {
		return b.fail(err)
	}
	return nil
}

func execSet(b *tagBase, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	v, err := e.eval(b.st.expr)
	if err != nil {
		return b.fail(err)
	}
	if b.st.attr != "" {
		ns, ok := e.lookup(b.st.targets[0]).(*Namespace)
		if !ok {
			return b.fail(fmt.Errorf("cannot assign attribute on non-namespace object '%s'", b.st.targets[0]))
		}
		ns.attrs[b.st.attr] = v
		return nil
	}
	if err := assign(ctx, b.st.targets, v); err != nil {
		return b.fail(err)
	}
	return nil
}

// shared boxes a Go slice that is being bound to a name: a template's
// scopes (a for loop's, an if's) each copy the names of the scope around
// them, so a slice boxed only at its first mutation, in an inner scope,
// would be changed there alone, where a Python list is one object that
// every scope holding it sees changed.
func shared(v any) any {
	if l, ok := v.([]any); ok {
		return &List{items: l}
	}
	return v
}

// assign binds one name, or unpacks a sequence into several.
func assign(ctx *pongo2.ExecutionContext, targets []string, v any) error {
	if len(targets) == 1 {
		ctx.Private[targets[0]] = shared(v)
		return nil
	}
	if u, ok := v.(Undefined); ok {
		return u.err()
	}
	items, err := iterate(v)
	if err != nil {
		return fmt.Errorf("cannot unpack non-iterable %s object", typeName(v))
	}
	if len(items) != len(targets) {
		if len(items) > len(targets) {
			return fmt.Errorf("too many values to unpack (expected %d)", len(targets))
		}
		return fmt.Errorf("not enough values to unpack (expected %d, got %d)", len(targets), len(items))
	}
	for i, t := range targets {
		ctx.Private[t] = shared(items[i])
	}
	return nil
}

type ifTag struct {
	u        *unit
	branches []*stmt
	bodies   []*pongo2.NodeWrapper
	elseBody *pongo2.NodeWrapper
}

func parseIf(doc *pongo2.Parser, start *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
	u, st, perr := stmtOf(args)
	if perr != nil {
		return nil, perr
	}
	n := &ifTag{u: u, branches: []*stmt{st}}
	for {
		body, endArgs, err := doc.WrapUntilTag("jelif", "jelse", "jendif")
		if err != nil {
			return nil, err
		}
		switch body.Endtag {
		case "jelif":
			n.bodies = append(n.bodies, body)
			_, est, err := stmtOf(endArgs)
			if err != nil {
				return nil, err
			}
			n.branches = append(n.branches, est)
		case "jelse":
			n.bodies = append(n.bodies, body)
			eb, _, err := doc.WrapUntilTag("jendif")
			if err != nil {
				return nil, err
			}
			n.elseBody = eb
			return n, nil
		default:
			n.bodies = append(n.bodies, body)
			return n, nil
		}
	}
}

func (n *ifTag) Execute(ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	b := &tagBase{u: n.u, st: n.branches[0]}
	e := b.env(ctx)
	for i, st := range n.branches {
		v, err := e.eval(st.expr)
		if err == nil {
			var t bool
			if t, err = truthOf(st.expr, v); err == nil && t {
				return n.bodies[i].Execute(ctx, w)
			}
		}
		if err != nil {
			return failAt(n.u, st.line, err)
		}
	}
	if n.elseBody != nil {
		return n.elseBody.Execute(ctx, w)
	}
	return nil
}

type forTag struct {
	tagBase
	body, elseBody *pongo2.NodeWrapper
}

func parseFor(doc *pongo2.Parser, start *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
	u, st, perr := stmtOf(args)
	if perr != nil {
		return nil, perr
	}
	n := &forTag{tagBase: tagBase{u: u, st: st}}
	body, _, err := doc.WrapUntilTag("jelse", "jendfor")
	if err != nil {
		return nil, err
	}
	n.body = body
	if body.Endtag == "jelse" {
		if n.elseBody, _, err = doc.WrapUntilTag("jendfor"); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (n *forTag) Execute(ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	e := n.env(ctx)
	v, err := e.eval(n.st.expr)
	if err != nil {
		return n.fail(err)
	}
	items, err := iterate(v)
	if err != nil {
		return n.fail(err)
	}
	child := pongo2.NewChildExecutionContext(ctx)
	if n.st.cond != nil {
		ce := &env{ctx: child, rs: e.rs, file: e.file}
		var kept []any
		for _, it := range items {
			if err := assign(child, n.st.targets, it); err != nil {
				return n.fail(err)
			}
			c, err := ce.eval(n.st.cond)
			if err != nil {
				return n.fail(err)
			}
			t, err := truthOf(n.st.cond, c)
			if err != nil {
				return n.fail(err)
			}
			if t {
				kept = append(kept, it)
			}
		}
		items = kept
	}
	completed := false
	if len(items) > 0 {
		var perr *pongo2.Error
		if completed, perr = n.run(e, child, items, 0, w); perr != nil {
			return perr
		}
	}
	// Jinja runs the else block unless an iteration ran its body to the
	// end: also when every iteration was left by break or continue
	if !completed && n.elseBody != nil {
		// in a scope of its own, as Jinja's else frame
		inner := pongo2.NewChildExecutionContext(ctx)
		perr := n.elseBody.Execute(inner, w)
		keepBoxedLists(ctx, inner)
		return perr
	}
	return nil
}

// run runs the loop body over items; a recursive loop's loop(…) runs it
// again one level deeper and returns what that wrote.
func (n *forTag) run(e *env, child *pongo2.ExecutionContext, items []any, depth int, w pongo2.TemplateWriter) (completed bool, perr *pongo2.Error) {
	loop := &loopInfo{items: items, depth: depth}
	if n.st.recur {
		loop.recurse = func(v any) (any, error) {
			if depth+1 >= maxNesting {
				return nil, fmt.Errorf("recursive loop nested more than %d deep", maxNesting)
			}
			more, err := iterate(v)
			if err != nil {
				return nil, err
			}
			if len(more) == 0 {
				return "", nil
			}
			var b strings.Builder
			sub := pongo2.NewChildExecutionContext(child)
			if _, perr := n.run(e, sub, more, depth+1, newWriter(child, &b)); perr != nil {
				return nil, perr
			}
			return b.String(), nil
		}
	}
	for i, it := range items {
		e.rs.steps++
		if e.rs.steps > maxSteps {
			return completed, n.fail(fmt.Errorf("more than %d loop iterations", maxSteps))
		}
		if e.rs.over {
			return completed, n.fail(errTooMuchOutput)
		}
		// Each iteration has a scope of its own, as in Jinja: what the body
		// sets is gone at the next iteration (only a namespace carries a
		// value from one to the next).
		iter := pongo2.NewChildExecutionContext(child)
		if err := assign(iter, n.st.targets, it); err != nil {
			return completed, n.fail(err)
		}
		loop.i = i
		iter.Private["loop"] = loop
		err := n.body.Execute(iter, w)
		keepBoxedLists(child, iter)
		if err != nil {
			if lc, ok := err.OrigError.(loopCtl); ok {
				if lc == "break" {
					break
				}
				continue
			}
			return completed, err
		}
		completed = true
	}
	return completed, nil
}

// keepBoxedLists carries up a list of the enclosing scope that the
// iteration boxed on its first mutation (writeBack), so that what was
// appended to it is seen by the next iterations: it is the same list.
func keepBoxedLists(outer, iter *pongo2.ExecutionContext) {
	for k, v := range iter.Private {
		if l, ok := v.(*List); ok {
			if old, ok := outer.Private[k].([]any); ok && (len(old) == 0 || len(l.items) >= len(old) && &l.items[0] == &old[0]) {
				outer.Private[k] = l
			}
		}
	}
}

// loopInfo is Jinja's loop variable.
type loopInfo struct {
	items   []any
	i       int
	depth   int // 0, but in the levels of a recursive loop
	recurse func(items any) (any, error)
	changed []any // the last values loop.changed saw; nil before the first call
}

func (l *loopInfo) attr(name string) any {
	n := len(l.items)
	switch name {
	case "index":
		return l.i + 1
	case "index0":
		return l.i
	case "revindex":
		return n - l.i
	case "revindex0":
		return n - l.i - 1
	case "first":
		return l.i == 0
	case "last":
		return l.i == n-1
	case "length":
		return n
	case "depth":
		return l.depth + 1
	case "depth0":
		return l.depth
	case "previtem":
		if l.i > 0 {
			return l.items[l.i-1]
		}
	case "nextitem":
		if l.i+1 < n {
			return l.items[l.i+1]
		}
	case "changed":
		return builtinFunc(func(_ *env, args []any, _ map[string]any) (any, error) {
			if l.changed != nil && equal(tuple(l.changed), tuple(args)) {
				return false, nil
			}
			l.changed = append([]any{}, args...)
			return true, nil
		})
	case "cycle":
		return builtinFunc(func(_ *env, args []any, _ map[string]any) (any, error) {
			if len(args) == 0 {
				return nil, fmt.Errorf("no items for cycling given")
			}
			return args[l.i%len(args)], nil
		})
	}
	return Undefined{Hint: fmt.Sprintf("'loop' has no attribute '%s'", name)}
}

func execWith(n *blockTag, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	e := n.env(ctx)
	child := pongo2.NewChildExecutionContext(ctx)
	for _, kw := range n.st.kwargs {
		v, err := e.eval(kw.v)
		if err != nil {
			return n.fail(err)
		}
		child.Private[kw.name] = v
	}
	return n.body.Execute(child, w)
}

func execLoad(n *blockTag, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	var b strings.Builder
	if err := n.body.Execute(ctx, newWriter(ctx, &b)); err != nil {
		return err
	}
	v, err := parseData(n.st.kind, b.String())
	if err != nil {
		return n.fail(err)
	}
	ctx.Private[n.st.targets[0]] = shared(v)
	return nil
}

func (n *macroTag) Execute(ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	ctx.Private[n.st.name] = &Macro{name: n.st.name, st: n.st, u: n.u, body: n.body, defCtx: ctx}
	return nil
}
