package jinja

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pypath"
	"html"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/brine-cm/brine/pkg/py/pyre"
)

var (
	reCache     sync.Map
	reCacheSize atomic.Int32
	wordRe      = regexp.MustCompile(`\w+`)
)

// pyRegexp compiles a Python pattern (pkg/py/pyre), for re.search, or
// for re.match when match is set. Compiled patterns are kept, since a
// template runs the same regex_replace in every loop iteration.
func pyRegexp(pattern string, ignorecase, multiline, match bool) (*regexp.Regexp, error) {
	var flags pyre.Flag
	if ignorecase {
		flags |= pyre.IgnoreCase
	}
	if multiline {
		flags |= pyre.Multiline
	}
	key := fmt.Sprintf("%d %t %s", flags, match, pattern)
	if r, ok := reCache.Load(key); ok {
		return r.(*regexp.Regexp), nil
	}
	compile := pyre.Compile
	if match {
		compile = pyre.CompileMatch
	}
	r, err := compile(pattern, flags)
	if err != nil {
		return nil, fmt.Errorf("bad regular expression: %w", err)
	}
	if reCacheSize.Add(1) < 1000 {
		reCache.Store(key, r)
	}
	return r, nil
}

func regexArgs(v any, args []any, kw map[string]any, patIdx int, match bool) (string, *regexp.Regexp, error) {
	s, err := toStr(v)
	if err != nil {
		return "", nil, err
	}
	pat, err := toStr(arg(args, kw, patIdx, "rgx", ""))
	if err != nil {
		return "", nil, err
	}
	re, err := pyRegexp(pat, boolArg(args, kw, patIdx+1, "ignorecase", false), boolArg(args, kw, patIdx+2, "multiline", false), match)
	return s, re, err
}

func fRegexReplace(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	pat, err := toStr(arg(args, kw, 0, "rgx", ""))
	if err != nil {
		return nil, err
	}
	repl, err := toStr(arg(args, kw, 1, "val", ""))
	if err != nil {
		return nil, err
	}
	re, err := pyRegexp(pat, boolArg(args, kw, 2, "ignorecase", false), boolArg(args, kw, 3, "multiline", false), false)
	if err != nil {
		return nil, err
	}
	tmpl, err := pyre.Template(re, repl)
	if err != nil {
		return nil, err
	}
	out, _ := pyre.Sub(re, tmpl, s, 0)
	return out, nil
}

func fRegexSearch(_ *env, v any, args []any, kw map[string]any) (any, error) {
	return regexGroups(v, args, kw, false)
}

func fRegexMatch(_ *env, v any, args []any, kw map[string]any) (any, error) {
	return regexGroups(v, args, kw, true)
}

// regexGroups is regex_search and regex_match, which differ only in
// match (re.match rather than re.search): the groups of the first match
// as a tuple, or None when nothing matches.
func regexGroups(v any, args []any, kw map[string]any, match bool) (any, error) {
	s, re, err := regexArgs(v, args, kw, 0, match)
	if err != nil {
		return nil, err
	}
	m := re.FindStringSubmatchIndex(s)
	if m == nil {
		return nil, nil
	}
	// a group that took no part in the match is None, as in Python
	out := make(tuple, 0, len(m)/2-1)
	for i := 2; i+1 < len(m); i += 2 {
		if m[i] < 0 {
			out = append(out, nil)
		} else {
			out = append(out, s[m[i]:m[i+1]])
		}
	}
	return out, nil
}

// fTraverse is Salt's traverse filter: a:b:c into nested dicts and lists.
func fTraverse(_ *env, v any, args []any, kw map[string]any) (any, error) {
	key, err := toStr(arg(args, kw, 0, "key", ""))
	if err != nil {
		return nil, err
	}
	delim, _ := arg(args, kw, 2, "delimiter", ":").(string)
	if r, ok := nestedGet(v, key, delim); ok {
		return r, nil
	}
	return arg(args, kw, 1, "default", nil), nil
}

// fQuote is shell quoting (Python's shlex.quote), as Salt's quote filter.
func fQuote(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if s == "" {
		return "''", nil
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s, nil
	}
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'", nil
}

func fBatch(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	n := intArg(args, kw, 0, "linecount", 1)
	if n <= 0 {
		return nil, fmt.Errorf("batch: size must be positive")
	}
	// fill_with=None, Jinja's default, means no filling.
	fill := arg(args, kw, 1, "fill_with", nil)
	hasFill := fill != nil
	var out []any
	for i := 0; i < len(items); i += n {
		chunk := append([]any{}, items[i:min(i+n, len(items))]...)
		for hasFill && len(chunk) < n {
			chunk = append(chunk, fill)
		}
		out = append(out, chunk)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

// fSlice is Jinja's slice: n columns, the first len%n one item longer,
// the others padded with fill_with when it is given.
func fSlice(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	n := intArg(args, kw, 0, "slices", 1)
	if n <= 0 {
		return nil, fmt.Errorf("slice: the number of slices must be positive")
	}
	fill := arg(args, kw, 1, "fill_with", nil)
	per, extra := len(items)/n, len(items)%n
	out := make([]any, 0, n)
	offset := 0
	for i := 0; i < n; i++ {
		start := offset + i*per
		if i < extra {
			offset++
		}
		col := append([]any{}, items[start:offset+(i+1)*per]...)
		if fill != nil && i >= extra {
			col = append(col, fill)
		}
		out = append(out, col)
	}
	return out, nil
}

func fCenter(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return pyCenter(s, intArg(args, kw, 0, "width", 80), ' '), nil
}

func fWordcount(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return len(wordRe.FindAllString(s, -1)), nil
}

// fFormat is Jinja's format filter: printf-style "%s" % args.
func fFormat(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	if len(kw) > 0 {
		return percentFormat(s, kw)
	}
	if len(args) == 1 {
		if _, isMap := normalize(args[0]).(*odict.Map); isMap {
			return percentFormat(s, args[0])
		}
	}
	return percentFormat(s, tuple(args))
}

func fSetOp(op string) filterFunc {
	return func(_ *env, v any, args []any, _ map[string]any) (any, error) {
		a, err := iterate(v)
		if err != nil {
			return nil, err
		}
		b, err := iterate(argOr(args, 0, []any{}))
		if err != nil {
			return nil, err
		}
		setA, setB := newValueSet(), newValueSet()
		for _, x := range a {
			setA.add(x)
		}
		for _, x := range b {
			setB.add(x)
		}
		in := func(s *valueSet, x any) bool { return s.has(x) }
		out := []any{}
		seen := newValueSet()
		add := func(x any) {
			if seen.add(x) {
				out = append(out, x)
			}
		}
		switch op {
		case "union":
			for _, x := range append(append([]any{}, a...), b...) {
				add(x)
			}
		case "intersect":
			for _, x := range a {
				if in(setB, x) {
					add(x)
				}
			}
		case "difference":
			for _, x := range a {
				if !in(setB, x) {
					add(x)
				}
			}
		default:
			for _, x := range a {
				if !in(setB, x) {
					add(x)
				}
			}
			for _, x := range b {
				if !in(setA, x) {
					add(x)
				}
			}
		}
		return out, nil
	}
}

// fFlatten is salt.utils.data.flatten: the items of every iterable item
// (a list, a tuple, a dict's keys; not text), levels deep when given,
// with None, 'None' and 'null' left out unless preserve_nulls.
func fFlatten(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	levelsV := arg(args, kw, 0, "levels", nil)
	keepNull := boolArg(args, kw, 1, "preserve_nulls", false)
	var walk func(l []any, levels any, depth int) ([]any, error)
	walk = func(l []any, levels any, depth int) ([]any, error) {
		if depth > maxNesting {
			// Salt refuses a list that holds itself
			return nil, fmt.Errorf("Reference cycle detected. Check input list.")
		}
		out := []any{}
		for _, x := range l {
			if !keepNull && (x == nil || x == "None" || x == "null") {
				continue
			}
			sub, isIter := normalize(x).([]any)
			if m, isMap := normalize(x).(*odict.Map); isMap {
				sub, isIter = dictKeys(m), true
			}
			if !isIter {
				out = append(out, x)
				continue
			}
			if levels == nil {
				more, err := walk(sub, nil, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, more...)
				continue
			}
			n, f, isF, ok := toNum(levels)
			if !ok {
				return nil, fmt.Errorf("'>=' not supported between instances of '%s' and 'int'", typeName(levels))
			}
			if isF && f >= 1 || !isF && n >= 1 {
				if isF {
					n = int(f)
				}
				more, err := walk(sub, n-1, depth+1)
				if err != nil {
					return nil, err
				}
				out = append(out, more...)
			} else {
				out = append(out, x)
			}
		}
		return out, nil
	}
	return walk(items, levelsV, 0)
}

func fAttr(_ *env, v any, args []any, _ map[string]any) (any, error) {
	name, _ := argOr(args, 0, "").(string)
	// Jinja's attr is getattr only, never the item: a dict's keys are not
	// its attributes (its methods are, which a template cannot use here).
	if _, isDict := normalize(v).(*odict.Map); isDict {
		return undefAttr(v, name), nil
	}
	return getAttr(v, name), nil
}

// fXMLAttr is Jinja's xmlattr: key="value" pairs, escaped, in the dict's
// order, None and undefined values left out, a space before them unless
// autospace is false; a key with whitespace, /, > or = is refused.
func fXMLAttr(_ *env, v any, args []any, kw map[string]any) (any, error) {
	m, ok := normalize(v).(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("xmlattr: expected a dict, got %s", typeName(v))
	}
	var items []string
	for k, val := range m.All() {
		if _, undef := val.(Undefined); undef || val == nil {
			continue
		}
		if strings.ContainsAny(k, " \t\n\r\f\v/>=") {
			return nil, fmt.Errorf("invalid character in attribute name: %s", reprOr(k))
		}
		s, err := toStr(val)
		if err != nil {
			return nil, err
		}
		items = append(items, html.EscapeString(k)+`="`+html.EscapeString(s)+`"`)
	}
	out := strings.Join(items, " ")
	if out != "" && boolArg(args, kw, 0, "autospace", true) {
		out = " " + out
	}
	return out, nil
}

func fEscape(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	return html.EscapeString(s), nil
}

// fPprint is pprint.pformat (Jinja's pprint, Salt's python filter): a
// repr whose dicts are sorted by key (sort_dicts). Lines longer than
// pformat's 80 columns are not wrapped.
func fPprint(_ *env, v any, _ []any, _ map[string]any) (any, error) { return repr(pprintSorted(v, 0)) }

func pprintSorted(v any, depth int) any {
	if depth > 100 {
		return v
	}
	switch x := v.(type) {
	case *odict.Map:
		keys := x.Keys()
		if !x.OrderedDict() { // pprint keeps an OrderedDict's own order
			// pprint's _safe_key never fails: keys that do not compare
			// keep their order here.
			_ = sortDictKeys(x, keys)
		}
		out := odict.New(len(keys))
		out.SetOrderedDict(x.OrderedDict())
		for _, k := range keys {
			e, _ := x.Get(k)
			out.Set(k, pprintSorted(e, depth+1))
			out.CopyKind(k, x)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = pprintSorted(e, depth+1)
		}
		return out
	case *List:
		return pprintSorted(x.items, depth)
	case tuple:
		out := make(tuple, len(x))
		for i, e := range x {
			out[i] = pprintSorted(e, depth+1)
		}
		return out
	}
	return v
}

// fSequence is Salt's sequence filter: a list, tuple or dict as it is,
// anything else (a string, a dict view) in a one-item list.
func fSequence(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	switch v.(type) {
	case *List, tuple, []any, *odict.Map:
		return v, nil
	}
	return []any{v}, nil
}

// fIsList is salt.utils.data.is_list: isinstance(value, list), so a
// tuple is not one.
func fIsList(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	if _, isTuple := v.(tuple); isTuple {
		return false, nil
	}
	_, ok := normalize(v).([]any)
	return ok, nil
}

// fTruncate is Jinja's truncate: text within length+leeway (leeway 5, the
// default truncate.leeway policy) is kept whole; longer text is cut to
// leave room for end, at the last space unless killwords.
func fTruncate(_ *env, v any, args []any, kw map[string]any) (any, error) {
	s, err := toStr(v)
	if err != nil {
		return nil, err
	}
	n := intArg(args, kw, 0, "length", 255)
	killwords := boolArg(args, kw, 1, "killwords", false)
	end, _ := arg(args, kw, 2, "end", "...").(string)
	leeway := intArg(args, kw, 3, "leeway", 5)
	r := []rune(s)
	if n < len([]rune(end)) || leeway < 0 {
		return nil, fmt.Errorf("truncate: length must be at least len(end), leeway at least 0")
	}
	if len(r) <= n+leeway {
		return s, nil
	}
	cut := string(r[:n-len([]rune(end))])
	if !killwords {
		if i := strings.LastIndexByte(cut, ' '); i >= 0 {
			cut = cut[:i]
		}
	}
	return cut + end, nil
}

// fAvg is Salt's avg: float(sum(lst) / len(lst)) for a list (an empty
// one is a division by zero), float(value) for anything hashable.
func fAvg(e *env, v any, _ []any, _ map[string]any) (any, error) {
	switch x := normalize(v).(type) {
	case bool, int, float64:
		_, f, _, _ := toNum(x)
		return f, nil
	case string:
		if f, ok := pyParseFloat(x); ok {
			return f, nil
		}
		return nil, fmt.Errorf("could not convert string to float: %s", reprOr(x))
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("division by zero")
	}
	var total any = 0
	for _, it := range items {
		if total, err = arith("+", total, it); err != nil {
			return nil, err
		}
	}
	return arith("/", total, len(items))
}

func fDictFilter(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	return toDict(v)
}

// toDict is dict(): from a dict (a plain dict, in its order, even from
// an OrderedDict, as Python's dict() makes), or a list of pairs.
func toDict(v any) (*odict.Map, error) {
	switch x := normalize(v).(type) {
	case *odict.Map:
		out := x.Clone()
		out.SetOrderedDict(false)
		return out, nil
	case []any:
		out := newDict(len(x))
		for _, p := range x {
			pair, ok := normalize(p).([]any)
			if !ok || len(pair) != 2 {
				return nil, fmt.Errorf("dictionary update sequence element has wrong length")
			}
			dictSet(out, pair[0], pair[1])
		}
		return out, nil
	case nil:
		return newDict(0), nil
	}
	return nil, fmt.Errorf("'%s' object is not iterable", typeName(v))
}

// hashF is one of salt.utils.hashutils' digest filters: the value's
// UTF-8 bytes (salt.utils.stringutils.to_bytes, which refuses anything
// but text) through sum.
func hashF(sum func([]byte) string) filterFunc {
	return func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toBytes(v)
		if err != nil {
			return nil, err
		}
		return sum([]byte(s)), nil
	}
}

// errB64Padding is binascii's "Incorrect padding".
var errB64Padding = errors.New("Incorrect padding")

// pyB64Decode is base64.b64decode without validate, as CPython's
// binascii.a2b_base64 reads: characters outside the alphabet are skipped,
// and the first pad that completes a group ends the data (what follows is
// ignored); a group left unfinished is an error.
func pyB64Decode(s string) ([]byte, error) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var out []byte
	quad, pads, data := 0, 0, 0
	var left byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' {
			if quad >= 2 {
				pads++
				if quad+pads >= 4 {
					return out, nil
				}
			}
			continue
		}
		v := strings.IndexByte(alphabet, c)
		if v < 0 {
			continue
		}
		data++
		pads = 0
		b := byte(v)
		switch quad {
		case 0:
			left = b
		case 1:
			out = append(out, left<<2|b>>4)
			left = b & 0x0f
		case 2:
			out = append(out, left<<4|b>>2)
			left = b & 0x03
		case 3:
			out = append(out, left<<6|b)
		}
		quad = (quad + 1) % 4
	}
	switch quad {
	case 0:
		return out, nil
	case 1:
		return nil, fmt.Errorf("Invalid base64-encoded string: number of data characters (%d) cannot be 1 more than a multiple of 4", data)
	}
	return nil, errB64Padding
}

func addMiscFilters() {
	filters["md5"] = hashF(func(b []byte) string { h := md5.Sum(b); return hex.EncodeToString(h[:]) })
	filters["sha1"] = hashF(func(b []byte) string { h := sha1.Sum(b); return hex.EncodeToString(h[:]) })
	filters["sha256"] = hashF(func(b []byte) string { h := sha256.Sum256(b); return hex.EncodeToString(h[:]) })
	filters["sha512"] = hashF(func(b []byte) string { h := sha512.Sum512(b); return hex.EncodeToString(h[:]) })
	filters["base64_encode"] = hashF(func(b []byte) string { return base64.StdEncoding.EncodeToString(b) })
	filters["base64_decode"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toBytes(v)
		if err != nil {
			return nil, err
		}
		b, err := pyB64Decode(s)
		if err != nil {
			return nil, fmt.Errorf("base64_decode: %w", err)
		}
		// Salt's base64_b64decode gives text when the bytes are UTF-8,
		// else the bytes.
		if !utf8.Valid(b) {
			return pyBytes(b), nil
		}
		return string(b), nil
	}
	// path_join is salt.utils.path.join: each part normalised, the later
	// ones with their leading "/" stripped (an absolute part does not
	// restart the path, as os.path.join's would), the whole normalised.
	filters["path_join"] = func(_ *env, v any, args []any, _ map[string]any) (any, error) {
		var root string
		var rest []string
		for i, a := range append([]any{v}, args...) {
			s, err := toStr(a)
			if err != nil {
				return nil, err
			}
			s = pypath.Normpath(s)
			if i == 0 {
				root = s
				continue
			}
			rest = append(rest, strings.TrimLeft(s, "/"))
		}
		return pypath.Normpath(pypath.Join(root, rest...)), nil
	}
}
