package jinja

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

var dictMethods = map[string]bool{"items": true, "keys": true, "values": true, "get": true, "update": true,
	"setdefault": true, "pop": true, "copy": true, "clear": true}

var listMethods = map[string]bool{"append": true, "extend": true, "pop": true, "insert": true, "remove": true,
	"index": true, "count": true, "sort": true, "reverse": true, "copy": true, "clear": true}

var strMethods = map[string]bool{"split": true, "rsplit": true, "startswith": true, "endswith": true, "upper": true,
	"lower": true, "strip": true, "lstrip": true, "rstrip": true, "replace": true, "format": true, "join": true,
	"title": true, "capitalize": true, "find": true, "rfind": true, "index": true, "count": true, "isdigit": true,
	"isalpha": true, "isalnum": true, "isspace": true, "islower": true, "isupper": true, "splitlines": true,
	"zfill": true, "ljust": true, "rjust": true, "center": true, "partition": true, "rpartition": true,
	"swapcase": true, "casefold": true, "isnumeric": true, "isdecimal": true, "encode": true,
	"removeprefix": true, "removesuffix": true, "istitle": true, "expandtabs": true, "rindex": true}

func hasMethod(recv any, name string) bool {
	switch x := recv.(type) {
	case *odict.Map:
		return dictMethods[name]
	case *List, []any:
		return listMethods[name]
	case string:
		return strMethods[name]
	case pyBytes:
		return name == "decode"
	case *cycler:
		return name == "next" || name == "reset"
	case map[string]Func:
		_, isFunc := x[name]
		return dictMethods[name] && !isFunc && name != "get"
	}
	return false
}

func (e *env) callMethod(recvNode node, recv any, name string, args []any, kw map[string]any) (any, error) {
	switch x := recv.(type) {
	case *odict.Map:
		return e.dictMethod(recvNode, x, name, args, kw)
	case map[string]Func:
		m := newDict(len(x))
		for _, k := range sortedKeys(x) {
			m.Set(k, x[k])
		}
		return e.dictMethod(recvNode, m, name, args, kw)
	case *List:
		return listMethod(x, name, args, kw)
	case []any:
		l := &List{items: x}
		r, err := listMethod(l, name, args, kw)
		if err == nil && isMutator(name) {
			e.writeBack(recvNode, l)
		}
		return r, err
	case string:
		return strMethod(x, name, args, kw)
	case pyBytes:
		return bytesMethod(x, name, args, kw)
	case *cycler:
		return x.method(name)
	}
	return nil, fmt.Errorf("'%s' object has no attribute '%s'", typeName(recv), name)
}

func isMutator(name string) bool {
	switch name {
	case "append", "extend", "pop", "insert", "remove", "sort", "reverse", "clear":
		return true
	}
	return false
}

// writeBack stores a list that was boxed on its first mutation back where
// it came from, so later reads see the same List.
func (e *env) writeBack(n node, v any) {
	switch x := n.(type) {
	case *nameNode:
		e.ctx.Private[x.name] = v
	case *attrNode:
		c, err := e.eval(x.x)
		if err != nil {
			return
		}
		switch m := c.(type) {
		case *odict.Map:
			m.Set(x.name, v)
		case *Namespace:
			m.attrs[x.name] = v
		}
	case *itemNode:
		c, err := e.eval(x.x)
		if err != nil {
			return
		}
		k, err := e.eval(x.key)
		if err != nil {
			return
		}
		switch m := c.(type) {
		case *odict.Map:
			dictSet(m, k, v)
		case *List:
			if i, _, isF, ok := toNum(k); ok && !isF && i >= 0 && i < len(m.items) {
				m.items[i] = v
			}
		}
	case *callNode:
		a, ok := x.fn.(*attrNode)
		if !ok || (a.name != "setdefault" && a.name != "get") || len(x.args) == 0 {
			return
		}
		c, err := e.eval(a.x)
		if err != nil {
			return
		}
		m, ok := c.(*odict.Map)
		if !ok {
			return
		}
		k, err := e.eval(x.args[0])
		if err != nil {
			return
		}
		if _, ok := dictLookup(m, k); ok {
			dictSet(m, k, v)
		}
	}
}

func argOr(args []any, i int, def any) any {
	if i < len(args) {
		return args[i]
	}
	return def
}

// nestedGet reads "a:b:c" the way Salt's traverse_dict_and_list does.
func nestedGet(data any, key, delim string) (any, bool) {
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch c := normalize(cur).(type) {
		case *odict.Map:
			v, ok := c.Get(part)
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			v, ok := listStep(c, part)
			if !ok {
				return nil, false
			}
			cur = v
		default:
			return nil, false
		}
	}
	return cur, true
}

// listStep is one step of Salt's traverse_dict_and_list into a list: a
// number indexes it (negative from its end, as Python's), anything else
// is looked up in the first of its dicts that has it (a list of
// one-key mappings, as YAML often gives).
func listStep(l []any, part string) (any, bool) {
	if i, err := strconv.Atoi(part); err == nil {
		if i < 0 {
			i += len(l)
		}
		if i < 0 || i >= len(l) {
			return nil, false
		}
		return l[i], true
	}
	for _, x := range l {
		if m, ok := normalize(x).(*odict.Map); ok {
			if v, ok := m.Get(part); ok {
				return v, true
			}
		}
	}
	return nil, false
}

func (e *env) dictMethod(recvNode node, m *odict.Map, name string, args []any, kw map[string]any) (any, error) {
	switch name {
	case "items":
		out := make([]any, 0, m.Len())
		for k, v := range m.All() {
			out = append(out, tuple{dictKey(m, k), v})
		}
		return dictView{"dict_items", out}, nil
	case "keys":
		return dictView{"dict_keys", dictKeys(m)}, nil
	case "values":
		out := make([]any, 0, m.Len())
		for _, v := range m.All() {
			out = append(out, v)
		}
		return dictView{"dict_values", out}, nil
	case "get":
		// Python's dict.get, as Salt's templates have it for pillar and
		// grains too: 'a:b' is one key, not a path (salt['pillar.get']
		// walks paths), and it takes no keyword arguments.
		if len(kw) > 0 {
			return nil, fmt.Errorf("dict.get() takes no keyword arguments")
		}
		if len(args) == 0 || len(args) > 2 {
			return nil, fmt.Errorf("get expected 1 or 2 arguments, got %d", len(args))
		}
		if v, ok := dictLookup(m, args[0]); ok {
			return v, nil
		}
		return argOr(args, 1, nil), nil
	case "update":
		for _, a := range args {
			switch o := normalize(a).(type) {
			case *odict.Map:
				for _, k := range o.Keys() {
					v, _ := o.Get(k)
					m.Set(k, v)
					m.CopyKind(k, o)
				}
			case []any:
				for _, p := range o {
					pair, ok := normalize(p).([]any)
					if !ok || len(pair) != 2 {
						return nil, fmt.Errorf("dictionary update sequence element has wrong length")
					}
					dictSet(m, pair[0], pair[1])
				}
			default:
				return nil, fmt.Errorf("'%s' object is not iterable", typeName(a))
			}
		}
		for _, k := range e.kwKeys(kw) {
			m.Set(k, kw[k])
		}
		return nil, nil
	case "setdefault":
		if len(args) == 0 {
			return nil, fmt.Errorf("setdefault expected at least 1 argument")
		}
		if v, ok := dictLookup(m, args[0]); ok {
			return v, nil
		}
		v := argOr(args, 1, nil)
		dictSet(m, args[0], v)
		return v, nil
	case "pop":
		if len(args) == 0 {
			return nil, fmt.Errorf("pop expected at least 1 argument")
		}
		if v, ok := dictLookup(m, args[0]); ok {
			m.Delete(keyString(args[0]))
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, fmt.Errorf("KeyError: %s", reprOr(args[0]))
	case "copy":
		return m.Clone(), nil
	case "clear":
		m.Clear()
		return nil, nil
	}
	return nil, fmt.Errorf("'dict object' has no attribute '%s'", name)
}

func listMethod(l *List, name string, args []any, kw map[string]any) (any, error) {
	switch name {
	case "append":
		if len(args) != 1 {
			return nil, fmt.Errorf("append() takes exactly one argument (%d given)", len(args))
		}
		l.items = append(l.items, args[0])
		return nil, nil
	case "extend":
		if len(args) != 1 {
			return nil, fmt.Errorf("extend() takes exactly one argument (%d given)", len(args))
		}
		more, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, more...)
		return nil, nil
	case "insert":
		if len(args) != 2 {
			return nil, fmt.Errorf("insert expected 2 arguments, got %d", len(args))
		}
		i, _, _, _ := toNum(args[0])
		if i < 0 {
			i += len(l.items)
		}
		i = max(0, min(i, len(l.items)))
		l.items = append(l.items, nil)
		copy(l.items[i+1:], l.items[i:])
		l.items[i] = args[1]
		return nil, nil
	case "pop":
		if len(l.items) == 0 {
			return nil, fmt.Errorf("pop from empty list")
		}
		i := len(l.items) - 1
		if len(args) > 0 {
			i, _, _, _ = toNum(args[0])
			if i < 0 {
				i += len(l.items)
			}
			if i < 0 || i >= len(l.items) {
				return nil, fmt.Errorf("pop index out of range")
			}
		}
		v := l.items[i]
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return v, nil
	case "index":
		// list.index(x, start, stop): the bounds are a slice's, so they
		// may be negative and are clamped to the list.
		start, stop := 0, len(l.items)
		for j, p := range []*int{&start, &stop} {
			b := argOr(args, j+1, nil)
			if b == nil {
				continue
			}
			n, _, isF, ok := toNum(b)
			if !ok || isF {
				return nil, fmt.Errorf("slice indices must be integers or have an __index__ method")
			}
			if n < 0 {
				n = max(n+len(l.items), 0)
			}
			*p = min(n, len(l.items))
		}
		for i := start; i < stop; i++ {
			if equal(l.items[i], argOr(args, 0, nil)) {
				return i, nil
			}
		}
		r, _ := repr(argOr(args, 0, nil))
		return nil, fmt.Errorf("%s is not in list", r)
	case "remove":
		for i, v := range l.items {
			if equal(v, argOr(args, 0, nil)) {
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return nil, nil
			}
		}
		return nil, fmt.Errorf("list.%s(x): x not in list", name)
	case "count":
		n := 0
		for _, v := range l.items {
			if equal(v, argOr(args, 0, nil)) {
				n++
			}
		}
		return n, nil
	case "sort":
		// Python's list.sort: keyword arguments only, strings compared
		// as they are (the sort filter is the one that ignores case).
		if len(args) > 0 {
			return nil, fmt.Errorf("sort() takes no positional arguments")
		}
		for k := range kw {
			if k != "reverse" {
				return nil, fmt.Errorf("'%s' is an invalid keyword argument for sort()", k)
			}
		}
		sorted, err := sortValues(l.items, boolArg(nil, kw, 0, "reverse", false), true, "")
		if err != nil {
			return nil, err
		}
		l.items = sorted
		return nil, nil
	case "reverse":
		for i, j := 0, len(l.items)-1; i < j; i, j = i+1, j-1 {
			l.items[i], l.items[j] = l.items[j], l.items[i]
		}
		return nil, nil
	case "copy":
		return append([]any{}, l.items...), nil
	case "clear":
		l.items = nil
		return nil, nil
	}
	return nil, fmt.Errorf("'list' object has no attribute '%s'", name)
}
