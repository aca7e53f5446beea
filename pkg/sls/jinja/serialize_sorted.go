package jinja

import "github.com/brine-cm/brine/pkg/odict"

// sortedCopy copies v with every dict marked as a plain dict, so that
// yamlDump sorts its keys. salt.serializers.yaml (slsutil.serialize)
// represents an OrderedDict as a dict, and PyYAML's dump sorts dict keys:
// pillar and SLS data come out sorted there, unlike through the |yaml
// filter, whose SafeOrderedDumper keeps their order.
func sortedCopy(v any, depth int) any {
	if depth > 100 {
		return v
	}
	switch x := normalize(v).(type) {
	case *odict.Map:
		out := newDict(x.Len())
		for k, e := range x.All() {
			out.Set(k, sortedCopy(e, depth+1))
			out.CopyKind(k, x)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = sortedCopy(e, depth+1)
		}
		return out
	default:
		return x
	}
}
