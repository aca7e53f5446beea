package jinja

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/netip"
	"sort"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/py/pyre"
)

// addSaltMoreFilters adds the filters Salt 3006 registers that brine
// lacked: SerializerExtension's itertools filters and
// dict_to_sls_yaml_params (salt/utils/jinja.py), method_call
// (salt/utils/jinja.py), exactly_n_true, exactly_one_true,
// sorted_ignorecase and mysql_to_dict (salt/utils/data.py),
// check_whitelist_blacklist (salt/utils/stringutils.py), the
// *_dict_key_value filters (salt/utils/dictupdate.py), hmac and
// hmac_compute (salt/utils/hashutils.py) and network_hosts
// (salt/utils/network.py). Each follows its Salt function.
func addSaltMoreFilters() {
	filters["method_call"] = fMethodCall
	filters["exactly_n_true"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		return exactlyN(v, arg(args, kw, 0, "amount", 1))
	}
	filters["exactly_one_true"] = func(_ *env, v any, _ []any, _ map[string]any) (any, error) {
		return exactlyN(v, 1)
	}
	filters["sorted_ignorecase"] = fSortedIgnorecase
	filters["check_whitelist_blacklist"] = fCheckWhitelistBlacklist
	filters["mysql_to_dict"] = fMysqlToDict
	filters["hmac"] = fHMAC
	filters["hmac_compute"] = func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		sum, err := hmacSHA256(v, args, kw)
		if err != nil {
			return nil, err
		}
		return hex.EncodeToString(sum), nil
	}
	filters["set_dict_key_value"] = dictKeyValue("set")
	filters["append_dict_key_value"] = dictKeyValue("append")
	filters["extend_dict_key_value"] = dictKeyValue("extend")
	filters["update_dict_key_value"] = dictKeyValue("update")
	filters["dict_to_sls_yaml_params"] = fDictToSLSYAMLParams
	filters["network_hosts"] = fNetworkHosts
	filters["zip"] = func(e *env, v any, args []any, _ map[string]any) (any, error) {
		return gZip(e, append([]any{v}, args...), nil)
	}
	filters["zip_longest"] = fZipLongest
	filters["combinations"] = combinatoric("combinations")
	filters["combinations_with_replacement"] = combinatoric("combinations_with_replacement")
	filters["permutations"] = combinatoric("permutations")
	filters["product"] = fProduct
	filters["compress"] = fCompress
	for _, name := range []string{"zip", "zip_longest", "combinations", "combinations_with_replacement",
		"permutations", "product", "compress"} {
		// itertools objects: true in a test even when empty, no len()
		generatorFilters[name] = true
	}
}

// pyTypeRepr is how Python writes the type of v in a message: <class 'int'>.
func pyTypeRepr(v any) string {
	return fmt.Sprintf("<class '%s'>", strings.TrimSuffix(typeName(v), " object"))
}

// toBytes is salt.utils.stringutils.to_bytes of v: bytes as they are,
// text as its UTF-8; anything else is refused.
func toBytes(v any) (string, error) {
	if b, ok := v.(pyBytes); ok {
		return string(b), nil
	}
	s, ok := normalize(v).(string)
	if !ok {
		return "", fmt.Errorf("expected str, bytes, or bytearray not %s", pyTypeRepr(v))
	}
	return s, nil
}

// fMethodCall is Salt's method_call: getattr(obj, f_name, a function that
// gives None)(*f_args, **f_kwargs).
func fMethodCall(e *env, v any, args []any, kw map[string]any) (any, error) {
	if len(args) == 0 {
		return nil, fmt.Errorf("method_call() missing 1 required positional argument: 'f_name'")
	}
	name, ok := args[0].(string)
	if !ok {
		return nil, fmt.Errorf("attribute name must be string, not '%s'", typeName(args[0]))
	}
	if !hasMethod(v, name) {
		return nil, nil
	}
	return e.callMethod(nil, v, name, args[1:], kw)
}

// exactlyN is salt.utils.data.exactly_n: `all(any(i) for j in
// range(amount)) and not any(i)` on one iterator, which holds when
// exactly max(amount, 0) items are true.
func exactlyN(v any, amount any) (any, error) {
	n, _, isF, ok := toNum(amount)
	if !ok || isF {
		return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(amount))
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	// any() stops at the first true item, so the items after the last
	// one any() needed are never asked for their truth.
	seen := 0
	for _, it := range items {
		t, err := truth(it)
		if err != nil {
			return nil, err
		}
		if t {
			seen++
			if seen > n {
				return false, nil
			}
		}
	}
	return seen == n || (n < 0 && seen == 0), nil
}

// fSortedIgnorecase is salt.utils.data.sorted_ignorecase: sorted(to_sort,
// key=lambda x: x.lower()), a stable sort on str.lower().
func fSortedIgnorecase(_ *env, v any, _ []any, _ map[string]any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(items))
	for i, it := range items {
		s, ok := normalize(it).(string)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'lower'", typeName(it))
		}
		keys[i] = pyLower(s)
	}
	idx := make([]int, len(items))
	for i := range idx {
		idx[i] = i
	}
	// Go's string order is code point order, as Python's.
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]any, len(items))
	for i, j := range idx {
		out[i] = items[j]
	}
	return out, nil
}

// wbList is how check_whitelist_blacklist reads one of its lists: text is
// a list of one, a false value is none, anything else must be iterable.
func wbList(v any, which string) ([]any, error) {
	t, err := truth(v)
	if err != nil {
		return nil, err
	}
	if !t {
		return nil, nil
	}
	if s, ok := normalize(v).(string); ok {
		return []any{s}, nil
	}
	items, err := iterate(v)
	if err != nil {
		r, _ := toStr(v)
		return nil, fmt.Errorf("Expecting iterable %s, but got %s (%s)", which, typeName(v), r)
	}
	return items, nil
}

// exprMatch is salt.utils.stringutils.expr_match: a glob
// (fnmatch.fnmatch, case-sensitive on POSIX), else a regular expression
// matching the whole value. A value or expression that is not text
// matches nothing (Salt logs the TypeError and returns False).
func exprMatch(value, expr any) bool {
	line, ok1 := normalize(value).(string)
	ex, ok2 := normalize(expr).(string)
	if !ok1 || !ok2 {
		return false
	}
	if fnmatch.Match(ex, line) {
		return true
	}
	re, err := pyre.Compile(`\A`+ex+`\Z`, 0)
	return err == nil && re.MatchString(line)
}

func fCheckWhitelistBlacklist(_ *env, v any, args []any, kw map[string]any) (any, error) {
	black, err := wbList(arg(args, kw, 1, "blacklist", nil), "blacklist")
	if err != nil {
		return nil, err
	}
	white, err := wbList(arg(args, kw, 0, "whitelist", nil), "whitelist")
	if err != nil {
		return nil, err
	}
	anyMatch := func(l []any) bool {
		for _, ex := range l {
			if exprMatch(v, ex) {
				return true
			}
		}
		return false
	}
	switch {
	case len(black) > 0 && len(white) == 0:
		return !anyMatch(black), nil
	case len(white) > 0 && len(black) == 0:
		return anyMatch(white), nil
	case len(white) > 0 && len(black) > 0:
		return !anyMatch(black) && anyMatch(white), nil
	}
	return true, nil
}

// fMysqlToDict is salt.utils.data.mysql_to_dict: the first line that is
// not a +---+ rule is the header; each later row is a dict of its fields
// (but the first and the last, which are outside the | borders), the
// values through to_num, stored under the row's value of key.
func fMysqlToDict(e *env, v any, args []any, kw map[string]any) (any, error) {
	key := arg(args, kw, 0, "key", nil)
	if len(args) == 0 && kw["key"] == nil {
		return nil, fmt.Errorf("mysql_to_dict() missing 1 required positional argument: 'key'")
	}
	lines, err := iterate(v)
	if err != nil {
		return nil, err
	}
	ret := newDict(0)
	headers := []string{""}
	for _, l := range lines {
		if t, err := truth(l); err != nil || !t {
			if err != nil {
				return nil, err
			}
			continue
		}
		line, ok := normalize(l).(string)
		if !ok {
			return nil, fmt.Errorf("'%s' object has no attribute 'startswith'", typeName(l))
		}
		if strings.HasPrefix(line, "+") {
			continue
		}
		comps := strings.Split(line, "|")
		for i := range comps {
			comps[i] = pyStrip(comps[i])
		}
		if len(headers) <= 1 {
			headers = comps
			continue
		}
		row := newDict(len(headers))
		for field := 1; field < len(headers)-1; field++ {
			if field >= len(comps) {
				return nil, fmt.Errorf("list index out of range")
			}
			n, _ := saltToNum(comps[field])
			row.Set(headers[field], n)
		}
		k, ok := key.(string)
		if !ok {
			return nil, fmt.Errorf("KeyError: %v", key)
		}
		rk, found := row.Get(k)
		if !found {
			r, _ := repr(k)
			return nil, fmt.Errorf("KeyError: %s", r)
		}
		ret.Set(keyString(rk), row)
	}
	return ret, nil
}

// pyStrip is str.strip() with no argument: Python's whitespace.
func pyStrip(s string) string { return strings.TrimFunc(s, isPySpace) }

// isPySpace is str.isspace() of one character: Unicode's whitespace and
// the four ASCII separators (\x1c-\x1f) Python counts with it.
func isPySpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// fHMAC is salt.utils.hashutils.hmac_signature: whether challenge is the
// base64 of the HMAC-SHA256 of the value under shared_secret.
func fHMAC(_ *env, v any, args []any, kw map[string]any) (any, error) {
	sum, err := hmacSHA256(v, args, kw)
	if err != nil {
		return nil, err
	}
	challenge, err := toBytes(arg(args, kw, 1, "challenge_hmac", nil))
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.EncodeToString(sum) == challenge, nil
}

// hmacSHA256 is the HMAC-SHA256 of the value under the shared_secret
// argument, as both of Salt's hmac filters compute it.
func hmacSHA256(v any, args []any, kw map[string]any) ([]byte, error) {
	msg, err := toBytes(v)
	if err != nil {
		return nil, err
	}
	key, err := toBytes(arg(args, kw, 0, "shared_secret", nil))
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(msg))
	return m.Sum(nil), nil
}

// dictKeyValue is one of salt.utils.dictupdate's set_, append_, extend_
// and update_dict_key_value: every key but the last is made a dict where
// it is missing or not a dict, then the last key is set, appended to,
// extended or updated. The dict itself is changed and returned.
func dictKeyValue(op string) filterFunc {
	return func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		in, ok := v.(*odict.Map)
		if !ok {
			return nil, fmt.Errorf("%s_dict_key_value: '%s' object is not a dict", op, typeName(v))
		}
		keysV := arg(args, kw, 0, "keys", nil)
		keys, ok := keysV.(string)
		if !ok {
			return nil, fmt.Errorf("argument of type '%s' is not iterable", typeName(keysV))
		}
		if len(args) < 2 {
			if _, has := kw["value"]; !has {
				return nil, fmt.Errorf("%s_dict_key_value() missing 1 required positional argument: 'value'", op)
			}
		}
		value := arg(args, kw, 1, "value", nil)
		delim, err := toStr(arg(args, kw, 2, "delimiter", ":"))
		if err != nil {
			return nil, err
		}
		ordered := boolArg(args, kw, 3, "ordered_dict", false)
		newMap := func() *odict.Map {
			m := newDict(0)
			m.SetOrderedDict(ordered)
			return m
		}
		ptr, last := in, keys
		if delim != "" && strings.Contains(keys, delim) {
			i := strings.LastIndex(keys, delim)
			last = keys[i+len(delim):]
			for _, k := range strings.Split(keys[:i], delim) {
				cur, has := ptr.Get(k)
				next, isMap := cur.(*odict.Map)
				if !has || !isMap {
					next = newMap()
					ptr.Set(k, next)
				}
				ptr = next
			}
		}
		if op == "set" {
			ptr.Set(last, value)
			return in, nil
		}
		cur, has := ptr.Get(last)
		if !has || cur == nil {
			if op == "update" {
				cur = newMap()
			} else {
				cur = &List{}
			}
			ptr.Set(last, cur)
		}
		switch op {
		case "update":
			m, isMap := cur.(*odict.Map)
			if !isMap {
				return nil, fmt.Errorf("The last key contains a %s, which cannot update.", pyTypeRepr(cur))
			}
			upd, err := toDict(value)
			if err != nil {
				return nil, fmt.Errorf("Cannot update %s with a %s.", pyTypeRepr(cur), pyTypeRepr(value))
			}
			for _, k := range upd.Keys() {
				x, _ := upd.Get(k)
				m.Set(k, x)
			}
			return in, nil
		}
		var items []any
		switch l := cur.(type) {
		case *List:
			items = l.items
		case []any:
			items = l
		default:
			return nil, fmt.Errorf("The last key contains a %s, which cannot %s.", pyTypeRepr(cur), op)
		}
		if op == "append" {
			items = append(items, value)
		} else {
			more, err := iterate(value)
			if err != nil {
				return nil, fmt.Errorf("Cannot extend %s with a %s.", pyTypeRepr(cur), pyTypeRepr(value))
			}
			items = append(items, more...)
		}
		if l, isList := cur.(*List); isList {
			// the same list, as Python's append changes it in place
			l.items = items
		} else {
			ptr.Set(last, items)
		}
		return in, nil
	}
}

// fDictToSLSYAMLParams is SerializerExtension.dict_to_sls_yaml_params: the
// dict as a YAML list of one-key dicts, block style unless flow_style.
func fDictToSLSYAMLParams(e *env, v any, args []any, kw map[string]any) (any, error) {
	m, ok := v.(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'items'", typeName(v))
	}
	l := make([]any, 0, m.Len())
	for _, k := range m.Keys() {
		x, _ := m.Get(k)
		one := newDict(1)
		one.Set(k, x)
		l = append(l, one)
	}
	return fYAML(e, l, []any{boolArg(args, kw, 0, "flow_style", false)}, nil)
}

// fNetworkHosts is salt.utils.network.network_hosts: the hosts of each
// network (ip_network(strict=False).hosts()) among the value's valid
// addresses, one list for a text value, a list of lists for a list.
func fNetworkHosts(e *env, v any, args []any, kw map[string]any) (any, error) {
	version := 0
	if vv := arg(args, kw, 1, "version", nil); vv != nil {
		version, _, _, _ = toNum(vv)
		if version != 4 && version != 6 {
			version = 0
		}
	}
	kept, err := ipFilter(version)(e, v, args, kw)
	if err != nil {
		return nil, err
	}
	var addrs []any
	switch x := normalize(kept).(type) {
	case []any:
		addrs = x
	case nil:
	default:
		addrs = []any{x}
	}
	if len(addrs) == 0 {
		return nil, nil
	}
	hosts := func(a any) (any, error) {
		s, err := toStr(a)
		if err != nil {
			return nil, err
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			ad, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("network_hosts: %q is not a network", s)
			}
			p = netip.PrefixFrom(ad, ad.BitLen())
		}
		return networkHosts(p.Masked())
	}
	if _, isList := normalize(v).([]any); !isList {
		return hosts(addrs[0])
	}
	out := make([]any, len(addrs))
	for i, a := range addrs {
		if out[i], err = hosts(a); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxHosts bounds network_hosts, as range() is bounded: Salt lists every
// host of even a /64, which no template can hold.
const maxHosts = maxRange

// networkHosts is ipaddress's Network.hosts(): every address but the
// network and broadcast ones for IPv4 (all of a /31 and the one of a
// /32), every address but the Subnet-Router anycast one for IPv6 (all
// of a /127 and the one of a /128).
func networkHosts(p netip.Prefix) (any, error) {
	free := p.Addr().BitLen() - p.Bits()
	if free > 20 {
		return nil, fmt.Errorf("network_hosts: %s has more than %d hosts", p, maxHosts)
	}
	n := 1 << free
	first, last := 0, n
	switch {
	case p.Addr().Is4() && free > 1:
		first, last = 1, n-1
	case p.Addr().Is6() && free > 1:
		first = 1
	}
	out := make([]any, 0, last-first)
	a := p.Addr()
	for i := 0; i < n; i++ {
		if i >= first && i < last {
			out = append(out, a.String())
		}
		a = a.Next()
	}
	return out, nil
}

// fZipLongest is itertools.zip_longest(*iterables, fillvalue=None).
func fZipLongest(_ *env, v any, args []any, kw map[string]any) (any, error) {
	for k := range kw {
		if k != "fillvalue" {
			return nil, fmt.Errorf("zip_longest() got an unexpected keyword argument '%s'", k)
		}
	}
	fill := kw["fillvalue"]
	lists := make([][]any, 0, len(args)+1)
	n := 0
	for _, a := range append([]any{v}, args...) {
		l, err := iterate(a)
		if err != nil {
			return nil, err
		}
		lists = append(lists, l)
		n = max(n, len(l))
	}
	out := make([]any, n)
	for i := range out {
		t := make(tuple, len(lists))
		for j, l := range lists {
			if i < len(l) {
				t[j] = l[i]
			} else {
				t[j] = fill
			}
		}
		out[i] = t
	}
	return out, nil
}

// maxCombinatoric bounds what the itertools filters build: their results
// grow factorially.
const maxCombinatoric = maxRange

// combinatoric is itertools.combinations(iterable, r),
// combinations_with_replacement(iterable, r) and permutations(iterable,
// r=None), in itertools' order.
func combinatoric(kind string) filterFunc {
	return func(_ *env, v any, args []any, kw map[string]any) (any, error) {
		pool, err := iterate(v)
		if err != nil {
			return nil, err
		}
		rv := arg(args, kw, 0, "r", nil)
		r := len(pool)
		if rv == nil && kind != "permutations" {
			return nil, fmt.Errorf("%s() missing required argument 'r' (pos 2)", kind)
		}
		if rv != nil {
			i, _, isF, ok := toNum(rv)
			if !ok || isF {
				return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(rv))
			}
			if i < 0 {
				return nil, fmt.Errorf("r must be non-negative")
			}
			r = i
		}
		out := []any{}
		idx := make([]int, 0, r)
		used := make([]bool, len(pool))
		var walk func(start int) error
		walk = func(start int) error {
			if len(idx) == r {
				if len(out) >= maxCombinatoric {
					return fmt.Errorf("%s: more than %d results", kind, maxCombinatoric)
				}
				t := make(tuple, r)
				for i, j := range idx {
					t[i] = pool[j]
				}
				out = append(out, t)
				return nil
			}
			from := 0
			switch kind {
			case "combinations":
				from = start
			case "combinations_with_replacement":
				from = start
			}
			for j := from; j < len(pool); j++ {
				if kind == "permutations" && used[j] {
					continue
				}
				used[j] = true
				idx = append(idx, j)
				next := j + 1
				if kind == "combinations_with_replacement" {
					next = j
				}
				err := walk(next)
				idx = idx[:len(idx)-1]
				used[j] = false
				if err != nil {
					return err
				}
			}
			return nil
		}
		if r > len(pool) && kind != "combinations_with_replacement" {
			return out, nil
		}
		if kind == "combinations_with_replacement" && len(pool) == 0 && r > 0 {
			return out, nil
		}
		if err := walk(0); err != nil {
			return nil, err
		}
		return out, nil
	}
}

// fProduct is itertools.product(*iterables, repeat=1).
func fProduct(_ *env, v any, args []any, kw map[string]any) (any, error) {
	for k := range kw {
		if k != "repeat" {
			return nil, fmt.Errorf("product() got an unexpected keyword argument '%s'", k)
		}
	}
	repeat := 1
	if rv, ok := kw["repeat"]; ok {
		i, _, isF, ok := toNum(rv)
		if !ok || isF {
			return nil, fmt.Errorf("'%s' object cannot be interpreted as an integer", typeName(rv))
		}
		if i < 0 {
			return nil, fmt.Errorf("repeat argument cannot be negative")
		}
		repeat = i
	}
	var pools [][]any
	for _, a := range append([]any{v}, args...) {
		l, err := iterate(a)
		if err != nil {
			return nil, err
		}
		pools = append(pools, l)
	}
	all := make([][]any, 0, len(pools)*repeat)
	for i := 0; i < repeat; i++ {
		all = append(all, pools...)
	}
	result := [][]any{{}}
	for _, pool := range all {
		next := make([][]any, 0, len(result)*len(pool))
		for _, prefix := range result {
			for _, x := range pool {
				if len(next) >= maxCombinatoric {
					return nil, fmt.Errorf("product: more than %d results", maxCombinatoric)
				}
				t := make([]any, len(prefix)+1)
				copy(t, prefix)
				t[len(prefix)] = x
				next = append(next, t)
			}
		}
		result = next
	}
	out := make([]any, len(result))
	for i, t := range result {
		out[i] = tuple(t)
	}
	return out, nil
}

// fCompress is itertools.compress(data, selectors): the items whose
// selector is true, until either runs out.
func fCompress(_ *env, v any, args []any, kw map[string]any) (any, error) {
	data, err := iterate(v)
	if err != nil {
		return nil, err
	}
	selV := arg(args, kw, 0, "selectors", nil)
	if len(args) == 0 {
		if _, ok := kw["selectors"]; !ok {
			return nil, fmt.Errorf("compress() missing required argument 'selectors' (pos 2)")
		}
	}
	sel, err := iterate(selV)
	if err != nil {
		return nil, err
	}
	out := []any{}
	for i := 0; i < len(data) && i < len(sel); i++ {
		t, err := truth(sel[i])
		if err != nil {
			return nil, err
		}
		if t {
			out = append(out, data[i])
		}
	}
	return out, nil
}
