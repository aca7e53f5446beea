package jinja

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// The xml filter: Salt's SerializerExtension.format_xml, which builds an
// ElementTree from the data (a dict's scalar values become attributes,
// its dict and list values child elements, a scalar the text) and prints
// it through minidom's toprettyxml(indent=" ").

type xmlElem struct {
	tag      string
	attrs    []([2]string)
	text     *string
	children []*xmlElem
}

type xmlPair struct {
	tag   string
	attrs any
}

// xmlNormalize is format_xml's normalize_iter: a dict's items, a list
// whose first item is text as it is (each item a pair), any other list
// nothing.
func xmlNormalize(v any) ([]any, error) {
	switch x := normalize(v).(type) {
	case []any:
		if len(x) == 0 {
			return nil, fmt.Errorf("list index out of range")
		}
		if _, isStr := normalize(x[0]).(string); isStr {
			return x, nil
		}
		return nil, nil
	case *odict.Map:
		out := make([]any, 0, x.Len())
		for k, it := range x.All() {
			out = append(out, tuple{k, it})
		}
		return out, nil
	}
	return nil, fmt.Errorf("Value is not a dict or list. Cannot render as XML")
}

// xmlUnpack is `tag, attrs = item`.
func xmlUnpack(item any) (xmlPair, error) {
	var parts []any
	switch x := normalize(item).(type) {
	case string:
		for _, r := range x {
			parts = append(parts, string(r))
		}
	case []any:
		parts = x
	default:
		return xmlPair{}, fmt.Errorf("cannot unpack non-iterable %s object", typeName(item))
	}
	if len(parts) != 2 {
		return xmlPair{}, fmt.Errorf("expected 2 values to unpack, got %d", len(parts))
	}
	tag, ok := normalize(parts[0]).(string)
	if !ok {
		return xmlPair{}, fmt.Errorf("cannot serialize %s (type %s)", reprOr(parts[0]), typeName(parts[0]))
	}
	return xmlPair{tag: tag, attrs: parts[1]}, nil
}

// itemAt is item[1] as format_xml's filter reads it.
func itemAt1(item any) (any, error) {
	switch x := normalize(item).(type) {
	case string:
		rs := []rune(x)
		if len(rs) < 2 {
			return nil, fmt.Errorf("string index out of range")
		}
		return string(rs[1]), nil
	case []any:
		if len(x) < 2 {
			return nil, fmt.Errorf("tuple index out of range")
		}
		return x[1], nil
	}
	return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(item))
}

func xmlScalarText(v any) (string, bool) {
	switch x := normalize(v).(type) {
	case string:
		return x, true
	case bool, int:
		s, _ := toStr(x)
		return s, true
	case float64:
		return pyfmt.Float(x), true
	}
	return "", false
}

func isXMLContainer(v any) bool {
	switch normalize(v).(type) {
	case []any, *odict.Map:
		_, isTuple := v.(tuple)
		return !isTuple
	}
	return false
}

// xmlRecurse is format_xml's recurse_tree.
func xmlRecurse(items []xmlPair, parent *xmlElem, depth int) (*xmlElem, error) {
	if depth > maxNesting {
		return nil, fmt.Errorf("xml: nested more than %d deep", maxNesting)
	}
	var sub *xmlElem
	for _, it := range items {
		// a list (not a tuple) is one element per item, under the parent
		switch l := it.attrs.(type) {
		case []any, *List:
			for _, a := range normalize(l).([]any) {
				if _, err := xmlRecurse([]xmlPair{{it.tag, a}}, parent, depth+1); err != nil {
					return nil, err
				}
			}
		default:
			sub = &xmlElem{tag: it.tag}
			if parent != nil {
				parent.children = append(parent.children, sub)
			}
		}
		if t, ok := xmlScalarText(it.attrs); ok {
			if sub == nil {
				return nil, fmt.Errorf("'NoneType' object has no attribute 'text'")
			}
			sub.text = &t
			continue
		}
		if m, isMap := normalize(it.attrs).(*odict.Map); isMap {
			if sub == nil {
				return nil, fmt.Errorf("'NoneType' object has no attribute 'attrib'")
			}
			sub.attrs = nil
			for k, v := range m.All() {
				if isXMLContainer(v) {
					continue
				}
				s, err := toStr(v)
				if err != nil {
					return nil, err
				}
				sub.attrs = append(sub.attrs, [2]string{k, s})
			}
		}
		kids, err := xmlNormalize(it.attrs)
		if err != nil {
			return nil, err
		}
		for _, k := range kids {
			v1, err := itemAt1(k)
			if err != nil {
				return nil, err
			}
			if !isXMLContainer(v1) {
				continue
			}
			p, err := xmlUnpack(k)
			if err != nil {
				return nil, err
			}
			if _, err := xmlRecurse([]xmlPair{p}, sub, depth+1); err != nil {
				return nil, err
			}
		}
	}
	return sub, nil
}

func fXML(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	items, err := xmlNormalize(v)
	if err != nil {
		return nil, err
	}
	pairs := make([]xmlPair, 0, len(items))
	for _, it := range items {
		p, err := xmlUnpack(it)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, p)
	}
	root, err := xmlRecurse(pairs, nil, 0)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, fmt.Errorf("'NoneType' object has no attribute 'iter'")
	}
	var b strings.Builder
	b.WriteString("<?xml version=\"1.0\" ?>\n")
	if err := writeXML(&b, root, ""); err != nil {
		return nil, err
	}
	return b.String(), nil
}

// xmlName checks a tag or attribute name as expat reads one.
func xmlName(s string) error {
	for i, r := range s {
		ok := unicode.IsLetter(r) || r == '_' || r == ':'
		if i > 0 {
			ok = ok || unicode.IsDigit(r) || r == '-' || r == '.' || unicode.Is(unicode.Mn, r)
		}
		if !ok {
			return fmt.Errorf("not well-formed (invalid token): %s", strconv.Quote(s))
		}
	}
	if s == "" {
		return fmt.Errorf("not well-formed (invalid token): empty name")
	}
	return nil
}

// xmlChars refuses what XML 1.0 cannot hold, as expat does on reading
// ElementTree's output back.
func xmlChars(s string) error {
	for _, r := range s {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xfffe || r == 0xffff {
			return fmt.Errorf("not well-formed (invalid token)")
		}
	}
	return nil
}

// minidomEscape is minidom's _write_data.
var minidomEscape = strings.NewReplacer("&", "&amp;", "<", "&lt;", "\"", "&quot;", ">", "&gt;")

// writeXML is minidom's Element.writexml with addindent " ".
func writeXML(b *strings.Builder, e *xmlElem, indent string) error {
	if err := xmlName(e.tag); err != nil {
		return err
	}
	b.WriteString(indent + "<" + e.tag)
	seen := map[string]bool{}
	for _, a := range e.attrs {
		if err := xmlName(a[0]); err != nil {
			return err
		}
		if seen[a[0]] {
			return fmt.Errorf("duplicate attribute")
		}
		seen[a[0]] = true
		if err := xmlChars(a[1]); err != nil {
			return err
		}
		b.WriteString(" " + a[0] + "=\"" + minidomEscape.Replace(a[1]) + "\"")
	}
	switch {
	case e.text != nil && *e.text != "":
		if err := xmlChars(*e.text); err != nil {
			return err
		}
		// expat turns \r\n and \r into \n in text
		t := strings.ReplaceAll(strings.ReplaceAll(*e.text, "\r\n", "\n"), "\r", "\n")
		b.WriteString(">" + minidomEscape.Replace(t) + "</" + e.tag + ">\n")
	case len(e.children) > 0:
		b.WriteString(">\n")
		for _, c := range e.children {
			if err := writeXML(b, c, indent+" "); err != nil {
				return err
			}
		}
		b.WriteString(indent + "</" + e.tag + ">\n")
	default:
		b.WriteString("/>\n")
	}
	return nil
}
