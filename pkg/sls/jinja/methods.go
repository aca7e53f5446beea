package jinja

import (
	"fmt"
	"strings"
	"unicode"
)

var dictMethods = map[string]bool{"items": true, "keys": true, "values": true, "get": true, "update": true,
	"setdefault": true, "pop": true, "copy": true, "clear": true, "iteritems": true, "iterkeys": true, "itervalues": true, "has_key": true}

var listMethods = map[string]bool{"append": true, "extend": true, "pop": true, "insert": true, "remove": true,
	"index": true, "count": true, "sort": true, "reverse": true, "copy": true, "clear": true}

var strMethods = map[string]bool{"split": true, "rsplit": true, "startswith": true, "endswith": true, "upper": true,
	"lower": true, "strip": true, "lstrip": true, "rstrip": true, "replace": true, "format": true, "join": true,
	"title": true, "capitalize": true, "find": true, "rfind": true, "index": true, "count": true, "isdigit": true,
	"isalpha": true, "isalnum": true, "isspace": true, "islower": true, "isupper": true, "splitlines": true,
	"zfill": true, "ljust": true, "rjust": true, "center": true, "partition": true, "rpartition": true,
	"swapcase": true, "casefold": true, "isnumeric": true, "isdecimal": true, "encode": true, "decode": true}

func hasMethod(recv any, name string) bool {
	switch x := recv.(type) {
	case map[string]any:
		return dictMethods[name]
	case *List, []any:
		return listMethods[name]
	case string:
		return strMethods[name]
	case *cycler:
		return name == "next" || name == "reset"
	case map[string]Func:
		_, isFunc := x[name]
		return dictMethods[name] && !isFunc && name != "get"
	}
	return false
}

func (e *env) callMethod(recvNode node, recv any, name string, args []any, kw map[string]any) (any, error) {
	switch x := recv.(type) {
	case map[string]any:
		return e.dictMethod(recvNode, x, name, args, kw)
	case map[string]Func:
		m := make(map[string]any, len(x))
		for k, v := range x {
			m[k] = v
		}
		return e.dictMethod(recvNode, m, name, args, kw)
	case *List:
		return listMethod(x, name, args)
	case []any:
		l := &List{items: x}
		r, err := listMethod(l, name, args)
		if err == nil && isMutator(name) {
			e.writeBack(recvNode, l)
		}
		return r, err
	case string:
		return strMethod(x, name, args, kw)
	case *cycler:
		return x.method(name)
	}
	return nil, fmt.Errorf("'%s' object has no attribute '%s'", typeName(recv), name)
}

func isMutator(name string) bool {
	switch name {
	case "append", "extend", "pop", "insert", "remove", "sort", "reverse", "clear":
		return true
	}
	return false
}

// writeBack stores a list that was boxed on its first mutation back where
// it came from, so later reads see the same List.
func (e *env) writeBack(n node, v any) {
	switch x := n.(type) {
	case *nameNode:
		e.ctx.Private[x.name] = v
	case *attrNode:
		c, err := e.eval(x.x)
		if err != nil {
			return
		}
		switch m := c.(type) {
		case map[string]any:
			m[x.name] = v
		case *Namespace:
			m.attrs[x.name] = v
		}
	case *itemNode:
		c, err := e.eval(x.x)
		if err != nil {
			return
		}
		k, err := e.eval(x.key)
		if err != nil {
			return
		}
		switch m := c.(type) {
		case map[string]any:
			m[keyString(k)] = v
		case *List:
			if i, _, isF, ok := toNum(k); ok && !isF && i >= 0 && i < len(m.items) {
				m.items[i] = v
			}
		}
	case *callNode:
		a, ok := x.fn.(*attrNode)
		if !ok || (a.name != "setdefault" && a.name != "get") || len(x.args) == 0 {
			return
		}
		c, err := e.eval(a.x)
		if err != nil {
			return
		}
		m, ok := c.(map[string]any)
		if !ok {
			return
		}
		k, err := e.eval(x.args[0])
		if err != nil {
			return
		}
		if _, exists := m[keyString(k)]; exists {
			m[keyString(k)] = v
		}
	}
}

func argOr(args []any, i int, def any) any {
	if i < len(args) {
		return args[i]
	}
	return def
}

// nestedGet reads "a:b:c" the way Salt's traverse_dict_and_list does.
func nestedGet(data any, key, delim string) (any, bool) {
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch c := normalize(cur).(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			var i int
			if _, err := fmt.Sscanf(part, "%d", &i); err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

func (e *env) dictMethod(recvNode node, m map[string]any, name string, args []any, kw map[string]any) (any, error) {
	switch name {
	case "items", "iteritems":
		out := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			out = append(out, tuple{k, m[k]})
		}
		return out, nil
	case "keys", "iterkeys":
		out := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			out = append(out, k)
		}
		return out, nil
	case "values", "itervalues":
		out := make([]any, 0, len(m))
		for _, k := range sortedKeys(m) {
			out = append(out, m[k])
		}
		return out, nil
	case "get":
		if len(args) == 0 {
			return nil, fmt.Errorf("get expected at least 1 argument")
		}
		def := argOr(args, 1, kw["default"])
		k := keyString(args[0])
		if v, ok := m[k]; ok {
			return v, nil
		}
		if strings.Contains(k, ":") {
			if v, ok := nestedGet(m, k, ":"); ok {
				return v, nil
			}
		}
		return def, nil
	case "has_key":
		_, ok := m[keyString(argOr(args, 0, ""))]
		return ok, nil
	case "update":
		for _, a := range args {
			switch o := normalize(a).(type) {
			case map[string]any:
				for k, v := range o {
					m[k] = v
				}
			case []any:
				for _, p := range o {
					pair, ok := normalize(p).([]any)
					if !ok || len(pair) != 2 {
						return nil, fmt.Errorf("dictionary update sequence element has wrong length")
					}
					m[keyString(pair[0])] = pair[1]
				}
			default:
				return nil, fmt.Errorf("'%s' object is not iterable", typeName(a))
			}
		}
		for k, v := range kw {
			m[k] = v
		}
		return nil, nil
	case "setdefault":
		if len(args) == 0 {
			return nil, fmt.Errorf("setdefault expected at least 1 argument")
		}
		k := keyString(args[0])
		if v, ok := m[k]; ok {
			return v, nil
		}
		v := argOr(args, 1, nil)
		m[k] = v
		return v, nil
	case "pop":
		if len(args) == 0 {
			return nil, fmt.Errorf("pop expected at least 1 argument")
		}
		k := keyString(args[0])
		if v, ok := m[k]; ok {
			delete(m, k)
			return v, nil
		}
		if len(args) > 1 {
			return args[1], nil
		}
		return nil, fmt.Errorf("KeyError: %s", reprOr(args[0]))
	case "copy":
		out := make(map[string]any, len(m))
		for k, v := range m {
			out[k] = v
		}
		return out, nil
	case "clear":
		clear(m)
		return nil, nil
	}
	return nil, fmt.Errorf("'dict object' has no attribute '%s'", name)
}

func listMethod(l *List, name string, args []any) (any, error) {
	switch name {
	case "append":
		if len(args) != 1 {
			return nil, fmt.Errorf("append() takes exactly one argument (%d given)", len(args))
		}
		l.items = append(l.items, args[0])
		return nil, nil
	case "extend":
		if len(args) != 1 {
			return nil, fmt.Errorf("extend() takes exactly one argument (%d given)", len(args))
		}
		more, err := iterate(args[0])
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, more...)
		return nil, nil
	case "insert":
		if len(args) != 2 {
			return nil, fmt.Errorf("insert expected 2 arguments, got %d", len(args))
		}
		i, _, _, _ := toNum(args[0])
		if i < 0 {
			i += len(l.items)
		}
		i = max(0, min(i, len(l.items)))
		l.items = append(l.items, nil)
		copy(l.items[i+1:], l.items[i:])
		l.items[i] = args[1]
		return nil, nil
	case "pop":
		if len(l.items) == 0 {
			return nil, fmt.Errorf("pop from empty list")
		}
		i := len(l.items) - 1
		if len(args) > 0 {
			i, _, _, _ = toNum(args[0])
			if i < 0 {
				i += len(l.items)
			}
			if i < 0 || i >= len(l.items) {
				return nil, fmt.Errorf("pop index out of range")
			}
		}
		v := l.items[i]
		l.items = append(l.items[:i:i], l.items[i+1:]...)
		return v, nil
	case "remove", "index":
		for i, v := range l.items {
			if equal(v, argOr(args, 0, nil)) {
				if name == "index" {
					return i, nil
				}
				l.items = append(l.items[:i:i], l.items[i+1:]...)
				return nil, nil
			}
		}
		return nil, fmt.Errorf("list.%s(x): x not in list", name)
	case "count":
		n := 0
		for _, v := range l.items {
			if equal(v, argOr(args, 0, nil)) {
				n++
			}
		}
		return n, nil
	case "sort":
		sorted, err := sortValues(l.items, false, false, "")
		if err != nil {
			return nil, err
		}
		l.items = sorted
		return nil, nil
	case "reverse":
		for i, j := 0, len(l.items)-1; i < j; i, j = i+1, j-1 {
			l.items[i], l.items[j] = l.items[j], l.items[i]
		}
		return nil, nil
	case "copy":
		return append([]any{}, l.items...), nil
	case "clear":
		l.items = nil
		return nil, nil
	}
	return nil, fmt.Errorf("'list' object has no attribute '%s'", name)
}

func strArg(args []any, i int, def string) (string, error) {
	if i >= len(args) || args[i] == nil {
		return def, nil
	}
	s, ok := normalize(args[i]).(string)
	if !ok {
		return "", fmt.Errorf("expected a string argument, got %s", typeName(args[i]))
	}
	return s, nil
}

func strMethod(s, name string, args []any, kw map[string]any) (any, error) {
	switch name {
	case "split", "rsplit":
		sep, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		if v, ok := kw["sep"]; ok {
			sep, _ = v.(string)
		}
		n := -1
		if len(args) > 1 {
			n, _, _, _ = toNum(args[1])
		} else if v, ok := kw["maxsplit"]; ok {
			n, _, _, _ = toNum(v)
		}
		return pySplit(s, sep, n, name == "rsplit"), nil
	case "splitlines":
		lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
		if len(lines) > 0 && lines[len(lines)-1] == "" {
			lines = lines[:len(lines)-1]
		}
		return strList(lines), nil
	case "startswith", "endswith":
		prefixes := []any{argOr(args, 0, "")}
		if l, ok := normalize(prefixes[0]).([]any); ok {
			prefixes = l
		}
		for _, p := range prefixes {
			ps, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("%s first arg must be str or a tuple of str", name)
			}
			if name == "startswith" && strings.HasPrefix(s, ps) || name == "endswith" && strings.HasSuffix(s, ps) {
				return true, nil
			}
		}
		return false, nil
	case "upper":
		return strings.ToUpper(s), nil
	case "lower", "casefold":
		return strings.ToLower(s), nil
	case "swapcase":
		return strings.Map(func(r rune) rune {
			if unicode.IsUpper(r) {
				return unicode.ToLower(r)
			}
			return unicode.ToUpper(r)
		}, s), nil
	case "strip", "lstrip", "rstrip":
		cut, err := strArg(args, 0, " \t\n\r\v\f")
		if err != nil {
			return nil, err
		}
		switch name {
		case "strip":
			return strings.Trim(s, cut), nil
		case "lstrip":
			return strings.TrimLeft(s, cut), nil
		}
		return strings.TrimRight(s, cut), nil
	case "replace":
		old, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		nw, err := strArg(args, 1, "")
		if err != nil {
			return nil, err
		}
		n := -1
		if len(args) > 2 {
			n, _, _, _ = toNum(args[2])
		}
		return strings.Replace(s, old, nw, n), nil
	case "format":
		return pyFormat(s, args, kw)
	case "join":
		items, err := iterate(argOr(args, 0, nil))
		if err != nil {
			return nil, err
		}
		parts := make([]string, len(items))
		for i, it := range items {
			str, ok := normalize(it).(string)
			if !ok {
				return nil, fmt.Errorf("sequence item %d: expected str instance, %s found", i, typeName(it))
			}
			parts[i] = str
		}
		return strings.Join(parts, s), nil
	case "title":
		return pyTitle(s), nil
	case "capitalize":
		return pyCapitalize(s), nil
	case "find", "rfind", "index":
		sub, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		var i int
		if name == "rfind" {
			i = strings.LastIndex(s, sub)
		} else {
			i = strings.Index(s, sub)
		}
		if i >= 0 {
			i = len([]rune(s[:i]))
		} else if name == "index" {
			return nil, fmt.Errorf("substring not found")
		}
		return i, nil
	case "count":
		sub, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		return strings.Count(s, sub), nil
	case "isdigit", "isnumeric", "isdecimal", "isalpha", "isalnum", "isspace", "islower", "isupper":
		return strIs(s, name), nil
	case "zfill":
		w, _, _, _ := toNum(argOr(args, 0, 0))
		sign := ""
		body := s
		if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
			sign, body = s[:1], s[1:]
		}
		return sign + pad(body, w-len(sign), '0', '>'), nil
	case "ljust", "rjust", "center":
		w, _, _, _ := toNum(argOr(args, 0, 0))
		fill, err := strArg(args, 1, " ")
		if err != nil || len([]rune(fill)) != 1 {
			return nil, fmt.Errorf("the fill character must be exactly one character long")
		}
		align := map[string]byte{"ljust": '<', "rjust": '>', "center": '^'}[name]
		return pad(s, w, []rune(fill)[0], align), nil
	case "partition", "rpartition":
		sep, err := strArg(args, 0, "")
		if err != nil || sep == "" {
			return nil, fmt.Errorf("empty separator")
		}
		var i int
		if name == "partition" {
			i = strings.Index(s, sep)
		} else {
			i = strings.LastIndex(s, sep)
		}
		if i < 0 {
			if name == "partition" {
				return tuple{s, "", ""}, nil
			}
			return tuple{"", "", s}, nil
		}
		return tuple{s[:i], sep, s[i+len(sep):]}, nil
	case "encode", "decode":
		return s, nil
	}
	return nil, fmt.Errorf("'str' object has no attribute '%s'", name)
}

func strIs(s, name string) bool {
	if s == "" {
		return false
	}
	hasCased := false
	for _, r := range s {
		ok := true
		switch name {
		case "isdigit", "isnumeric", "isdecimal":
			ok = unicode.IsDigit(r)
		case "isalpha":
			ok = unicode.IsLetter(r)
		case "isalnum":
			ok = unicode.IsLetter(r) || unicode.IsDigit(r)
		case "isspace":
			ok = unicode.IsSpace(r)
		case "islower":
			ok = !unicode.IsUpper(r)
			hasCased = hasCased || unicode.IsLower(r)
		case "isupper":
			ok = !unicode.IsLower(r)
			hasCased = hasCased || unicode.IsUpper(r)
		}
		if !ok {
			return false
		}
	}
	if name == "islower" || name == "isupper" {
		return hasCased
	}
	return true
}

func strList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// pySplit is str.split/rsplit: no separator splits on runs of whitespace.
func pySplit(s, sep string, n int, right bool) []any {
	if sep == "" {
		fields := strings.Fields(s)
		if n >= 0 && len(fields) > n+1 {
			if right {
				cut := len(fields) - n
				head := strings.TrimRightFunc(s, unicode.IsSpace)
				for range n {
					i := strings.LastIndexFunc(head, unicode.IsSpace)
					head = strings.TrimRightFunc(head[:i], unicode.IsSpace)
				}
				return strList(append([]string{head}, fields[cut:]...))
			}
			rest := strings.TrimLeftFunc(s, unicode.IsSpace)
			var out []string
			for range n {
				i := strings.IndexFunc(rest, unicode.IsSpace)
				out = append(out, rest[:i])
				rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
			}
			return strList(append(out, rest))
		}
		return strList(fields)
	}
	if n < 0 {
		return strList(strings.Split(s, sep))
	}
	if !right {
		return strList(strings.SplitN(s, sep, n+1))
	}
	var out []string
	for range n {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		out = append([]string{s[i+len(sep):]}, out...)
		s = s[:i]
	}
	return strList(append([]string{s}, out...))
}

func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prevCased {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prevCased = true
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func pyCapitalize(s string) string {
	r := []rune(strings.ToLower(s))
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

func pad(s string, w int, fill rune, align byte) string {
	n := w - len([]rune(s))
	if n <= 0 {
		return s
	}
	if n > maxRepeat {
		n = maxRepeat
	}
	f := string(fill)
	switch align {
	case '<':
		return s + strings.Repeat(f, n)
	case '^':
		left := n / 2
		return strings.Repeat(f, left) + s + strings.Repeat(f, n-left)
	}
	return strings.Repeat(f, n) + s
}
