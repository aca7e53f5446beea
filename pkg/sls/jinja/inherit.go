package jinja

// Template inheritance: {% extends %}, {% block %}, super() and self, as
// Jinja 3.1 compiles them. A template's blocks are functions kept in its
// context (context.blocks): a name maps to a chain, the most derived
// template's block first. An extends adds the parent's blocks behind the
// template's own, stops the template's own output, and renders the parent
// in the same context once the template is done. A block renders the first
// block of its chain in the template's context (a scoped one in the scope
// around it too); super() renders the next one.

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/flosch/pongo2/v6"
)

// blockDef is one {% block %} of a compiled template.
type blockDef struct {
	st   *stmt
	u    *unit
	body *pongo2.NodeWrapper
}

// tplState is a render context's blocks, shared by a template and every
// template it extends.
type tplState struct {
	blocks map[string][]*blockDef
	cur    *runFrame
}

// runFrame is one template's run in a context.
type runFrame struct {
	// root is the template's top-level scope: what it was given and the
	// names it set at top level, Jinja's context.vars.
	root *pongo2.ExecutionContext
	// parent is the template an extends named: once set, the template's
	// own output stops.
	parent *compiled
}

func newTplState(u *unit) *tplState {
	ts := &tplState{blocks: make(map[string][]*blockDef, len(u.blocks))}
	for name, d := range u.blocks {
		ts.blocks[name] = []*blockDef{d}
	}
	return ts
}

func tplStateOf(ctx *pongo2.ExecutionContext) *tplState {
	ts, _ := ctx.Public["__jtpl"].(*tplState)
	return ts
}

// extendsWriter drops the output a template makes after its extends, as
// Jinja's compiled template yields nothing more of its own then.
type extendsWriter struct {
	w io.Writer
	f *runFrame
}

func (x *extendsWriter) Write(b []byte) (int, error) {
	if x.f.parent != nil {
		return len(b), nil
	}
	return x.w.Write(b)
}

func (x *extendsWriter) WriteString(s string) (int, error) {
	if x.f.parent != nil {
		return len(s), nil
	}
	return io.WriteString(x.w, s)
}

// runParent renders the template frame extends, in the context the
// template leaves: the names it was given and those it set at top level.
// The names the pair exports are the template's, then the parent's.
func (rs *renderState) runParent(ts *tplState, frame *runFrame, vars map[string]any, w io.Writer) (map[string]any, error) {
	var public pongo2.Context
	if frame.root != nil {
		public = flatten(frame.root)
	} else {
		public = pongo2.Context{}
	}
	public["__jtpl"] = ts
	pvars, err := rs.run(frame.parent, public, w)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(vars)+len(pvars))
	for k, v := range vars {
		out[k] = v
	}
	for k, v := range pvars {
		out[k] = v
	}
	return out, nil
}

type rootTag struct{}

// Execute records the template's top-level scope, the first thing a
// template does (translate emits jroot first).
func (rootTag) Execute(ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	if ts := tplStateOf(ctx); ts != nil && ts.cur != nil && ts.cur.root == nil {
		ts.cur.root = ctx
	}
	return nil
}

// execExtends loads the parent and puts its blocks behind the template's
// own (behind those of the templates extending it, when it is itself a
// parent).
func execExtends(b *tagBase, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	ts := tplStateOf(ctx)
	if ts == nil || ts.cur == nil {
		return b.fail(fmt.Errorf("extends outside of a template run"))
	}
	if ts.cur.parent != nil {
		return b.fail(fmt.Errorf("extended multiple times"))
	}
	v, err := e.eval(b.st.expr)
	if err != nil {
		return b.fail(err)
	}
	c, _, err := e.load(v)
	if err != nil {
		return b.fail(err)
	}
	names := make([]string, 0, len(c.unit.blocks))
	for name := range c.unit.blocks {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ts.blocks[name] = append(ts.blocks[name], c.unit.blocks[name])
	}
	ts.cur.parent = c
	return nil
}

type blockTag2 struct {
	tagBase
	def *blockDef
}

func parseBlock(doc *pongo2.Parser, _ *pongo2.Token, args *pongo2.Parser) (pongo2.INodeTag, *pongo2.Error) {
	u, st, perr := stmtOf(args)
	if perr != nil {
		return nil, perr
	}
	body, _, perr := doc.WrapUntilTag("jendblock")
	if perr != nil {
		return nil, perr
	}
	d := &blockDef{st: st, u: u, body: body}
	if u.blocks == nil {
		u.blocks = map[string]*blockDef{}
	}
	u.blocks[st.name] = d
	return &blockTag2{tagBase: tagBase{u: u, st: st}, def: d}, nil
}

// Execute renders the block where it stands: the first of its chain. A
// block at the top level of a template that has extended renders nothing
// (Jinja skips it: the parent renders it where the parent has it).
func (n *blockTag2) Execute(ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	ts := tplStateOf(ctx)
	if ts == nil || ts.cur == nil {
		return nil
	}
	if ts.cur.parent != nil && ctx == ts.cur.root {
		return nil
	}
	chain := ts.blocks[n.st.name]
	if len(chain) == 0 {
		chain = []*blockDef{n.def}
	}
	if n.st.required && len(chain) <= 1 {
		return n.fail(fmt.Errorf("Required block '%s' not found", n.st.name))
	}
	base := ts.cur.root
	if n.st.scoped || base == nil {
		base = ctx
	}
	var b strings.Builder
	if err := ts.renderBlock(chain, 0, base, &b); err != nil {
		return n.fail(err)
	}
	_, _ = w.WriteString(b.String())
	return nil
}

// renderBlock renders chain[i] in a scope of its own under base, with
// super() bound to chain[i+1].
func (ts *tplState) renderBlock(chain []*blockDef, i int, base *pongo2.ExecutionContext, b *strings.Builder) error {
	d := chain[i]
	ctx := pongo2.NewChildExecutionContext(base)
	rs, _ := ctx.Public["__jinja"].(*renderState)
	if rs != nil {
		rs.depth++
		defer func() { rs.depth-- }()
		if rs.depth > maxNesting {
			return fmt.Errorf("block '%s' nested more than %d deep", d.st.name, maxNesting)
		}
	}
	if i+1 < len(chain) {
		ctx.Private["super"] = builtinFunc(func(*env, []any, map[string]any) (any, error) {
			var sb strings.Builder
			if err := ts.renderBlock(chain, i+1, base, &sb); err != nil {
				return nil, err
			}
			return sb.String(), nil
		})
	} else {
		ctx.Private["super"] = Undefined{Hint: fmt.Sprintf("there is no parent block called '%s'.", d.st.name)}
	}
	// self in a block is the block's context's (a scoped block's holds
	// the names around it, which self.name() passes on)
	ctx.Private["self"] = ts.selfRef(base)
	if err := d.body.Execute(ctx, &pongoWriter{b: b, rs: rs}); err != nil {
		if lc, ok := err.OrigError.(loopCtl); ok {
			return fmt.Errorf("'%s' outside of a loop", lc)
		}
		return toError(err, &compiled{unit: d.u})
	}
	return nil
}

// selfRef is Jinja's TemplateReference: self.name() renders the first
// block of the chain of that name in base, the context self was taken in
// (nil: the template's own, when called).
func (ts *tplState) selfRef(base *pongo2.ExecutionContext) *module {
	vars := make(map[string]any, len(ts.blocks))
	for name, chain := range ts.blocks {
		vars[name] = builtinFunc(func(*env, []any, map[string]any) (any, error) {
			at := base
			if at == nil {
				at = ts.cur.root
			}
			if at == nil {
				return nil, fmt.Errorf("self.%s() outside of a template run", name)
			}
			var sb strings.Builder
			if err := ts.renderBlock(chain, 0, at, &sb); err != nil {
				return nil, err
			}
			return sb.String(), nil
		})
	}
	return &module{name: "self", vars: vars}
}
