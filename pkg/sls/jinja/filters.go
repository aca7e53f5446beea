package jinja

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pyre"
)

type filterFunc func(e *env, v any, args []any, kw map[string]any) (any, error)

var filters map[string]filterFunc

func init() {
	filters = map[string]filterFunc{
		"default": fDefault, "d": fDefault,
		"join": fJoin, "replace": fReplace, "indent": fIndent,
		"yaml": fYAML, "json": fJSON, "tojson": fToJSON,
		"yaml_encode": fYAMLEncode, "yaml_dquote": fYAMLDquote, "yaml_squote": fYAMLSquote,
		"load_yaml": fLoad("yaml"), "load_json": fLoad("json"),
		"int": fInt, "float": fFloat, "string": fString, "list": fList,
		"trim": fTrim, "strip": fTrim, "unique": fUnique, "sort": fSort, "reverse": fReverse,
		"bool": fBool, "to_bool": fToBool, "first": fFirst, "last": fLast,
		"length": fLength, "count": fLength, "lower": strF(pyLower), "upper": strF(pyUpper),
		"title": strF(jinjaTitle), "capitalize": strF(pyCapitalize), "dictsort": fDictsort,
		"map": fMap, "select": fSelect(true), "reject": fSelect(false),
		"selectattr": fSelectAttr(true), "rejectattr": fSelectAttr(false),
		"sum": fSum, "min": fMinMax(-1), "max": fMinMax(1), "round": fRound, "abs": fAbs,
		"regex_replace": fRegexReplace, "regex_search": fRegexSearch, "regex_match": fRegexMatch,
		"regex_escape": strF(pyre.Escape), "traverse": fTraverse, "quote": fQuote,
		"batch": fBatch, "slice": fSlice, "center": fCenter, "wordcount": fWordcount, "format": fFormat,
		"items": fItems, "difference": fSetOp("difference"), "union": fSetOp("union"),
		"intersect": fSetOp("intersect"), "symmetric_difference": fSetOp("symmetric_difference"),
		"flatten": fFlatten, "urlize": fURLize, "attr": fAttr, "safe": identity, "e": fEscape, "escape": fEscape, "forceescape": fEscape, "xmlattr": fXMLAttr,
		"pprint": fPprint, "python": fPprint, "sequence": fSequence, "truncate": fTruncate,
		"avg": fAvg, "dict": fDictFilter, "is_list": fIsList, "to_num": func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return saltToNum(v) },
	}
	addMiscFilters()
	addSaltFilters()
	randomFilters()
	versionFilters()
	dateFilters()
	ipwrapFilters()
	addFileFilters()
	filters["xml"] = fXML
	addSaltMoreFilters()
}

func identity(_ *env, v any, _ []any, _ map[string]any) (any, error) { return v, nil }

// arg reads argument i, or keyword name, or def.
func arg(args []any, kw map[string]any, i int, name string, def any) any {
	if i < len(args) {
		return args[i]
	}
	if v, ok := kw[name]; ok {
		return v
	}
	return def
}

func boolArg(args []any, kw map[string]any, i int, name string, def bool) bool {
	t, err := truth(arg(args, kw, i, name, def))
	return err == nil && t
}

func intArg(args []any, kw map[string]any, i int, name string, def int) int {
	n, f, isF, ok := toNum(arg(args, kw, i, name, def))
	if !ok {
		return def
	}
	if isF {
		return int(f)
	}
	return n
}

func (e *env) evalFilter(f *filterNode) (any, error) {
	v, err := e.eval(f.x)
	if err != nil {
		return nil, err
	}
	fn, ok := filters[f.name]
	if !ok {
		return nil, &exprError{line: f.line, msg: fmt.Sprintf("no filter named '%s'", f.name)}
	}
	args, kw, err := e.evalArgs(f.args, f.kwargs, f.star, f.dstar)
	if err != nil {
		return nil, err
	}
	if u, isU := v.(Undefined); isU && !u.Soft && f.name != "default" && f.name != "d" {
		// Salt's to_bool and is_list ask only isinstance of the value,
		// which StrictUndefined does not refuse: False, as in Salt, for
		// a key the pillar leaves out. Every other filter uses it.
		if f.name == "to_bool" || f.name == "is_list" {
			return false, nil
		}
		return nil, lineErr(u.err(), f.line)
	}
	if isGenerator(f.x) {
		// Jinja's generators have no len() and cannot be reversed
		switch f.name {
		case "length", "count":
			return nil, &exprError{line: f.line, msg: "object of type 'generator' has no len() (add |list before it)"}
		case "last":
			return nil, &exprError{line: f.line, msg: "'generator' object is not reversible (add |list before it)"}
		}
	}
	r, err := fn(e, v, args, kw)
	return r, lineErr(err, f.line)
}

// generatorFilters are the filters whose result is a Python generator in
// Jinja 3.1: always true in a test, even when it yields nothing.
var generatorFilters = map[string]bool{"map": true, "select": true, "reject": true, "selectattr": true,
	"rejectattr": true, "batch": true, "slice": true, "items": true}

// isGenerator reports whether n is a filter that gives a generator in
// Jinja. brine keeps such results as lists (printing one gives the list,
// where Jinja prints the generator object), but asks isGenerator where it
// matters to what a template does: a generator is true in an if, and has
// no length.
func isGenerator(n node) bool {
	f, ok := n.(*filterNode)
	return ok && generatorFilters[f.name]
}

// truthOf is the truth of v, the value of n: a generator is always true,
// as Python's truth of any object without __bool__ or __len__.
func truthOf(n node, v any) (bool, error) {
	if isGenerator(n) {
		if u, ok := v.(Undefined); ok && !u.Soft {
			return false, u.err()
		}
		return true, nil
	}
	return truth(v)
}

func fDefault(_ *env, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default_value", "")
	if _, isU := v.(Undefined); isU {
		return def, nil
	}
	if boolArg(args, kw, 1, "boolean", false) {
		if t, _ := truth(v); !t {
			return def, nil
		}
	}
	return v, nil
}

func fJoin(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	sep, err := toStr(arg(args, kw, 0, "d", ""))
	if err != nil {
		return nil, err
	}
	attr, hasAttr := attrArg(arg(args, kw, 1, "attribute", nil))
	parts := make([]string, len(items))
	for i, it := range items {
		if hasAttr {
			it = lookupPath(it, attr)
		}
		if parts[i], err = toStr(it); err != nil {
			return nil, err
		}
	}
	return strings.Join(parts, sep), nil
}

func fReplace(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	old, err := toStr(arg(args, kw, 0, "old", ""))
	if err != nil {
		return nil, err
	}
	nw, err := toStr(arg(args, kw, 1, "new", ""))
	if err != nil {
		return nil, err
	}
	n := intArg(args, kw, 2, "count", -1)
	return strings.Replace(s, old, nw, n), nil
}

// fIndent follows Jinja 3's indent(width=4, first=False, blank=False).
func fIndent(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	ind := strings.Repeat(" ", max(0, min(intArg(args, kw, 0, "width", 4), 1000)))
	if w, ok := arg(args, kw, 0, "width", nil).(string); ok {
		ind = w
	}
	first := boolArg(args, kw, 1, "first", false) || boolArg(nil, kw, 0, "indentfirst", false)
	blank := boolArg(args, kw, 2, "blank", false)
	lines := strings.Split(strings.ReplaceAll(s+"\n", "\r\n", "\n"), "\n")
	lines = lines[:len(lines)-1]
	var rv string
	if blank {
		rv = strings.Join(lines, "\n"+ind)
	} else if len(lines) > 0 {
		rv = lines[0]
		for _, l := range lines[1:] {
			rv += "\n"
			if l != "" {
				rv += ind + l
			}
		}
	}
	if first {
		rv = ind + rv
	}
	return rv, nil
}

func fYAML(e *env, v any, args []any, kw map[string]any) (any, error) {
	if boolArg(args, kw, 0, "flow_style", true) {
		return yamlDump(v, yamlFlow)
	}
	return yamlDump(v, yamlBlock)
}

func fJSON(_ *env, v any, args []any, kw map[string]any) (any, error) {
	// Salt's json filter (SerializerExtension.format_json) sorts keys
	// unless told not to.
	return jsonDump(v, intArg(args, kw, 1, "indent", 0), boolArg(args, kw, 0, "sort_keys", true), false, false)
}

func fToJSON(_ *env, v any, args []any, kw map[string]any) (any, error) {
	// Salt's tojson: json.dumps in the dict's own order, ASCII only,
	// unless its keyword arguments (passed on to json.dumps) say otherwise.
	return jsonDump(v, intArg(args, kw, 0, "indent", 0), boolArg(nil, kw, 0, "sort_keys", false),
		boolArg(nil, kw, 0, "ensure_ascii", true), true)
}

// fYAMLEncode is Salt's yaml_encode: a scalar as YAML, a string always
// double-quoted (yaml_dquote), as salt/utils/yamlencoding.py does.
func fYAMLEncode(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := normalize(v).(type) {
	case string:
		return yamlDoubleQuoted(x), nil
	case nil, bool, int, float64:
		return yamlDump(v, yamlFlow)
	}
	return nil, fmt.Errorf("yaml_encode: only scalars are supported, not %s", typeName(v))
}

func fYAMLDquote(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return yamlDoubleQuoted(s), nil
}

// yamlEscapes are PyYAML's Emitter.ESCAPE_REPLACEMENTS.
var yamlEscapes = map[rune]string{0: "0", 0x07: "a", 0x08: "b", '\t': "t", '\n': "n", 0x0B: "v", 0x0C: "f", '\r': "r",
	0x1B: "e", '"': `"`, '\\': `\`, 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}

// yamlDoubleQuoted is a string as PyYAML's Emitter.write_double_quoted
// writes it with Salt's options (no allow_unicode, no line folding):
// printable ASCII as it is, the rest escaped, \xXX, \uXXXX or
// \UXXXXXXXX where YAML has no short escape.
func yamlDoubleQuoted(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch esc, ok := yamlEscapes[r]; {
		case ok:
			b.WriteString(`\` + esc)
		case r >= 0x20 && r <= 0x7E:
			b.WriteRune(r)
		case r <= 0xFF:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r <= 0xFFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			fmt.Fprintf(&b, `\U%08X`, r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func fYAMLSquote(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'", nil
}

func fLoad(kind string) filterFunc {
	return func(e *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		return parseData("load_"+kind, s)
	}
}

func fInt(_ *env, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0)
	base := intArg(args, kw, 1, "base", 10)
	switch x := normalize(v).(type) {
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case int, pyBigInt:
		return x, nil
	case float64:
		return floatToInt(x, def)
	case string:
		// Jinja: int(value, base), and when that fails int(float(value)),
		// so that "42.23"|int is 42.
		if n, ok := pyParseInt(x, base); ok {
			return n, nil
		}
		if n, ok := pyParseBigInt(x, base); ok {
			return n, nil
		}
		// int(float(value)) there catches OverflowError too: 'inf' and
		// '1e400' give the default
		if f, ok := pyParseFloat(x); ok {
			if math.IsInf(f, 0) {
				return def, nil
			}
			return floatToInt(f, def)
		}
	}
	return def, nil
}

// floatToInt is Python's int(float) inside Jinja's int filter: NaN is a
// ValueError, which gives the default, but infinity is an OverflowError,
// which Jinja does not catch; and a float past 64 bits is an error here,
// never a wrong number.
func floatToInt(f float64, def any) (any, error) {
	switch {
	case math.IsNaN(f):
		return def, nil
	case math.IsInf(f, 0):
		return nil, fmt.Errorf("cannot convert float infinity to integer")
	case f >= 0x1p63 || f < -0x1p63:
		return bigFromFloat(f)
	}
	return int(f), nil
}

func fFloat(_ *env, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0.0)
	switch x := normalize(v).(type) {
	case pyBigInt:
		return bigFloat(x.n)
	case bool, int, float64:
		_, f, _, _ := toNum(x)
		return f, nil
	case string:
		if f, ok := pyParseFloat(x); ok {
			return f, nil
		}
	}
	return def, nil
}

func fString(_ *env, v any, _ []any, _ map[string]any) (any, error) { return toStr(v) }

func fTrim(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if c, ok := arg(args, kw, 0, "chars", nil).(string); ok {
		return strings.Trim(s, c), nil
	}
	return strings.TrimSpace(s), nil
}

// fBool is Salt's to_bool: strings true/yes/on/1 (any case) are true.
// fToBool is Salt's to_bool (salt/utils/jinja.py): a string is true
// when it is yes, 1 or true in any case; an int when above 0; a list or
// a mapping when not empty; None and anything else false.
func fToBool(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := normalize(v).(type) {
	case nil:
		return false, nil
	case bool:
		return x, nil
	case string:
		switch strings.ToLower(x) {
		case "yes", "1", "true":
			return true, nil
		}
		return false, nil
	case int:
		return x > 0, nil
	case []any:
		// a tuple is hashable, so false like any other hashable value
		if _, isTuple := v.(tuple); isTuple {
			return false, nil
		}
		return len(x) > 0, nil
	case *odict.Map:
		return x.Len() > 0, nil
	}
	return false, nil
}

func fBool(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := normalize(v).(type) {
	case string:
		switch strings.ToLower(strings.TrimSpace(x)) {
		case "true", "yes", "on", "1", "y":
			return true, nil
		}
		return false, nil
	case int:
		return x > 0, nil
	}
	return truth(v)
}

func fLength(_ *env, v any, _ []any, _ map[string]any) (any, error) { return length(v) }

func strF(f func(string) string) filterFunc {
	return func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		return f(s), nil
	}
}

func fRound(_ *env, v any, args []any, kw map[string]any) (any, error) {
	if b, ok := v.(pyBigInt); ok {
		// Jinja's round(value, precision) keeps an int an int; ceil and
		// floor go through a float.
		if m, _ := arg(args, kw, 1, "method", "common").(string); m == "common" && intArg(args, kw, 0, "precision", 0) >= 0 {
			return b, nil
		}
		f, err := bigFloat(b.n)
		if err != nil {
			return nil, err
		}
		v = f
	}
	_, f, _, ok := toNum(v)
	if !ok {
		return nil, fmt.Errorf("round: expected a number, got %s", typeName(v))
	}
	prec := intArg(args, kw, 0, "precision", 0)
	method, _ := arg(args, kw, 1, "method", "common").(string)
	switch method {
	case "common":
	case "ceil", "floor":
		// Jinja: math.ceil/floor(value * 10**precision) / 10**precision,
		// a float whatever the value.
		p := math.Pow(10, float64(prec))
		// math.ceil and floor return Python ints, so there is no -0.0
		// (-0.4|round(method='ceil') is 0.0): adding 0 drops the sign.
		if method == "ceil" {
			return math.Ceil(f*p)/p + 0, nil
		}
		return math.Floor(f*p)/p + 0, nil
	default:
		return nil, fmt.Errorf("round: method must be common, ceil or floor")
	}
	// Python's round(): an int stays an int, and halves go to the even
	// neighbour of the value's exact binary expansion, which is what
	// FormatFloat's correctly rounded decimal gives (2.675 is below
	// 2.675, so it rounds to 2.67).
	if i, _, isF, _ := toNum(v); !isF {
		p := 1
		for range -prec {
			if p > math.MaxInt/10 {
				return 0, nil
			}
			p *= 10
		}
		q, r := i/p, i%p
		if r < 0 {
			q, r = q-1, r+p
		}
		if 2*r > p || 2*r == p && q%2 != 0 {
			q++
		}
		return q * p, nil
	}
	if prec < 0 {
		p := math.Pow(10, float64(-prec))
		return math.RoundToEven(f/p) * p, nil
	}
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return f, nil
	}
	r, err := strconv.ParseFloat(strconv.FormatFloat(f, 'f', min(prec, 400), 64), 64)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func fAbs(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	if b, ok := v.(pyBigInt); ok {
		return intResult(new(big.Int).Abs(b.n))
	}
	i, f, isF, ok := toNum(v)
	if !ok {
		return nil, fmt.Errorf("bad operand type for abs(): '%s'", typeName(v))
	}
	if isF {
		return math.Abs(f), nil
	}
	if i < 0 {
		return -i, nil
	}
	return i, nil
}

// pyParseInt is Python's int(s, base): surrounding whitespace, a sign,
// the 0x/0o/0b prefix that matches the base (any of them with base 0),
// and single underscores between digits. Base 0 refuses a leading zero
// ("010"), as Python does.
func pyParseInt(s string, base int) (int, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) > 1 && s[0] == '0' {
		p := map[byte]int{'x': 16, 'o': 8, 'b': 2}[s[1]|0x20]
		if p != 0 && (base == 0 || base == p) {
			s, base = s[2:], p
			s = strings.TrimPrefix(s, "_") // 0x_1f is valid
		}
	}
	if base == 0 {
		base = 10
		if strings.TrimLeft(s, "0_") != "" && strings.HasPrefix(s, "0") {
			return 0, false
		}
	}
	if base < 2 || base > 36 || s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), base, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		n = -n
	}
	return int(n), true
}

// pyParseFloat is Python's float(s): decimal notation with single
// underscores between digits, inf, infinity and nan; not Go's hex floats.
func pyParseFloat(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	t := strings.TrimLeft(s, "+-")
	if strings.ContainsAny(t, "xXpP") && !strings.EqualFold(t, "inf") && !strings.EqualFold(t, "infinity") {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] == '_' && (i == 0 || i == len(s)-1 || !isDigit(s[i-1]) || !isDigit(s[i+1])) {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	return f, err == nil || errors.Is(err, strconv.ErrRange) && math.IsInf(f, 0)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
