package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

// toYAMLNode builds a yaml.v3 node; keys are sorted, as PyYAML's dump does.
// YAML collection styles: PyYAML's default_flow_style True, False and
// None (flow for collections that hold only scalars).
const (
	yamlFlow = iota
	yamlBlock
	yamlLeafFlow
)

func isLeafCollection(v any) bool {
	switch x := normalize(v).(type) {
	case []any:
		for _, e := range x {
			switch normalize(e).(type) {
			case []any, *odict.Map:
				return false
			}
		}
	case *odict.Map:
		for _, e := range x.All() {
			switch normalize(e).(type) {
			case []any, *odict.Map:
				return false
			}
		}
	}
	return true
}

// Dicts sort by key, as PyYAML's dumper sorts them, but for Python
// OrderedDicts (pillar and SLS data in Salt), which Salt's
// SafeOrderedDumper writes in their own order: the dict says which it is.
func toYAMLNode(v any, mode int, depth int) (*yaml.Node, error) {
	if depth > 100 {
		return nil, fmt.Errorf("value nested too deeply to serialize")
	}
	if d, ok := v.(dictView); ok {
		// PyYAML's SafeDumper has no representer for a view.
		return nil, fmt.Errorf("cannot represent an object: %s", reprOr(d))
	}
	var style yaml.Style
	if mode == yamlFlow || mode == yamlLeafFlow && isLeafCollection(v) {
		style = yaml.FlowStyle
	}
	switch x := normalize(v).(type) {
	case nil:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	case bool:
		val := "false"
		if x {
			val = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: val}, nil
	case int:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(x)}, nil
	case pyBigInt:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: x.n.String()}, nil
	case float64:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: pyyaml.FloatText(x)}, nil
	case string:
		n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: x}
		if !utf8.ValidString(x) {
			n.Value = strings.ToValidUTF8(x, "\uFFFD")
		}
		if yaml11Special(n.Value) {
			n.Style = yaml.SingleQuotedStyle
		}
		if mode != yamlBlock && strings.ContainsAny(n.Value, "\n\r") {
			// A block scalar would break the line the value is pasted into.
			n.Style = yaml.DoubleQuotedStyle
		}
		return n, nil
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Style: style}
		for _, e := range x {
			c, err := toYAMLNode(e, mode, depth+1)
			if err != nil {
				return nil, err
			}
			n.Content = append(n.Content, c)
		}
		return n, nil
	case *odict.Map:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Style: style}
		keys := x.Keys()
		if !x.OrderedDict() {
			// PyYAML's represent_mapping sorts, and keeps the order when
			// the keys do not compare (text and numbers mixed).
			_ = sortDictKeys(x, keys)
		}
		for _, k := range keys {
			c, err := toYAMLNode(dictGet(x, k), mode, depth+1)
			if err != nil {
				return nil, err
			}
			kn, _ := toYAMLNode(dictKey(x, k), mode, depth+1)
			n.Content = append(n.Content, kn, c)
		}
		return n, nil
	case Undefined:
		return nil, x.err()
	}
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}, nil
}

var yaml11Number = regexp.MustCompile(`^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?0x[0-9a-fA-F_]+|` +
	`[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+|[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|` +
	`[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$`)

// yaml11Special reports strings that YAML 1.1 (PyYAML, so Salt) would
// read as something else; they are single-quoted as PyYAML does.
func yaml11Special(s string) bool {
	switch strings.ToLower(s) {
	case "yes", "no", "on", "off", "true", "false", "null", "~", "", "=":
		return true
	}
	return yaml11Number.MatchString(s)
}

// yamlDump is Salt's yaml filter: PyYAML's safe_dump (pyyaml.Emit), with
// no trailing newline or document end marker.
func yamlDump(v any, mode int) (string, error) {
	n, err := toYAMLNode(v, mode, 0)
	if err != nil {
		return "", err
	}
	s := strings.TrimSuffix(pyyaml.Emit(n), "\n")
	s = strings.TrimSuffix(s, "\n...")
	return s, nil
}

// jsonDump writes JSON as Python's json.dumps does: ", " and ": "
// separators, sorted keys, optional indent.
func jsonDump(v any, indent int, sortKeys, asciiOnly, htmlSafe bool) (string, error) {
	var b strings.Builder
	if err := writeJSON(&b, v, indent, 0, sortKeys, asciiOnly, htmlSafe); err != nil {
		return "", err
	}
	return b.String(), nil
}

func writeJSON(b *strings.Builder, v any, indent, depth int, sortKeys, ascii, html bool) error {
	if depth > 100 {
		return fmt.Errorf("value nested too deeply to serialize")
	}
	if d, ok := v.(dictView); ok {
		// json.dumps: a view is not a list.
		return fmt.Errorf("Object of type %s is not JSON serializable", d.kind)
	}
	nl := func(d int) {
		if indent > 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent > 0 {
		sep = ","
	}
	switch x := normalize(v).(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case int:
		b.WriteString(strconv.Itoa(x))
	case pyBigInt:
		b.WriteString(x.n.String())
	case float64:
		switch {
		case math.IsNaN(x):
			b.WriteString("NaN")
		case math.IsInf(x, 1):
			b.WriteString("Infinity")
		case math.IsInf(x, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyfmt.Float(x))
		}
	case string:
		writeJSONString(b, x, ascii, html)
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			if err := writeJSON(b, e, indent, depth+1, sortKeys, ascii, html); err != nil {
				return err
			}
		}
		if len(x) > 0 {
			nl(depth)
		}
		b.WriteByte(']')
	case *odict.Map:
		b.WriteByte('{')
		keys := x.Keys()
		if sortKeys {
			// json.dumps sorts the keys themselves: 8 before 80 before
			// 443, and text mixed with numbers is a TypeError.
			if err := sortDictKeys(x, keys); err != nil {
				return err
			}
		}
		for i, k := range keys {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			writeJSONString(b, jsonKey(x, k), ascii, html)
			b.WriteString(": ")
			if err := writeJSON(b, dictGet(x, k), indent, depth+1, sortKeys, ascii, html); err != nil {
				return err
			}
		}
		if len(keys) > 0 {
			nl(depth)
		}
		b.WriteByte('}')
	case Undefined:
		return x.err()
	default:
		return fmt.Errorf("Object of type %s is not JSON serializable", typeName(v))
	}
	return nil
}

func writeJSONString(b *strings.Builder, s string, ascii, html bool) {
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || html && strings.ContainsRune("<>&'", r):
			fmt.Fprintf(b, `\u%04x`, r)
		case ascii && r > 0x7e:
			if r > 0xffff {
				r -= 0x10000
				fmt.Fprintf(b, `\u%04x\u%04x`, 0xd800+(r>>10), 0xdc00+(r&0x3ff))
			} else {
				fmt.Fprintf(b, `\u%04x`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
}
