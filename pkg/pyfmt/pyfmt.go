// Package pyfmt prints values as Python 3 does, with repr() and str(),
// for the places where brine must look like Salt: Jinja output, Salt's
// printers, state comments, and matching grains by their str().
//
// It knows Go's plain data: nil, bools, integers, floats, strings, slices
// and maps. Maps print in sorted key order, since Go maps have none; a
// caller with an order of its own (a pillar, a Jinja dict) prints the
// container itself and uses Quote and Float for what is inside.
package pyfmt

import (
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quote is Python's repr of a str: single quotes unless the text has a
// single quote and no double quote; \n \r \t and the backslash escaped;
// every character Python does not print (controls, the C1 range,
// format characters, separators other than the space, unassigned code
// points) escaped as \xNN, \uNNNN or \UNNNNNNNN, as Python escapes it.
// Go's IsPrint and Python's str.isprintable agree on the categories;
// they may differ on characters that one's Unicode version assigns and
// the other's does not. A byte that is not UTF-8 prints as \xNN.
func Quote(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte(q)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\\':
			b.WriteString(`\\`)
		case r == rune(q):
			b.WriteByte('\\')
			b.WriteByte(q)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || strconv.IsPrint(r):
			b.WriteString(s[i : i+size])
		case r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			fmt.Fprintf(&b, `\U%08x`, r)
		}
		i += size
	}
	b.WriteByte(q)
	return b.String()
}

// Float is Python's repr (and str) of a float: the shortest text that
// reads back as the same number, in positional notation when its decimal
// exponent is from -4 to 15 (1.5, 100.0, 0.0001) and in scientific
// notation otherwise (1e+16, 1e-05), as Python's float_repr_style 'short'.
func Float(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	// The exponent of the shortest representation decides the notation,
	// not log10 of the value: 9.999999999999999e15 rounds differently.
	e := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return e
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// Repr is Python's repr() of Go's plain data: None, True, 12, 1.5, 'text',
// [1, 'a'], {'k': 'v'} (keys sorted). A value of any other type prints
// as its String method, or as Go's %v when it has none.
func Repr(v any) string {
	var b strings.Builder
	write(&b, v, true, 0)
	return b.String()
}

// Str is Python's str(): as Repr, except that a string is itself, so
// that Str("a") is a while Str([]any{"a"}) is ['a'].
func Str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var b strings.Builder
	write(&b, v, false, 0)
	return b.String()
}

// maxDepth keeps a map that holds itself from looping forever; Python
// prints such a value as {...}.
const maxDepth = 100

func write(b *strings.Builder, v any, repr bool, depth int) {
	if depth > maxDepth {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
		return
	case string:
		if repr {
			b.WriteString(Quote(x))
		} else {
			b.WriteString(x)
		}
		return
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
		return
	case float64:
		b.WriteString(Float(x))
		return
	case float32:
		b.WriteString(Float(float64(x)))
		return
	case []byte:
		// Salt's data is text; bytes here are text that was not decoded.
		write(b, string(x), repr, depth)
		return
	case fmt.Stringer:
		b.WriteString(x.String())
		return
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		b.WriteString(strconv.FormatInt(rv.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		b.WriteString(strconv.FormatUint(rv.Uint(), 10))
	case reflect.Slice, reflect.Array:
		b.WriteByte('[')
		for i := 0; i < rv.Len(); i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			write(b, rv.Index(i).Interface(), true, depth+1)
		}
		b.WriteByte(']')
	case reflect.Map:
		type kv struct {
			key  string
			k, v any
		}
		items := make([]kv, 0, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			k := it.Key().Interface()
			items = append(items, kv{Repr(k), k, it.Value().Interface()})
		}
		sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
		b.WriteByte('{')
		for i, it := range items {
			if i > 0 {
				b.WriteString(", ")
			}
			write(b, it.k, true, depth+1)
			b.WriteString(": ")
			write(b, it.v, true, depth+1)
		}
		b.WriteByte('}')
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

// Truth is Python's truth of a plain value: None, False, zero, and empty
// strings, lists and mappings are false; anything else is true.
func Truth(v any) bool {
	switch t := v.(type) {
	case nil:
		return false
	case bool:
		return t
	case int:
		return t != 0
	case int64:
		return t != 0
	case uint64:
		return t != 0
	case float64:
		return t != 0
	case string:
		return t != ""
	case []any:
		return len(t) > 0
	case []string:
		return len(t) > 0
	case map[string]any:
		return len(t) > 0
	}
	return true
}
