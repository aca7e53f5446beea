package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"strings"

	"github.com/flosch/pongo2/v6"
)

// env is what an expression sees while it runs: pongo2's execution
// context (scopes) plus the per-render state.
type env struct {
	ctx  *pongo2.ExecutionContext
	rs   *renderState
	file string
}

// kwKeys returns kw's keys in the order they were written when kw is
// what evalArgs made last, else sorted.
func (e *env) kwKeys(kw map[string]any) []string {
	out := make([]string, 0, len(kw))
	seen := make(map[string]bool, len(kw))
	if e != nil && e.rs != nil {
		for _, k := range e.rs.kwOrder {
			if _, ok := kw[k]; ok && !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	if len(out) < len(kw) {
		for _, k := range sortedKeys(kw) {
			if !seen[k] {
				out = append(out, k)
			}
		}
	}
	return out
}

type builtinFunc func(e *env, args []any, kw map[string]any) (any, error)

// List is a list created or changed by the template. Lists need to be
// shared by reference so that {% do l.append(x) %} inside a loop is seen
// after the loop, as in Python; Go slices are values, so they are boxed.
type List struct{ items []any }

func (e *env) lookup(name string) any {
	if v, ok := e.ctx.Private[name]; ok {
		return v
	}
	if name == "self" {
		// Jinja binds self, in every template that names it, to the
		// template's blocks (TemplateReference)
		if ts := tplStateOf(e.ctx); ts != nil {
			return ts.selfRef(nil)
		}
	}
	if v, ok := e.ctx.Public[name]; ok {
		return v
	}
	if v, ok := e.rs.vars[name]; ok {
		return e.rs.varValue(name, v)
	}
	if f, ok := globalFuncs[name]; ok {
		return f
	}
	return undefName(name)
}

func (e *env) eval(n node) (any, error) {
	switch x := n.(type) {
	case *litNode:
		return x.v, nil
	case *nameNode:
		v := e.lookup(x.name)
		if u, ok := v.(Undefined); ok {
			u.Line = x.line
			return u, nil
		}
		return v, nil
	case *attrNode:
		v, err := e.evalDefined(x.x, x.line)
		if err != nil {
			return nil, err
		}
		if fp, ok := v.(funcPrefix); ok {
			// salt.cp.list_master(): a tree function, as salt['cp.list_master'].
			if f := e.treeFunc(fp.m, fp.prefix+"."+x.name); f != nil {
				return f, nil
			}
		}
		r := getAttr(v, x.name)
		if u, ok := r.(Undefined); ok && u.Line == 0 {
			u.Line = x.line
			return u, nil
		}
		return r, nil
	case *itemNode:
		v, err := e.evalDefined(x.x, x.line)
		if err != nil {
			return nil, err
		}
		k, err := e.eval(x.key)
		if err != nil {
			return nil, err
		}
		// A tree function wins over the salt dictionary's entry of the
		// same name: that one is the host's execution function (or a
		// stub saying it cannot run while rendering), which cannot reach
		// the render's own state tree.
		if f := e.treeFunc(v, k); f != nil {
			return f, nil
		}
		r, err := getItem(v, k)
		if u, ok := r.(Undefined); ok {
			if u.Line == 0 {
				u.Line = x.line
				return u, nil
			}
		}
		return r, lineErr(err, x.line)
	case *sliceNode:
		return e.evalSlice(x)
	case *callNode:
		return e.evalCall(x)
	case *filterNode:
		return e.evalFilter(x)
	case *testNode:
		return e.evalTest(x)
	case *binNode:
		return e.evalBin(x)
	case *unNode:
		v, err := e.eval(x.x)
		if err != nil {
			return nil, err
		}
		switch x.op {
		case "not":
			t, err := truthOf(x.x, v)
			return !t, lineErr(err, x.line)
		case "-":
			// -x, not 0 - x, which would make -0.0 into 0.0.
			if f, ok := normalize(v).(float64); ok {
				return -f, nil
			}
			r, err := arith("-", 0, v)
			return r, lineErr(err, x.line)
		default:
			r, err := arith("+", 0, v)
			return r, lineErr(err, x.line)
		}
	case *cmpNode:
		return e.evalCompare(x)
	case *condNode:
		c, err := e.eval(x.cond)
		if err != nil {
			return nil, err
		}
		t, err := truthOf(x.cond, c)
		if err != nil {
			return nil, err
		}
		if t {
			return e.eval(x.a)
		}
		if x.b == nil {
			return Undefined{Hint: "the inline if-expression evaluated to false and no else section was defined", Soft: true}, nil
		}
		return e.eval(x.b)
	case *listNode:
		items, err := e.evalList(x.items)
		if err != nil {
			return nil, err
		}
		return &List{items: items}, nil
	case *tupleNode:
		items, err := e.evalList(x.items)
		return tuple(items), err
	case *dictNode:
		m := newDict(len(x.keys))
		for i := range x.keys {
			k, err := e.eval(x.keys[i])
			if err != nil {
				return nil, err
			}
			if u, ok := k.(Undefined); ok {
				return nil, u.err()
			}
			v, err := e.eval(x.vals[i])
			if err != nil {
				return nil, err
			}
			dictSet(m, k, v)
		}
		return m, nil
	case *concatNode:
		var b strings.Builder
		for _, xn := range x.xs {
			v, err := e.eval(xn)
			if err != nil {
				return nil, err
			}
			s, err := toStr(v)
			if err != nil {
				return nil, lineErr(err, x.line)
			}
			b.WriteString(s)
		}
		return b.String(), nil
	}
	return nil, fmt.Errorf("unknown expression %T", n)
}

// evalDefined evaluates n and refuses an undefined result, as
// StrictUndefined does on attribute and item access.
func (e *env) evalDefined(n node, line int) (any, error) {
	v, err := e.eval(n)
	if err != nil {
		return nil, err
	}
	if u, ok := v.(Undefined); ok {
		return nil, lineErr(u.err(), line)
	}
	return v, nil
}

func (e *env) evalList(ns []node) ([]any, error) {
	out := make([]any, len(ns))
	for i, n := range ns {
		v, err := e.eval(n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// lineErr tags an error with the line of the node that failed, keeping
// the innermost line when one is already set.
func lineErr(err error, line int) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*exprError); ok {
		return err
	}
	if _, ok := err.(*Error); ok {
		return err
	}
	if _, ok := err.(loopCtl); ok {
		return err
	}
	return &exprError{line: line, msg: err.Error(), cause: err}
}

func getAttr(v any, name string) any {
	switch x := v.(type) {
	case *odict.Map:
		if r, ok := x.Get(name); ok {
			return r
		}
	case *Namespace:
		if r, ok := x.attrs[name]; ok {
			return r
		}
	case *module:
		if r, ok := x.vars[name]; ok {
			return r
		}
	case *loopInfo:
		return x.attr(name)
	case *Macro:
		// Jinja's Macro object: its name (None for a call block's body)
		// and its parameter names.
		switch name {
		case "name":
			if x.isCaller {
				return nil
			}
			return x.name
		case "catch_varargs", "catch_kwargs", "caller":
			// whether a call may pass extra arguments, keyword arguments
			// or a call block: whether the body reads the name.
			if x.st != nil {
				return x.st.uses&map[string]uint8{"catch_varargs": usesVarargs, "catch_kwargs": usesKwargs, "caller": usesCaller}[name] != 0
			}
		case "arguments":
			if x.st != nil {
				args := make(tuple, len(x.st.params))
				for i, p := range x.st.params {
					args[i] = p
				}
				return args
			}
		}
	case map[string]Func:
		if f, ok := x[name]; ok {
			return f
		}
		return funcPrefix{m: x, prefix: name}
	case *cycler:
		if name == "current" {
			return x.items[x.pos]
		}
	case grouped:
		switch name {
		case "grouper":
			return x[0]
		case "list":
			return x[1]
		}
	case funcPrefix:
		if f, ok := x.m[x.prefix+"."+name]; ok {
			return f
		}
	default:
		if m, ok := normalize(v).(*odict.Map); ok {
			if r, ok := m.Get(name); ok {
				return r
			}
		}
	}
	return undefAttr(v, name)
}

// funcPrefix lets salt.pillar.get(...) work as salt['pillar.get'](...).
type funcPrefix struct {
	m      map[string]Func
	prefix string
}

func getItem(v, k any) (any, error) {
	if u, ok := k.(Undefined); ok {
		return nil, u.err()
	}
	switch x := v.(type) {
	case *odict.Map:
		if r, ok := dictLookup(x, k); ok {
			return r, nil
		}
		return Undefined{Hint: fmt.Sprintf("'dict object' has no attribute %s", reprOr(k))}, nil
	case dictView:
		return x.item(k)
	case map[string]Func:
		if f, ok := x[keyString(k)]; ok {
			return f, nil
		}
		return Undefined{Hint: fmt.Sprintf("function %s is not available", reprOr(k))}, nil
	case *Namespace, *module, *loopInfo, grouped:
		// A groupby item is a namedtuple: ['grouper'] fails as an index,
		// and Jinja's getitem then reads the attribute.
		if s, ok := k.(string); ok {
			return getAttr(v, s), nil
		}
	}
	switch x := normalize(v).(type) {
	case []any:
		i, _, isFloat, ok := toNum(k)
		if !ok || isFloat {
			return nil, fmt.Errorf("list indices must be integers, not %s", typeName(k))
		}
		if i < 0 {
			i += len(x)
		}
		if i < 0 || i >= len(x) {
			return Undefined{Hint: fmt.Sprintf("list object has no element %v", k)}, nil
		}
		return x[i], nil
	case string:
		i, _, isFloat, ok := toNum(k)
		if !ok || isFloat {
			return nil, fmt.Errorf("string indices must be integers")
		}
		r := []rune(x)
		if i < 0 {
			i += len(r)
		}
		if i < 0 || i >= len(r) {
			return Undefined{Hint: "string index out of range"}, nil
		}
		return string(r[i]), nil
	case pyBytes:
		// bytes[i] is the byte's value, an int, in Python 3.
		i, _, isFloat, ok := toNum(k)
		if !ok || isFloat {
			return nil, fmt.Errorf("byte indices must be integers or slices, not %s", typeName(k))
		}
		if i < 0 {
			i += len(x)
		}
		if i < 0 || i >= len(x) {
			return Undefined{Hint: "index out of range"}, nil
		}
		return int(x[i]), nil
	case *odict.Map:
		if r, ok := dictLookup(x, k); ok {
			return r, nil
		}
		return Undefined{Hint: fmt.Sprintf("'dict object' has no attribute %s", reprOr(k))}, nil
	}
	if s, ok := k.(string); ok {
		return getAttr(v, s), nil
	}
	return Undefined{Hint: fmt.Sprintf("'%s' object has no element %s", typeName(v), reprOr(k))}, nil
}

func reprOr(v any) string {
	s, err := repr(v)
	if err != nil {
		return "?"
	}
	return s
}

func (e *env) evalSlice(x *sliceNode) (any, error) {
	v, err := e.evalDefined(x.x, x.line)
	if err != nil {
		return nil, err
	}
	var idx [3]*int
	for i, n := range []node{x.lo, x.hi, x.step} {
		if n == nil {
			continue
		}
		iv, err := e.eval(n)
		if err != nil {
			return nil, err
		}
		if iv == nil {
			continue
		}
		k, _, isFloat, ok := toNum(iv)
		if !ok || isFloat {
			return nil, lineErr(fmt.Errorf("slice indices must be integers"), x.line)
		}
		idx[i] = &k
	}
	var items []any
	s, isStr := normalize(v).(string)
	if isStr {
		for _, r := range s {
			items = append(items, string(r))
		}
	} else if l, ok := normalize(v).([]any); ok {
		items = l
	} else if b, ok := normalize(v).(pyBytes); ok {
		items, _ = iterate(b)
	} else {
		return nil, lineErr(fmt.Errorf("'%s' object is not subscriptable", typeName(v)), x.line)
	}
	out, err := sliceItems(items, idx)
	if err != nil {
		return nil, lineErr(err, x.line)
	}
	if _, isBytes := normalize(v).(pyBytes); isBytes {
		// A slice of bytes is bytes.
		buf := make([]byte, len(out))
		for i, c := range out {
			buf[i] = byte(c.(int))
		}
		return pyBytes(buf), nil
	}
	if isStr {
		var b strings.Builder
		for _, c := range out {
			b.WriteString(c.(string))
		}
		return b.String(), nil
	}
	if _, isTuple := v.(tuple); isTuple {
		return tuple(out), nil
	}
	return out, nil
}

func sliceItems(items []any, idx [3]*int) ([]any, error) {
	n := len(items)
	step := 1
	if idx[2] != nil {
		step = *idx[2]
	}
	if step == 0 {
		return nil, fmt.Errorf("slice step cannot be zero")
	}
	clamp := func(p *int, def int) int {
		if p == nil {
			return def
		}
		i := *p
		if i < 0 {
			i += n
		}
		lo, hi := 0, n
		if step < 0 {
			lo, hi = -1, n-1
		}
		return max(lo, min(i, hi))
	}
	out := []any{}
	if step > 0 {
		for i := clamp(idx[0], 0); i < clamp(idx[1], n); i += step {
			out = append(out, items[i])
		}
	} else {
		for i := clamp(idx[0], n-1); i > clamp(idx[1], -1); i += step {
			out = append(out, items[i])
		}
	}
	return out, nil
}

func (e *env) evalArgs(args []node, kwargs []kwarg, star, dstar node) ([]any, map[string]any, error) {
	pos, err := e.evalList(args)
	if err != nil {
		return nil, nil, err
	}
	if star != nil {
		sv, err := e.eval(star)
		if err != nil {
			return nil, nil, err
		}
		more, err := iterate(sv)
		if err != nil {
			return nil, nil, err
		}
		pos = append(pos, more...)
	}
	var kw map[string]any
	var order []string
	if len(kwargs) > 0 || dstar != nil {
		kw = make(map[string]any, len(kwargs))
		order = make([]string, 0, len(kwargs))
	}
	for _, k := range kwargs {
		v, err := e.eval(k.v)
		if err != nil {
			return nil, nil, err
		}
		kw[k.name] = v
		order = append(order, k.name)
	}
	if dstar != nil {
		dv, err := e.eval(dstar)
		if err != nil {
			return nil, nil, err
		}
		m, ok := normalize(dv).(*odict.Map)
		if !ok {
			return nil, nil, fmt.Errorf("argument after ** must be a mapping, not %s", typeName(dv))
		}
		for k, v := range m.All() {
			kw[k] = v
			order = append(order, k)
		}
	}
	e.rs.kwOrder = order
	return pos, kw, nil
}

func (e *env) evalCall(c *callNode) (any, error) {
	if a, ok := c.fn.(*attrNode); ok {
		recv, err := e.evalDefined(a.x, a.line)
		if err != nil {
			return nil, err
		}
		switch recv.(type) {
		case *odict.Map, map[string]Func, []any, *List, string:
		default:
			// Other Go maps and slices (map[any]any, []string) get the
			// methods of their Jinja counterparts, on a copy.
			recv = normalize(recv)
		}
		if hasMethod(recv, a.name) {
			args, kw, err := e.evalArgs(c.args, c.kwargs, c.star, c.dstar)
			if err != nil {
				return nil, err
			}
			r, err := e.callMethod(a.x, recv, a.name, args, kw)
			return r, lineErr(err, c.line)
		}
		fn := getAttr(recv, a.name)
		if fp, ok := recv.(funcPrefix); ok {
			if f := e.treeFunc(fp.m, fp.prefix+"."+a.name); f != nil {
				fn = f
			}
		}
		return e.callValue(fn, c)
	}
	fn, err := e.eval(c.fn)
	if err != nil {
		return nil, err
	}
	return e.callValue(fn, c)
}

func (e *env) callValue(fn any, c *callNode) (any, error) {
	if u, ok := fn.(Undefined); ok {
		return nil, lineErr(u.err(), c.line)
	}
	args, kw, err := e.evalArgs(c.args, c.kwargs, c.star, c.dstar)
	if err != nil {
		return nil, err
	}
	r, err := e.call(fn, args, kw)
	return r, lineErr(err, c.line)
}

func (e *env) call(fn any, args []any, kw map[string]any) (any, error) {
	switch f := fn.(type) {
	case Func:
		for i, a := range args {
			args[i] = plain(a, 0)
		}
		for k, v := range kw {
			kw[k] = plain(v, 0)
		}
		if kw == nil {
			kw = map[string]any{}
		}
		// What Go code returns is made this package's values: its
		// maps become dicts (sorted), so that a template may change
		// them and loop over them like any other.
		r, err := f(args, kw)
		return fromGo(r, 0), err
	case builtinFunc:
		return f(e, args, kw)
	case *Macro:
		return f.call(e, args, kw)
	case *loopInfo:
		if f.recurse == nil || len(args) != 1 {
			return nil, fmt.Errorf("the loop is not recursive: write `for … recursive` to call loop(…)")
		}
		return f.recurse(args[0])
	case func(args []any, kwargs map[string]any) (any, error):
		return e.call(Func(f), args, kw)
	}
	return nil, fmt.Errorf("'%s' object is not callable", typeName(fn))
}

// plain unboxes Lists, in place, before a value leaves the template for
// a Go function, so callees see only []any and *odict.Map.
func plain(v any, depth int) any {
	if depth > 100 {
		return v
	}
	switch x := v.(type) {
	case *List:
		for i, e := range x.items {
			x.items[i] = plain(e, depth+1)
		}
		return x.items
	case []any:
		for i, e := range x {
			x[i] = plain(e, depth+1)
		}
		return x
	case *odict.Map:
		for k, e := range x.All() {
			if p := plain(e, depth+1); !sameRef(p, e) {
				x.Set(k, p)
			}
		}
		return x
	}
	return v
}

func sameRef(a, b any) bool {
	_, al := a.(*List)
	_, bl := b.(*List)
	return al == bl
}

func (e *env) evalBin(b *binNode) (any, error) {
	l, err := e.eval(b.l)
	if err != nil {
		return nil, err
	}
	switch b.op {
	case "and", "or":
		t, err := truthOf(b.l, l)
		if err != nil {
			return nil, lineErr(err, b.line)
		}
		if t == (b.op == "or") {
			return l, nil
		}
		return e.eval(b.r)
	}
	r, err := e.eval(b.r)
	if err != nil {
		return nil, err
	}
	v, err := arith(b.op, l, r)
	return v, lineErr(err, b.line)
}
