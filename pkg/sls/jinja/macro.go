package jinja

import (
	"errors"
	"fmt"
	"strings"

	"github.com/flosch/pongo2/v6"
)

// Macro is a {% macro %} bound to the scope it was defined in.
type Macro struct {
	name   string
	st     *stmt
	u      *unit
	body   *pongo2.NodeWrapper
	defCtx *pongo2.ExecutionContext
	// isCaller marks the body of a {% call %} block, handed to the macro
	// it calls as `caller`.
	isCaller bool
}

// execCall runs {% call m(args) %}body{% endcall %}: m is called with
// `caller` bound to the body, which runs in the scope of the call site.
func execCall(n *blockTag, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	e := n.env(ctx)
	c := n.st.expr.(*callNode)
	fn, err := e.eval(c.fn)
	if err != nil {
		return n.fail(err)
	}
	if u, ok := fn.(Undefined); ok {
		return n.fail(u.err())
	}
	args, kw, err := e.evalArgs(c.args, c.kwargs, c.star, c.dstar)
	if err != nil {
		return n.fail(err)
	}
	if kw == nil {
		kw = map[string]any{}
	}
	kw["caller"] = &Macro{name: "caller", st: n.st, u: n.u, body: n.body, defCtx: ctx, isCaller: true}
	out, err := e.call(fn, args, kw)
	if err != nil {
		return n.fail(err)
	}
	s, err := toStr(out)
	if err != nil {
		return n.fail(err)
	}
	_, _ = w.WriteString(s)
	return nil
}

type macroTag struct {
	tagBase
	body *pongo2.NodeWrapper
}

func parseMacro(doc *pongo2.Parser, start *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
	u, st, perr := stmtOf(args)
	if perr != nil {
		return nil, perr
	}
	body, _, err := doc.WrapUntilTag("jendmacro")
	if err != nil {
		return nil, err
	}
	return &macroTag{tagBase: tagBase{u: u, st: st}, body: body}, nil
}

func (m *Macro) call(caller *env, args []any, kw map[string]any) (any, error) {
	rs := caller.rs
	kwOrder := caller.kwKeys(kw)
	rs.depth++
	defer func() { rs.depth-- }()
	if rs.depth > maxNesting {
		return nil, fmt.Errorf("macro '%s' nested more than %d deep", m.name, maxNesting)
	}
	ctx := pongo2.NewChildExecutionContext(m.defCtx)
	e := &env{ctx: ctx, rs: rs, file: m.u.name}
	var varargs []any
	if len(args) > len(m.st.params) {
		// Jinja refuses extra arguments unless the body reads varargs.
		if m.st.uses&usesVarargs == 0 {
			return nil, fmt.Errorf("macro '%s' takes not more than %d argument(s)", m.name, len(m.st.params))
		}
		varargs = args[len(m.st.params):]
	}
	if varargs == nil {
		varargs = []any{}
	}
	extra := map[string]any{}
	for k, v := range kw {
		extra[k] = v
	}
	for i, p := range m.st.params {
		switch v, ok := extra[p]; {
		case i < len(args):
			if ok {
				return nil, fmt.Errorf("macro '%s' got multiple values for argument '%s'", m.name, p)
			}
			ctx.Private[p] = args[i]
		case ok:
			ctx.Private[p] = v
			delete(extra, p)
		case m.st.defs[i] != nil:
			dv, err := e.eval(m.st.defs[i])
			if err != nil {
				return nil, err
			}
			ctx.Private[p] = dv
		default:
			ctx.Private[p] = Undefined{Hint: fmt.Sprintf("parameter '%s' was not provided", p)}
		}
	}
	if c, ok := extra["caller"].(*Macro); ok && c.isCaller && m.st.uses&usesCaller != 0 {
		ctx.Private["caller"] = c
		delete(extra, "caller")
	}
	// ...and keyword arguments it has no parameter for unless it reads
	// kwargs (a call block's body given to a macro that never calls
	// caller() is one of those).
	if m.st.uses&usesKwargs == 0 {
		for _, k := range kwOrder {
			if _, ok := extra[k]; ok {
				return nil, fmt.Errorf("macro '%s' takes no keyword argument '%s'", m.name, k)
			}
		}
	}
	ctx.Private["varargs"] = tuple(varargs)
	kwargs := newDict(len(extra))
	for _, k := range kwOrder {
		if v, ok := extra[k]; ok {
			kwargs.Set(k, v)
		}
	}
	ctx.Private["kwargs"] = kwargs
	var b strings.Builder
	if err := m.body.Execute(ctx, &pongoWriter{b: &b, rs: rs}); err != nil {
		if _, ok := err.OrigError.(loopCtl); ok {
			return nil, fmt.Errorf("'%s' outside of a loop", err.OrigError)
		}
		var je *Error
		if errors.As(err.OrigError, &je) {
			return nil, je
		}
		return nil, err
	}
	return b.String(), nil
}
