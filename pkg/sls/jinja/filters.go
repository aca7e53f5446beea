package jinja

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
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
		"bool": fBool, "to_bool": fBool, "first": fFirst, "last": fLast,
		"length": fLength, "count": fLength, "lower": strF(strings.ToLower), "upper": strF(strings.ToUpper),
		"title": strF(jinjaTitle), "capitalize": strF(pyCapitalize), "dictsort": fDictsort,
		"map": fMap, "select": fSelect(true), "reject": fSelect(false),
		"selectattr": fSelectAttr(true), "rejectattr": fSelectAttr(false),
		"sum": fSum, "min": fMinMax(-1), "max": fMinMax(1), "round": fRound, "abs": fAbs,
		"regex_replace": fRegexReplace, "regex_search": fRegexSearch, "regex_match": fRegexMatch,
		"regex_escape": strF(regexp.QuoteMeta), "traverse": fTraverse, "quote": fQuote,
		"batch": fBatch, "center": fCenter, "wordcount": fWordcount, "format": fFormat,
		"items": fItems, "difference": fSetOp("difference"), "union": fSetOp("union"),
		"intersect": fSetOp("intersect"), "symmetric_difference": fSetOp("symmetric_difference"),
		"flatten": fFlatten, "attr": fAttr, "safe": identity, "e": fEscape, "escape": fEscape,
		"pprint": fPprint, "python": fPprint, "sequence": fSequence, "truncate": fTruncate,
		"avg": fAvg, "dict": fDictFilter, "is_list": fIsList, "to_num": fToNum,
	}
	addMiscFilters()
	addSaltFilters()
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
	if u, isU := v.(Undefined); isU && !u.Soft && f.name != "default" && f.name != "d" {
		return nil, lineErr(u.err(), f.line)
	}
	args, kw, err := e.evalArgs(f.args, f.kwargs, nil, nil)
	if err != nil {
		return nil, err
	}
	r, err := fn(e, v, args, kw)
	return r, lineErr(err, f.line)
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
	items, err := e.iter(v)
	if err != nil {
		return nil, err
	}
	sep, err := toStr(arg(args, kw, 0, "d", ""))
	if err != nil {
		return nil, err
	}
	attr, hasAttr := arg(args, kw, 1, "attribute", nil).(string)
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
		return yamlDump(e.rs.order, v, yamlFlow)
	}
	return yamlDump(e.rs.order, v, yamlBlock)
}

func fJSON(_ *env, v any, args []any, kw map[string]any) (any, error) {
	return jsonDump(v, intArg(args, kw, 1, "indent", 0), false, false)
}

func fToJSON(_ *env, v any, args []any, kw map[string]any) (any, error) {
	return jsonDump(v, intArg(args, kw, 0, "indent", 0), true, true)
}

func fYAMLEncode(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch normalize(v).(type) {
	case nil, bool, int, float64, string:
		return yamlDump(nil, v, yamlFlow)
	}
	return nil, fmt.Errorf("yaml_encode: only scalars are supported, not %s", typeName(v))
}

func fYAMLDquote(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	writeJSONString(&b, s, false, false)
	return b.String(), nil
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
		return parseData(e.rs.order, "load_"+kind, s)
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
	case int:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return def, nil
		}
		return int(x), nil
	case string:
		s := strings.ReplaceAll(strings.TrimSpace(x), "_", "")
		if base < 2 || base > 36 {
			base = 0
		}
		if base == 16 {
			s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
		}
		if n, err := strconv.ParseInt(s, base, 64); err == nil {
			return int(n), nil
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && base == 10 && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return int(f), nil
		}
	}
	return def, nil
}

func fFloat(_ *env, v any, args []any, kw map[string]any) (any, error) {
	def := arg(args, kw, 0, "default", 0.0)
	switch x := normalize(v).(type) {
	case bool, int, float64:
		_, f, _, _ := toNum(x)
		return f, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(x), 64); err == nil {
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
	_, f, _, ok := toNum(v)
	if !ok {
		return nil, fmt.Errorf("round: expected a number, got %s", typeName(v))
	}
	prec := intArg(args, kw, 0, "precision", 0)
	method, _ := arg(args, kw, 1, "method", "common").(string)
	if i, _, isF, _ := toNum(v); !isF && method == "common" && prec >= 0 {
		return i, nil
	}
	p := math.Pow(10, float64(prec))
	switch method {
	case "ceil":
		return math.Ceil(f*p) / p, nil
	case "floor":
		return math.Floor(f*p) / p, nil
	}
	return math.RoundToEven(f*p) / p, nil
}

func fAbs(_ *env, v any, _ []any, _ map[string]any) (any, error) {
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
