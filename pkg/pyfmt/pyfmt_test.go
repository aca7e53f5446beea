package pyfmt

import (
	"encoding/json"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// cases is the one table of values and their Python repr. TestPython
// checks every row against the real Python, so the want column is
// Python's word, not a copy of this package's output.
var cases = []struct {
	v    any
	want string
}{
	{nil, "None"}, {true, "True"}, {false, "False"},
	{0, "0"}, {-5, "-5"}, {int64(math.MaxInt64), "9223372036854775807"}, {uint64(math.MaxUint64), "18446744073709551615"},
	{int8(-3), "-3"}, {uint16(7), "7"},

	{1.5, "1.5"}, {100.0, "100.0"}, {0.0, "0.0"}, {math.Copysign(0, -1), "-0.0"}, {-2.0, "-2.0"},
	{1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {9999999999999998.0, "9999999999999998.0"},
	{123456789.123456789, "123456789.12345679"}, {1234567.5, "1234567.5"},
	{0.0001, "0.0001"}, {0.00009999, "9.999e-05"}, {0.00001, "1e-05"}, {2.5e-5, "2.5e-05"},
	{1e22, "1e+22"}, {1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"},
	{0.30000000000000004, "0.30000000000000004"}, {1.0 / 3, "0.3333333333333333"}, {float32(0.1), "0.10000000149011612"},
	{math.Inf(1), "inf"}, {math.Inf(-1), "-inf"}, {math.NaN(), "nan"},

	{"", "''"}, {"a", "'a'"}, {"it's", `"it's"`}, {`say "x" it's`, `'say "x" it\'s'`}, {`"`, `'"'`},
	{"a\nb", `'a\nb'`}, {"\t\r", `'\t\r'`}, {"\x01", `'\x01'`}, {"\x7f", `'\x7f'`}, {`back\slash`, `'back\\slash'`},
	{"é", "'é'"}, {"e\u0301", "'e\u0301'"}, {"日本", "'日本'"}, {"\U0001F600", "'\U0001F600'"},
	{"\u0085", `'\x85'`}, {"\u00a0", `'\xa0'`}, {"\u00ad", `'\xad'`}, {"\u200b", `'\u200b'`},
	{"\u2028", `'\u2028'`}, {"\ufeff", `'\ufeff'`}, {"\ue000", `'\ue000'`}, {"\u0378", `'\u0378'`},
	{"\U000e0001", `'\U000e0001'`}, {"\u3000", `'\u3000'`},

	{[]any{}, "[]"}, {[]any{1, "a", nil, true, 1.5}, "[1, 'a', None, True, 1.5]"}, {[]string{"x", "y'"}, `['x', "y'"]`},
	{map[string]any{}, "{}"}, {map[string]any{"b": 1, "a": []any{}}, "{'a': [], 'b': 1}"},
	{map[string]any{"k": map[string]any{"n": []any{1.0, "é\n"}}}, `{'k': {'n': [1.0, 'é\n']}}`},
	{[]int{1, 2}, "[1, 2]"}, {map[string]string{"x": "1"}, "{'x': '1'}"},
}

func TestRepr(t *testing.T) {
	for _, tt := range cases {
		if got := Repr(tt.v); got != tt.want {
			t.Errorf("Repr(%#v) = %s; want %s", tt.v, got, tt.want)
		}
	}
}

// TestNotUTF8 covers what Python has no literal for: Go strings that are
// not UTF-8 (bytes read from a file) print their stray bytes as \xNN.
func TestNotUTF8(t *testing.T) {
	if got, want := Quote("a\xffb"), `'a\xffb'`; got != want {
		t.Errorf("Quote(%q) = %s; want %s", "a\xffb", got, want)
	}
}

func TestSelfReference(t *testing.T) {
	m := map[string]any{}
	m["m"] = m
	if got := Repr(m); !strings.Contains(got, "...") {
		t.Errorf("Repr of a map that holds itself = %.80s; want it cut short with ...", got)
	}
}

// pyLiteral writes v as Python source, so that Python builds the same
// value: float('...') keeps a float a float (Go's 100.0 would be 100).
func pyLiteral(t *testing.T, v any) string {
	switch x := v.(type) {
	case nil:
		return "None"
	case bool:
		if x {
			return "True"
		}
		return "False"
	case float64:
		return "float('" + strconv.FormatFloat(x, 'g', -1, 64) + "')"
	case float32:
		return pyLiteral(t, float64(x))
	case string:
		b, err := json.Marshal(x) // JSON string escapes are Python's too
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10)
	case reflect.Slice:
		parts := make([]string, rv.Len())
		for i := range parts {
			parts[i] = pyLiteral(t, rv.Index(i).Interface())
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case reflect.Map:
		// In the order Repr prints, which Python's dict then keeps.
		keys := rv.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return Repr(keys[i].Interface()) < Repr(keys[j].Interface()) })
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = pyLiteral(t, k.Interface()) + ": " + pyLiteral(t, rv.MapIndex(k).Interface())
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	t.Fatalf("no Python literal for %T", v)
	return ""
}

// TestPython checks the table, Repr and Str against Python's repr and str.
func TestPython(t *testing.T) {
	srcs := make([]string, len(cases))
	for i, tt := range cases {
		srcs[i] = pyLiteral(t, tt.v)
	}
	var py [][2]string
	pyref.Run(t, "testdata/repr_ref.py", nil, srcs, &py)
	if len(py) != len(cases) {
		t.Fatalf("repr_ref.py returned %d results for %d cases", len(py), len(cases))
	}
	for i, tt := range cases {
		repr, str := py[i][0], py[i][1]
		if tt.want != repr {
			t.Errorf("table: %s has want %s; Python's repr is %s", srcs[i], tt.want, repr)
		}
		if got := Repr(tt.v); got != repr {
			t.Errorf("Repr(%s) = %s; Python: %s", srcs[i], got, repr)
		}
		if got := Str(tt.v); got != str {
			t.Errorf("Str(%s) = %s; Python: %s", srcs[i], got, str)
		}
	}
}

func TestTruth(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{
		{nil, false}, {false, false}, {true, true}, {0, false}, {int64(2), true}, {uint64(0), false},
		{0.0, false}, {0.5, true}, {"", false}, {"0", true}, {[]any{}, false}, {[]any{nil}, true},
		{[]string{}, false}, {map[string]any{}, false}, {map[string]any{"a": nil}, true}, {struct{}{}, true},
	} {
		if got := Truth(c.v); got != c.want {
			t.Errorf("Truth(%#v) = %v; want %v", c.v, got, c.want)
		}
	}
}
