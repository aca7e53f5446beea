package output

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/pyfmt"
	"github.com/brine-cm/brine/states"
)

// palette is Salt's colour set (salt/utils/color.py); all empty without
// colour, so that one code path prints both.
type palette struct {
	Green, Cyan, Red, LightRed, Yellow, LightYellow, EndC string
}

func colors(on bool) palette {
	if !on {
		return palette{}
	}
	return palette{
		Green:       "\x1b[32m",
		Cyan:        "\x1b[36m",
		Red:         "\x1b[31m",
		LightRed:    "\x1b[1;31m",
		Yellow:      "\x1b[33m",
		LightYellow: "\x1b[1;33m",
		EndC:        "\x1b[0m",
	}
}

// KV is one entry of an OrderedMap.
type KV struct {
	Key   string
	Value any
}

// OrderedMap is a mapping that keeps its key order in JSON, YAML and raw
// output (Salt's state returns keep run order). The nested printer sorts
// its keys, as Salt's does for a plain dict.
type OrderedMap []KV

// YAMLPairs gives the keys in order, for pyyaml.Represent.
func (m OrderedMap) YAMLPairs() ([]string, []any) {
	keys, vals := make([]string, len(m)), make([]any, len(m))
	for i, kv := range m {
		keys[i], vals[i] = kv.Key, kv.Value
	}
	return keys, vals
}

// Get returns the value for key.
func (m OrderedMap) Get(key string) (any, bool) {
	for _, kv := range m {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// OrderedDict is a mapping Salt holds as an OrderedDict at every level
// (high data as rendered): salt-call's nested outputter keeps its key
// order, where it sorts a plain dict's. The other printers treat it as
// an OrderedMap.
type OrderedDict OrderedMap

// YAMLPairs gives the keys in order, for pyyaml.Represent.
func (m OrderedDict) YAMLPairs() ([]string, []any) { return OrderedMap(m).YAMLPairs() }

// inOrder is a printValuer whose printable form Salt holds as
// OrderedDicts (sls.High): normalize makes every mapping of it an
// OrderedDict.
type inOrder interface {
	printValuer
	NestedInOrder()
}

// asOrderedDicts turns every OrderedMap in a normalized value into an
// OrderedDict.
func asOrderedDicts(v any) any {
	switch t := v.(type) {
	case OrderedMap:
		out := make(OrderedDict, len(t))
		for i, kv := range t {
			out[i] = KV{kv.Key, asOrderedDicts(kv.Value)}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = asOrderedDicts(e)
		}
		return out
	}
	return v
}

// normalizeKVs normalizes each value of m.
func normalizeKVs(m OrderedMap) OrderedMap {
	out := make(OrderedMap, len(m))
	for i, kv := range m {
		out[i] = KV{kv.Key, normalize(kv.Value)}
	}
	return out
}

// printValuer is a value that gives its printable form as plain values
// (high data, low chunks), so that what JSON cannot hold, such as an
// infinite float, still prints as Salt prints it.
type printValuer interface{ PrintValue() any }

// normalize turns any Go value into the few shapes the printers know:
// nil, bool, string, int64, float64, []any, map[string]any and OrderedMap.
// Structs and other types go through their JSON form.
func normalize(v any) any {
	switch t := v.(type) {
	case nil, bool, string, int64, float64:
		return t
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case uint:
		return int64(t)
	case uint32:
		return int64(t)
	case uint64:
		if t <= math.MaxInt64 {
			return int64(t)
		}
		return float64(t)
	case float32:
		return float64(t)
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		if n, ok := new(big.Int).SetString(t.String(), 10); ok {
			return n // an int past int64, whole as Python keeps it
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case states.Outcome:
		switch t {
		case states.True:
			return true
		case states.None:
			return nil
		}
		return false
	case time.Time:
		return t.Format(time.RFC3339Nano)
	case time.Duration:
		return t.String()
	case error:
		return t.Error()
	case OrderedMap:
		return normalizeKVs(t)
	case OrderedDict:
		return OrderedDict(normalizeKVs(OrderedMap(t)))
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalize(e)
		}
		return out
	case []string:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = e
		}
		return out
	case *odict.Map:
		out := make(OrderedMap, 0, t.Len())
		for k, e := range t.All() {
			out = append(out, KV{k, normalize(e)})
		}
		return out
	case inOrder:
		return asOrderedDicts(normalize(t.PrintValue()))
	case printValuer:
		return normalize(t.PrintValue())
	}
	if m, ok := v.(json.Marshaler); ok {
		// Types that know their own JSON form (high data, low chunks)
		// print as that form, in its key order.
		if b, err := m.MarshalJSON(); err == nil {
			if out, err := decodeOrdered(b); err == nil {
				return out
			}
		}
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			return nil
		}
		if _, isJSON := v.(json.Marshaler); !isJSON {
			return normalize(rv.Elem().Interface())
		}
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			return []any{}
		}
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			break // []byte: JSON gives base64, as Salt would print bytes oddly too
		}
		out := make([]any, rv.Len())
		for i := range out {
			out[i] = normalize(rv.Index(i).Interface())
		}
		return out
	case reflect.Map:
		out := make(map[string]any, rv.Len())
		it := rv.MapRange()
		for it.Next() {
			out[fmt.Sprint(it.Key().Interface())] = normalize(it.Value().Interface())
		}
		return out
	case reflect.String:
		return rv.String()
	case reflect.Bool:
		return rv.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int()
	case reflect.Float32, reflect.Float64:
		return rv.Float()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		return string(b)
	}
	return normalize(out)
}

// scalarText is how Salt's nested printer shows a scalar: Python's str
// for None/True/False and repr for numbers.
func scalarText(v any) string {
	switch t := v.(type) {
	case nil:
		return "None"
	case bool:
		if t {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return pyfmt.Float(t)
	}
	return fmt.Sprint(v)
}

// nestedPrinter is Salt's nested outputter (salt/output/nested.py).
type nestedPrinter struct {
	c   palette
	out []string
}

// line writes one line; msg is the minion's data (a key, a scalar, one
// line of a string) and is escaped here, so that every line of nested
// output is safe on a terminal. A tab inside a line stays: it moves the
// cursor, but it can neither erase nor rewrite.
func (n *nestedPrinter) line(indent int, color, msg, prefix, suffix string) {
	msg = escape(msg, lineOfText)
	n.out = append(n.out, strings.Repeat(" ", indent)+color+prefix+msg+n.c.EndC+suffix)
}

// display walks a normalized value; indent and prefix as in Salt.
func (n *nestedPrinter) display(v any, indent int, prefix string) {
	switch t := v.(type) {
	case nil, bool, int64, float64:
		n.line(indent, n.c.LightYellow, scalarText(t), prefix, "")
	case string:
		for i, l := range splitLines(t) {
			p := prefix
			if i > 0 {
				p = strings.Repeat(" ", len(prefix))
			}
			n.line(indent, n.c.Green, l, p, "")
		}
	case []any:
		for _, e := range t {
			switch e.(type) {
			case []any, map[string]any, OrderedMap, OrderedDict:
				n.line(indent, n.c.Green, "|_", "", "")
				p := "- "
				if _, isList := e.([]any); !isList {
					p = ""
				}
				n.display(e, indent+2, p)
			default:
				n.display(e, indent, "- ")
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n.mapping(keys, func(k string) any { return t[k] }, indent, prefix)
	case OrderedMap:
		n.kvs(t, true, indent, prefix)
	case OrderedDict:
		n.kvs(OrderedMap(t), false, indent, prefix)
	default:
		n.line(indent, n.c.Green, fmt.Sprint(t), prefix, "")
	}
}

// kvs displays a mapping given as key-value pairs: sorted, as Salt's
// nested outputter shows a plain dict, or in order, as an OrderedDict.
func (n *nestedPrinter) kvs(m OrderedMap, sorted bool, indent int, prefix string) {
	keys := make([]string, len(m))
	vals := make(map[string]any, len(m))
	for i, kv := range m {
		keys[i] = kv.Key
		vals[kv.Key] = kv.Value
	}
	if sorted {
		sort.Strings(keys)
	}
	n.mapping(keys, func(k string) any { return vals[k] }, indent, prefix)
}

func (n *nestedPrinter) mapping(keys []string, get func(string) any, indent int, prefix string) {
	if indent > 0 {
		n.line(indent, n.c.Cyan, "----------", "", "")
	}
	for _, k := range keys {
		n.line(indent, n.c.Cyan, k, prefix, ":")
		n.display(get(k), indent+4, "")
	}
}

// splitLines is Python's str.splitlines for LF and CRLF line ends: an
// empty string has no lines, and a final newline does not make an empty
// one. A lone CR is not a line end here but a character that line
// escapes, so that "\rSucceeded: 99" cannot overwrite what came before.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// Nested renders a value the way Salt's nested outputter does, starting at
// the given indent.
func Nested(v any, indent int, color bool) string {
	n := &nestedPrinter{c: colors(color)}
	n.display(normalize(v), indent, "")
	return strings.Join(n.out, "\n")
}

// decodeOrdered decodes JSON keeping the order of object keys, as
// OrderedMap values.
func decodeOrdered(b []byte) (any, error) {
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	v, err := decodeValue(d)
	if err != nil {
		return nil, err
	}
	return normalize(v), nil
}

func decodeValue(d *json.Decoder) (any, error) {
	tok, err := d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var m OrderedMap
			for d.More() {
				kt, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				m = append(m, KV{fmt.Sprint(kt), v})
			}
			_, err := d.Token()
			if m == nil {
				m = OrderedMap{}
			}
			return m, err
		case '[':
			l := []any{}
			for d.More() {
				v, err := decodeValue(d)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := d.Token()
			return l, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}
