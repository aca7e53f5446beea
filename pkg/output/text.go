package output

import (
	"sort"
	"strings"
)

// textOutput is a document, {minion: data} for a return, through one of
// Salt's plain text outputters:
//
//   - txt (salt/output/txt.py): "key: line" for each line of a string,
//     "key: value" for anything else, as Python's str() writes it;
//   - newline_values_only (salt/output/newline_values_only.py): the values
//     alone, a list one item per line, for scripts that want values and no
//     ids;
//   - no_return (salt/output/no_return.py): nested strings and mappings,
//     keys sorted; other values print nothing.
//
// Values are in their data form (see dataForm). Strings are escaped here:
// txt and no_return as one line each, newline_values_only keeping the
// newlines of a multi-line value.
func textOutput(out string, doc OrderedMap, color bool) string {
	var b strings.Builder
	switch out {
	case OutTxt:
		for _, kv := range doc {
			key := Safe(kv.Key)
			v := normalize(kv.Value)
			if s, ok := v.(string); ok {
				for _, l := range splitLines(s) {
					b.WriteString(key + ": " + escape(l, lineOfText) + "\n")
				}
				continue
			}
			b.WriteString(key + ": " + pyStr(v) + "\n")
		}
	case OutNewlineValuesOnly:
		var vals []string
		for _, kv := range doc {
			v := normalize(kv.Value)
			if l, ok := v.([]any); ok {
				for _, e := range l {
					vals = append(vals, pyStr(e))
				}
				continue
			}
			vals = append(vals, pyStr(v))
		}
		b.WriteString(strings.Join(vals, "\n"))
	case OutNoReturn:
		noReturn(&b, colors(color), normalize(doc), 0)
	}
	return b.String()
}

// pyStr is Python's str() of a value, escaped for a terminal: a string as
// itself (its newlines kept), anything else as its repr, which escapes
// what it holds.
func pyStr(v any) string {
	if s, ok := v.(string); ok {
		return SafeText(s)
	}
	return PyRepr(v)
}

// noReturn is salt/output/no_return.py's NestDisplay: strings in red, one
// line per "\n", keys in cyan, sorted, their values four spaces in.
func noReturn(b *strings.Builder, c palette, v any, indent int) {
	pad := strings.Repeat(" ", indent)
	mapping := func(keys []string, get func(string) any) {
		sort.Strings(keys)
		for _, k := range keys {
			b.WriteString(c.Cyan + pad + escape(k, lineOfText) + c.EndC + ":\n")
			noReturn(b, c, get(k), indent+4)
		}
	}
	switch t := v.(type) {
	case string:
		for _, l := range strings.Split(strings.ReplaceAll(t, "\r\n", "\n"), "\n") {
			b.WriteString(c.Red + pad + escape(l, lineOfText) + c.EndC + "\n")
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		mapping(keys, func(k string) any { return t[k] })
	case OrderedDict:
		noReturn(b, c, OrderedMap(t), indent)
	case OrderedMap:
		keys := make([]string, 0, len(t))
		vals := make(map[string]any, len(t))
		for _, kv := range t {
			keys = append(keys, kv.Key)
			vals[kv.Key] = kv.Value
		}
		mapping(keys, func(k string) any { return vals[k] })
	}
}
