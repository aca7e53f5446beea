package output

import (
	"regexp"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

// Pformat is Python's pprint.pformat(v) (width 80, indent 1, dicts
// sorted by key), which Salt's pprint outputter (salt/output/pprint_out.py)
// prints: the repr when it fits the line, else a dict an item a line and a
// list an element a line, each indented under its opening bracket, and a
// long string cut after blanks into adjacent literals. It follows
// CPython's PrettyPrinter._format and its _pprint_dict, _pprint_list and
// _pprint_str.
func Pformat(v any) string {
	var b strings.Builder
	pp := pprinter{width: 80}
	pp.format(&b, normalize(v), 0, 0, 1)
	return b.String()
}

type pprinter struct{ width int }

// pyReprRune counts a repr's length as Python's len does: in code points.
func pyLen(s string) int { return len([]rune(s)) }

// format is PrettyPrinter._format; level counts from 1 for the object
// pformat was given.
func (p pprinter) format(b *strings.Builder, v any, indent, allowance, level int) {
	rep := PyRepr(v)
	if pyLen(rep) <= p.width-indent-allowance {
		b.WriteString(rep)
		return
	}
	switch t := v.(type) {
	case map[string]any:
		p.dict(b, sortedMap(t), indent, allowance, level)
	case OrderedMap:
		// pprint sorts a dict's keys, whatever order it holds them in.
		sorted := append(OrderedMap(nil), t...)
		sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Key < sorted[j].Key })
		p.dict(b, sorted, indent, allowance, level)
	case []any:
		b.WriteString("[")
		p.items(b, t, indent, allowance+1, level)
		b.WriteString("]")
	case string:
		p.str(b, t, indent, allowance, level)
	default:
		b.WriteString(rep)
	}
}

// dict is _pprint_dict and _format_dict_items.
func (p pprinter) dict(b *strings.Builder, m OrderedMap, indent, allowance, level int) {
	b.WriteString("{")
	indent++
	for i, kv := range m {
		last := i == len(m)-1
		rep := pyfmt.Quote(kv.Key)
		b.WriteString(rep + ": ")
		a := 1
		if last {
			a = allowance + 1
		}
		p.format(b, kv.Value, indent+pyLen(rep)+2, a, level+1)
		if !last {
			b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
	}
	b.WriteString("}")
}

// items is _format_items (not compact): an element a line.
func (p pprinter) items(b *strings.Builder, l []any, indent, allowance, level int) {
	indent++
	for i, e := range l {
		if i > 0 {
			b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if i == len(l)-1 {
			a = allowance
		}
		p.format(b, e, indent, a, level+1)
	}
}

// pyWords is re.findall(r'\S*\s*', line) without its final empty match.
var pyWords = regexp.MustCompile(`\S*\s*`)

// str is _pprint_str: each line of the string (newlines kept) a literal,
// a line too long cut between words, the literals written one under the
// other (in parentheses when the string is the whole object).
func (p pprinter) str(b *strings.Builder, s string, indent, allowance, level int) {
	if s == "" {
		b.WriteString(pyfmt.Quote(s))
		return
	}
	var chunks []string
	lines := splitLinesKeep(s)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1, maxWidth := p.width-indent, p.width-indent
	rep := ""
	for i, line := range lines {
		rep = pyfmt.Quote(line)
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if pyLen(rep) <= maxWidth1 {
			chunks = append(chunks, rep)
			continue
		}
		parts := pyWords.FindAllString(line, -1)
		// Go's FindAll, unlike Python's findall, leaves out the empty
		// match at the end: there is nothing to pop.
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if pyLen(pyfmt.Quote(candidate)) > maxWidth2 {
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
		b.WriteString(rep)
		return
	}
	if level == 1 {
		b.WriteString("(")
	}
	for i, c := range chunks {
		if i > 0 {
			b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		b.WriteString(c)
	}
	if level == 1 {
		b.WriteString(")")
	}
}

// splitLinesKeep is Python's str.splitlines(True) for the line breaks
// Python knows.
func splitLinesKeep(s string) []string {
	var out []string
	start := 0
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\n', '\v', '\f', '\x1c', '\x1d', '\x1e', '\x85', '\u2028', '\u2029':
		case '\r':
			if i+1 < len(rs) && rs[i+1] == '\n' {
				i++
			}
		default:
			continue
		}
		out = append(out, string(rs[start:i+1]))
		start = i + 1
	}
	if start < len(rs) {
		out = append(out, string(rs[start:]))
	}
	return out
}
