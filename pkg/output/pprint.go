package output

import (
	"math/big"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/py/pystr"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// Pprint is Salt's pprint outputter: Python's pprint.pformat of the data
// (width 80, dicts sorted by key), with indent spaces a level (Salt passes
// --out-indent; 1 otherwise). A value that fits in what is left of the
// line is written as its repr; a dict, list or string that does not is
// broken over lines as pprint breaks it.
func Pprint(v any, indent int) string {
	if indent < 0 {
		indent = 1
	}
	p := &pprinter{width: 80, perLevel: indent}
	p.format(normalize(v), 0, 0, 0)
	return p.b.String()
}

type pprinter struct {
	b        strings.Builder
	width    int
	perLevel int
}

// format is pprint's PrettyPrinter._format.
func (p *pprinter) format(v any, indent, allowance, level int) {
	rep := pprintRepr(v)
	if d, ok := v.(OrderedDict); ok {
		v = OrderedMap(d)
	}
	if utf8.RuneCountInString(rep) > p.width-indent-allowance {
		switch t := v.(type) {
		case OrderedMap:
			if len(t) > 0 {
				p.dict(pprintSorted(t), indent, allowance, level+1)
				return
			}
		case map[string]any:
			if len(t) > 0 {
				p.dict(sortedMap(t), indent, allowance, level+1)
				return
			}
		case []any:
			if len(t) > 0 {
				p.list(t, indent, allowance, level+1)
				return
			}
		case string:
			p.str(t, indent, allowance, level+1)
			return
		}
	}
	p.b.WriteString(rep)
}

// dict is _pprint_dict with _format_dict_items.
func (p *pprinter) dict(items OrderedMap, indent, allowance, level int) {
	p.b.WriteString("{")
	if p.perLevel > 1 {
		p.b.WriteString(strings.Repeat(" ", p.perLevel-1))
	}
	indent += p.perLevel
	allowance++
	for i, kv := range items {
		last := i == len(items)-1
		rep := pyfmt.Quote(kv.Key)
		p.b.WriteString(rep + ": ")
		a := 1
		if last {
			a = allowance
		}
		p.format(kv.Value, indent+utf8.RuneCountInString(rep)+2, a, level)
		if !last {
			p.b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
	}
	p.b.WriteString("}")
}

// list is _pprint_list with _format_items (not compact).
func (p *pprinter) list(items []any, indent, allowance, level int) {
	p.b.WriteString("[")
	indent += p.perLevel
	allowance++
	if p.perLevel > 1 {
		p.b.WriteString(strings.Repeat(" ", p.perLevel-1))
	}
	for i, v := range items {
		if i > 0 {
			p.b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if i == len(items)-1 {
			a = allowance
		}
		p.format(v, indent, a, level)
	}
	p.b.WriteString("]")
}

// str is _pprint_str: a string too long for the line is written as
// adjacent literals, one a line (in parentheses at the top level), cut
// after its line breaks and, where a line is still too long, after runs
// of whitespace.
func (p *pprinter) str(s string, indent, allowance, level int) {
	if s == "" {
		p.b.WriteString(pyfmt.Quote(s))
		return
	}
	var chunks []string
	lines := pystr.SplitLines(s, true)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth := p.width - indent
	maxWidth1 := maxWidth
	rep := ""
	for i, line := range lines {
		rep = pyfmt.Quote(line)
		lastLine := i == len(lines)-1
		if lastLine {
			maxWidth1 -= allowance
		}
		if utf8.RuneCountInString(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := pyWordRuns(line)
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && lastLine {
				maxWidth2 -= allowance
			}
			if utf8.RuneCountInString(pyfmt.Quote(candidate)) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, pyfmt.Quote(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, pyfmt.Quote(current))
		}
	}
	if len(chunks) == 1 {
		p.b.WriteString(rep)
		return
	}
	if level == 1 {
		p.b.WriteString("(")
	}
	for i, c := range chunks {
		if i > 0 {
			p.b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		p.b.WriteString(c)
	}
	if level == 1 {
		p.b.WriteString(")")
	}
}

// pprintRepr is pprint's _safe_repr: repr with every dict's keys sorted.
func pprintRepr(v any) string {
	switch t := v.(type) {
	case string:
		return pyfmt.Quote(t)
	case *big.Int:
		return t.String()
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = pprintRepr(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		return pprintRepr(sortedMap(t))
	case OrderedDict:
		return pprintRepr(OrderedMap(t))
	case OrderedMap:
		parts := make([]string, 0, len(t))
		for _, kv := range pprintSorted(t) {
			parts = append(parts, pyfmt.Quote(kv.Key)+": "+pprintRepr(kv.Value))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return scalarText(v)
}

// pprintSorted is a dict's items in pprint's order (sort_dicts).
func pprintSorted(m OrderedMap) OrderedMap {
	out := append(OrderedMap(nil), m...)
	// UTF-8's byte order is the code point order Python sorts by.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// pyWordRuns is re.findall(r'\S*\s*', line) without its final empty
// match: each run of non-blanks with the blanks after it.
func pyWordRuns(s string) []string {
	var out []string
	start, inSpace := 0, false
	for i, r := range s {
		sp := pyIsSpace(r)
		if !sp && inSpace {
			out = append(out, s[start:i])
			start = i
		}
		inSpace = sp
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// pyIsSpace is Python's str.isspace for one character (re's \s).
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}
