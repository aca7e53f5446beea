package jinja

import (
	"fmt"
	"strings"
)

// dictView is what a dict's keys(), values() and items() return in Python
// 3 (Salt 3006): dict_keys, dict_values, dict_items. It iterates, has a
// length and answers `in` like the list of its items (normalize gives
// that list), but it has no elements by index — d.keys()[0], which worked
// in Python 2, is undefined, as Jinja2's getitem makes it — and it prints
// as dict_keys([...]).
type dictView struct {
	kind  string // "dict_keys", "dict_values" or "dict_items"
	items []any
}

// item is Jinja2's getitem on a view: obj[n] raises TypeError, so the
// result is undefined ("'dict_keys object' has no element 0").
func (d dictView) item(k any) (any, error) {
	if u, ok := k.(Undefined); ok {
		return nil, u.err()
	}
	return Undefined{Hint: fmt.Sprintf("'%s object' has no element %s", d.kind, reprOr(k))}, nil
}

// writeView is the view's repr: dict_keys(['a', 'b']).
func writeView(b *strings.Builder, d dictView, depth int) error {
	b.WriteString(d.kind)
	b.WriteByte('(')
	if err := writeRepr(b, d.items, depth+1); err != nil {
		return err
	}
	b.WriteByte(')')
	return nil
}

// equal is Python's == on a view: keys and items views are sets, equal
// to a view of the same kind with the same elements in any order; a
// values view equals only itself, and no view equals a list.
func (d dictView) equal(o any, depth int) bool {
	ov, ok := o.(dictView)
	if !ok || ov.kind != d.kind || d.kind == "dict_values" || len(ov.items) != len(d.items) {
		return false
	}
	for _, e := range d.items {
		found := false
		for _, f := range ov.items {
			if equalDepth(e, f, depth+1) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
