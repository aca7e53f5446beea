package jinja

import (
	"crypto/sha1"
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"html"
	"math"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// addSaltFilters adds the rest of Salt's pure filters (salt/utils/jinja.py
// and the modules behind them) and Jinja's groupby, urlencode, wordwrap,
// striptags and filesizeformat. Filters that are random (gen_mac,
// random_hash, random_shuffle) or that change anything are left out.
func addSaltFilters() {
	filters["groupby"] = fGroupby
	filters["skip"] = func(*env, any, []any, map[string]any) (any, error) { return "", nil }
	filters["uuid"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		// salt.utils.stringutils.to_str: text only
		s, err := toBytes(v)
		if err != nil {
			return nil, err
		}
		return uuid5(s), nil
	}
	// On Python 3 these only walk the value; the value is already text.
	for _, name := range []string{"json_encode_dict", "json_decode_dict", "json_encode_list", "json_decode_list"} {
		filters[name] = identity
	}
	// salt.utils.stringutils.to_bytes: a str encoded (UTF-8 unless
	// encoding says), bytes as they are, anything else a TypeError.
	filters["to_bytes"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		switch x := v.(type) {
		case pyBytes:
			return x, nil
		case string:
			return strEncode(x, args, kw)
		}
		return nil, fmt.Errorf("expected str, bytes, or bytearray not <class '%s'>", typeName(normalize(v)))
	}
	filters["str_to_num"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) { return saltToNum(v) }
	filters["to_snake_case"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, ok := normalize(v).(string)
		if !ok {
			return nil, fmt.Errorf("'%s' object is not subscriptable", typeName(v))
		}
		if s == "" {
			// camel_input[0]
			return nil, fmt.Errorf("string index out of range")
		}
		return toSnake(s), nil
	}
	filters["to_camelcase"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		s, ok := normalize(v).(string)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'split'", typeName(v))
		}
		return toCamel(s, boolArg(args, kw, 0, "uppercamel", false)), nil
	}
	filters["is_hex"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		// int(value, 16) succeeds: text only (a number with a base is a
		// TypeError), Python's int() syntax
		s, ok := normalize(v).(string)
		return ok && pyIntSyntax(s, 16), nil
	}
	filters["contains_whitespace"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, _ := v.(string)
		return strings.IndexFunc(s, unicode.IsSpace) >= 0, nil
	}
	filters["substring_in_list"] = func(e *env, v any, args []any, kw map[string]any) (any, error) {
		sub, err := toStr(v)
		if err != nil {
			return nil, err
		}
		items, err := iterate(arg(args, kw, 0, "list", []any{}))
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			if s, ok := it.(string); ok && strings.Contains(s, sub) {
				return true, nil
			}
		}
		return false, nil
	}
	filters["is_sorted"] = func(e *env, v any, _ []any, _ map[string]any) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		for i := 1; i < len(items); i++ {
			c, err := compare(items[i-1], items[i])
			if err != nil {
				return nil, err
			}
			if c > 0 {
				return false, nil
			}
		}
		return true, nil
	}
	filters["compare_lists"] = fCompareLists
	filters["compare_dicts"] = fCompareDicts
	filters["human_to_bytes"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		unit, err := toStr(arg(args, kw, 0, "default_unit", "B"))
		if err != nil {
			return nil, err
		}
		return humanToBytes(s, unit, boolArg(args, kw, 1, "handle_metric", false)), nil
	}
	filters["which"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		if p, err := exec.LookPath(s); err == nil {
			return p, nil
		}
		return nil, nil
	}
	filters["urlencode"] = func(e *env, v any, _ []any, _ map[string]any) (any, error) {
		if m, ok := normalize(v).(*odict.Map); ok {
			var parts []string
			for k, mv := range m.All() {
				s, err := toStr(mv)
				if err != nil {
					return nil, err
				}
				parts = append(parts, urlQuote(k, "", true)+"="+urlQuote(s, "", true))
			}
			return strings.Join(parts, "&"), nil
		}
		// any other iterable but a string is (key, value) pairs
		if _, isStr := v.(string); !isStr {
			if items, err := iterate(v); err == nil {
				parts := make([]string, 0, len(items))
				for _, it := range items {
					pair, ok := normalize(it).([]any)
					if !ok || len(pair) != 2 {
						return nil, fmt.Errorf("urlencode: expected (key, value) pairs, got %s", typeName(it))
					}
					k, err := toStr(pair[0])
					if err != nil {
						return nil, err
					}
					s, err := toStr(pair[1])
					if err != nil {
						return nil, err
					}
					parts = append(parts, urlQuote(k, "", true)+"="+urlQuote(s, "", true))
				}
				return strings.Join(parts, "&"), nil
			}
		}
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		return urlQuote(s, "/", false), nil
	}
	filters["striptags"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		// markupsafe's striptags: tags and comments out, whitespace
		// collapsed, then entities unescaped
		s = regexp.MustCompile(`(?s)<!--.*?-->|<[^>]*>`).ReplaceAllString(s, "")
		return html.UnescapeString(strings.Join(strings.Fields(s), " ")), nil
	}
	filters["wordwrap"] = fWordwrap
	filters["filesizeformat"] = fFilesize
}

// urlQuote is Python's urllib quote (plus: quote_plus): every byte but
// letters, digits, _.-~ and safe becomes %XX.
func urlQuote(s, safe string, plus bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("_.-~", c) >= 0, strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// fGroupby is Jinja's groupby: (grouper, list) pairs sorted by grouper.
func fGroupby(e *env, v any, args []any, kw map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	attr := fmt.Sprint(arg(args, kw, 0, "attribute", ""))
	// Jinja's default=None is no default at all (make_attrgetter).
	def := arg(args, kw, 1, "default", nil)
	caseSensitive := boolArg(args, kw, 2, "case_sensitive", false)
	value := func(it any) any {
		k := lookupPath(it, attr)
		if _, undef := k.(Undefined); undef && def != nil {
			return def
		}
		return k
	}
	// Jinja 3.1 sorts and groups on the lowered key unless
	// case_sensitive=True, and names each group by its first item's key
	// as it is: 'X' and 'x' are one group, 'X'.
	key := func(it any) any {
		k := value(it)
		if s, ok := k.(string); ok && !caseSensitive {
			return strings.ToLower(s)
		}
		return k
	}
	sorted := append([]any{}, items...)
	var serr error
	sort.SliceStable(sorted, func(i, j int) bool {
		c, err := compare(key(sorted[i]), key(sorted[j]))
		if err != nil && serr == nil {
			serr = err
		}
		return c < 0
	})
	if serr != nil {
		return nil, serr
	}
	var out []*group
	var last any
	for _, it := range sorted {
		k := key(it)
		if u, undef := k.(Undefined); undef {
			return nil, u.err()
		}
		if n := len(out); n > 0 && equal(last, k) {
			out[n-1].list = append(out[n-1].list, it)
			continue
		}
		last = k
		out = append(out, &group{grouper: value(it), list: []any{it}})
	}
	res := make([]any, len(out))
	for i, g := range out {
		res[i] = grouped{g.grouper, g.list}
	}
	return res, nil
}

// group is one groupby result while it is built.
type group struct {
	grouper any
	list    []any
}

// grouped is what groupby yields, Jinja's namedtuple (grouper, list): it
// unpacks in a for loop like a pair, and .grouper and .list read it.
type grouped []any

func fCompareLists(e *env, v any, args []any, kw map[string]any) (any, error) {
	oldL, err := iterate(v)
	if err != nil {
		return nil, err
	}
	newL, err := iterate(arg(args, kw, 0, "new", []any{}))
	if err != nil {
		return nil, err
	}
	out := newDict(2)
	var gone, came []any
	for _, x := range oldL {
		if ok, _ := contains(newL, x); !ok {
			gone = append(gone, x)
		}
	}
	for _, x := range newL {
		if ok, _ := contains(oldL, x); !ok {
			came = append(came, x)
		}
	}
	// Salt sets "new" first (ret.setdefault in its first loop)
	if came != nil {
		out.Set("new", came)
	}
	if gone != nil {
		out.Set("old", gone)
	}
	return out, nil
}

func fCompareDicts(e *env, v any, args []any, kw map[string]any) (any, error) {
	oldM, _ := normalize(v).(*odict.Map)
	newM, _ := normalize(arg(args, kw, 0, "new", newDict(0))).(*odict.Map)
	out := newDict(0)
	change := func(k string, o, n any) {
		c := newDict(2)
		c.Set("old", o)
		c.Set("new", n)
		out.Set(k, c)
	}
	for k, ov := range oldM.All() {
		nv, ok := newM.Get(k)
		switch {
		case !ok:
			// Salt writes a removed key new first
			c := newDict(2)
			c.Set("new", "")
			c.Set("old", ov)
			out.Set(k, c)
		case !equal(ov, nv):
			change(k, ov, nv)
		}
	}
	for k, nv := range newM.All() {
		if !oldM.Has(k) {
			change(k, "", nv)
		}
	}
	return out, nil
}

// ipFilter is Salt's ipaddr/ipv4/ipv6: keep the values that are addresses
// or networks (of one version when version is 4 or 6); a single value
// comes back itself or as None.
var (
	humanRE       = regexp.MustCompile(`^([0-9.]*)\s*(.*)$`)
	humanMetricRE = regexp.MustCompile(`^[kmgtpezy]b$`)
	humanUnitRE   = regexp.MustCompile(`^(b|[kmgtpezy](ib)?)$`)
)

// humanToBytes is Salt 3005's human_to_bytes (salt/utils/stringutils.py):
// a number (an int, or a float the result is cut from) and a unit, b or
// k…y with or without "ib" (powers of 1024), or kb…yb, powers of 1000
// with handleMetric and of 1024 without; 0 for any other form.
func humanToBytes(size, defaultUnit string, handleMetric bool) any {
	m := humanRE.FindStringSubmatch(strings.TrimSpace(size))
	if m == nil {
		return 0
	}
	unit := strings.ToLower(m[2])
	if unit == "" {
		unit = strings.ToLower(defaultUnit)
	}
	iv, ierr := strconv.ParseInt(m[1], 10, 64)
	fv, ferr := strconv.ParseFloat(m[1], 64)
	if ierr != nil && (ferr != nil || m[1] == "") {
		return 0
	}
	dec := false
	switch {
	case humanMetricRE.MatchString(unit):
		dec = handleMetric
	case !humanUnitRE.MatchString(unit):
		return 0
	}
	p := strings.IndexByte("bkmgtpezy", unit[0])
	mult := math.Pow(2, float64(p*10))
	if dec {
		mult = math.Pow(10, float64(p*3))
	}
	if ierr == nil && mult <= math.MaxInt64 && (iv == 0 || math.Abs(float64(iv)) <= math.MaxInt64/mult) {
		return int(iv) * int(mult)
	}
	if ierr == nil {
		fv = float64(iv)
	}
	r := math.Trunc(fv * mult)
	if math.Abs(r) < math.MaxInt64 {
		return int(r)
	}
	return r // past an int64: Python's int is exact, this is near
}

// toSnake is salt.utils.stringutils.camel_to_snake_case: an underscore
// before an upper-case letter that follows a lower-case one or comes
// before one, everything lowered (Python's str.lower).
func toSnake(s string) string {
	rs := []rune(s)
	if len(rs) == 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(pyLower(string(rs[0])))
	for i := 1; i < len(rs); i++ {
		r := rs[i]
		if unicode.IsUpper(r) && (unicode.IsLower(rs[i-1]) || i != len(rs)-1 && unicode.IsLower(rs[i+1])) {
			b.WriteByte('_')
		}
		b.WriteString(pyLower(string(r)))
	}
	return b.String()
}

// toCamel is salt.utils.stringutils.snake_to_camel_case: the words after
// the first capitalized (Python's str.capitalize), the first too when
// upper.
func toCamel(s string, upper bool) string {
	words := strings.Split(s, "_")
	if upper {
		words[0] = pyCapitalize(words[0])
	}
	var b strings.Builder
	b.WriteString(words[0])
	for _, w := range words[1:] {
		b.WriteString(pyCapitalize(w))
	}
	return b.String()
}

// saltToNum is salt.utils.stringutils.to_num (the to_num and str_to_num
// filters): int(text), else float(text), else the text; int() of any
// other value, so a bool is 0 or 1, a float is cut to an int, and a list
// or None is a TypeError.
func saltToNum(v any) (any, error) {
	switch x := normalize(v).(type) {
	case string:
		if n, ok := pyParseInt(x, 10); ok {
			return n, nil
		}
		if f, ok := pyParseFloat(x); ok {
			return f, nil
		}
		return x, nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	case int:
		return x, nil
	case float64:
		switch {
		case math.IsNaN(x):
			// int(nan) is a ValueError, so float(nan)
			return x, nil
		case math.IsInf(x, 0):
			return nil, fmt.Errorf("cannot convert float infinity to integer")
		case math.Abs(x) >= 1<<63:
			return nil, fmt.Errorf("integer overflow: brine's integers are 64-bit")
		}
		return int(x), nil
	}
	return nil, fmt.Errorf("int() argument must be a string, a bytes-like object or a real number, not '%s'", strings.TrimSuffix(typeName(v), " object"))
}

// pyIntSyntax reports whether Python's int(s, base) reads s: whitespace
// around, a sign, the base's prefix, digits with single underscores
// between them. The value may be of any size.
func pyIntSyntax(s string, base int) bool {
	s = strings.TrimFunc(s, isPySpace)
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	if base == 16 && len(s) > 1 && s[0] == '0' && s[1]|0x20 == 'x' {
		s = strings.TrimPrefix(s[2:], "_")
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return false
	}
	for _, r := range strings.ReplaceAll(s, "_", "") {
		d := strings.IndexRune("0123456789abcdefghijklmnopqrstuvwxyz", unicode.ToLower(r))
		if d < 0 || d >= base {
			return false
		}
	}
	return true
}

// uuid5 is Salt's uuid filter: a name-based (SHA-1) UUID in Salt's own
// namespace 91633EBF-1C86-5E33-935A-28061F4B480E.
func uuid5(name string) string {
	ns := []byte{0x91, 0x63, 0x3e, 0xbf, 0x1c, 0x86, 0x5e, 0x33, 0x93, 0x5a, 0x28, 0x06, 0x1f, 0x4b, 0x48, 0x0e}
	h := sha1.New()
	h.Write(ns)
	h.Write([]byte(name))
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func fFilesize(_ *env, v any, args []any, kw map[string]any) (any, error) {
	_, f, _, ok := toNum(v)
	if !ok {
		s, err := toStr(v)
		if err != nil {
			return nil, err
		}
		// Python's float(): spaces, underscores, inf
		if f, ok = pyParseFloat(s); !ok {
			return nil, fmt.Errorf("filesizeformat: %q is not a number", s)
		}
	}
	binary := boolArg(args, kw, 0, "binary", false)
	base, units := 1000.0, []string{"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}
	if binary {
		base, units = 1024, []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"}
	}
	switch {
	case f == 1:
		return "1 Byte", nil
	case f < base:
		return fmt.Sprintf("%d Bytes", int(f)), nil
	}
	unit := ""
	for i, u := range units {
		unit = u
		if f < pow(base, i+2) || i == len(units)-1 {
			return fmt.Sprintf("%.1f %s", base*f/pow(base, i+2), unit), nil
		}
	}
	return fmt.Sprintf("%.1f %s", f, unit), nil
}

func pow(b float64, n int) float64 {
	r := 1.0
	for range n {
		r *= b
	}
	return r
}
