package pillar

import (
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

// include is one entry of a pillar SLS's include list: an SLS name (a
// glob matches every pillar SLS of the environment, as Salt's
// fnmatch.filter over its list of states), and, in the mapping form
// `- name: {defaults: {...}, key: a:b}`, the variables the included file
// is rendered with and the key its data is nested under.
type include struct {
	name     string
	isMap    bool // the mapping form, whose defaults Salt keeps for the includes after it
	defaults map[string]any
	key      string
}

func includeItem(file string, v any) (include, error) {
	switch t := v.(type) {
	case string:
		return include{name: t}, nil
	case *odict.Map:
		keys := t.Keys()
		if len(keys) == 0 {
			break
		}
		it := include{name: keys[0], isMap: true}
		opts, _ := t.Get(keys[0])
		switch o := opts.(type) {
		case nil:
		case *odict.Map:
			if d, ok := o.Get("defaults"); ok {
				dm, isMap := d.(*odict.Map)
				if !isMap && d != nil {
					return include{}, fmt.Errorf("pillar %s: include %s: defaults: want a mapping, got %v", file, it.name, d)
				}
				if dm != nil {
					it.defaults = dm.PlainMap()
				}
			}
			if k, ok := o.Get("key"); ok && k != nil {
				ks, isStr := k.(string)
				if !isStr {
					return include{}, fmt.Errorf("pillar %s: include %s: key: want a string such as a:b, got %v", file, it.name, k)
				}
				it.key = ks
			}
		default:
			return include{}, fmt.Errorf("pillar %s: include %s: want {defaults: …, key: …}, got %v", file, it.name, opts)
		}
		return it, nil
	}
	return include{}, fmt.Errorf("pillar %s: include: want an SLS name or {name: {defaults: …, key: …}}, got %v", file, v)
}

// nestUnder puts data under the key a:b as {a: {b: data}}, as Salt does.
func nestUnder(key string, data *odict.Map) *odict.Map {
	parts := strings.Split(key, ":")
	var v any = data
	for i := len(parts) - 1; i >= 0; i-- {
		m := odict.New(1)
		m.Set(parts[i], v)
		v = m
	}
	return v.(*odict.Map)
}
