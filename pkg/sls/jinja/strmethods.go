package jinja

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/brine-cm/brine/pkg/py/pystr"
)

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
		// an empty separator is Python's ValueError; none (or None)
		// splits on whitespace
		if sep == "" && (len(args) > 0 && args[0] != nil || kw["sep"] != nil) {
			return nil, fmt.Errorf("empty separator")
		}
		n := -1
		if len(args) > 1 {
			n, _, _, _ = toNum(args[1])
		} else if v, ok := kw["maxsplit"]; ok {
			n, _, _, _ = toNum(v)
		}
		return pySplit(s, sep, n, name == "rsplit"), nil
	case "splitlines":
		keep, err := truth(argOr(args, 0, kw["keepends"]))
		if err != nil {
			return nil, err
		}
		return strList(pystr.SplitLines(s, keep)), nil
	case "removeprefix", "removesuffix":
		fix, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		if name == "removeprefix" {
			return strings.TrimPrefix(s, fix), nil
		}
		return strings.TrimSuffix(s, fix), nil
	case "istitle":
		return pyIsTitle(s), nil
	case "expandtabs":
		size, _, _, _ := toNum(argOr(args, 0, kw["tabsize"]))
		if argOr(args, 0, kw["tabsize"]) == nil {
			size = 8
		}
		return pyExpandTabs(s, size), nil
	case "startswith", "endswith":
		if len(args) == 0 {
			return nil, fmt.Errorf("%s() takes at least 1 argument (0 given)", name)
		}
		prefixes := []any{args[0]}
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
		return pyUpper(s), nil
	case "lower":
		return pyLower(s), nil
	case "casefold":
		return pyCasefold(s), nil
	case "swapcase":
		return pySwapcase(s), nil
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
	case "find", "rfind", "index", "rindex":
		sub, err := strArg(args, 0, "")
		if err != nil {
			return nil, err
		}
		var i int
		if name == "rfind" || name == "rindex" {
			i = strings.LastIndex(s, sub)
		} else {
			i = strings.Index(s, sub)
		}
		if i >= 0 {
			i = len([]rune(s[:i]))
		} else if name == "index" || name == "rindex" {
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
		if name == "center" {
			return pyCenter(s, w, []rune(fill)[0]), nil
		}
		align := map[string]byte{"ljust": '<', "rjust": '>'}[name]
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
	case "encode":
		// Python 3's: bytes, which a str neither equals nor joins.
		return strEncode(s, args, kw)
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
		if n >= 0 && len(fields) > n {
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
	rs := []rune(s)
	var b strings.Builder
	prevCased := false
	for i, r := range rs {
		if prevCased {
			b.WriteString(pyLowerAt(rs, i))
		} else {
			b.WriteString(pyTitleRune(r))
		}
		prevCased = isCased(r)
	}
	return b.String()
}

// pyCapitalize is str.capitalize (Python 3.8+): the first character in
// title case, the rest lowered, with Unicode's multi-character mappings
// (ß capitalizes to Ss).
func pyCapitalize(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if i == 0 {
			b.WriteString(pyTitleRune(r))
		} else {
			b.WriteString(pyLowerAt(rs, i))
		}
	}
	return b.String()
}

// pySwapcase is str.swapcase: upper case lowered, lower case uppered,
// title case (ǅ) and the rest left as they are.
func pySwapcase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r):
			b.WriteString(pyLowerAt(rs, i))
		case unicode.IsLower(r):
			b.WriteString(pyUpper(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pyCasefold is str.casefold: full case folding, lower case but for
// the code points pyFoldSpecial lists (ß folds to ss), and no final sigma.
func pyCasefold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f, ok := pyFoldSpecial[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteString(pyCase(string(r), pyLowerSpecial, unicode.ToLower))
	}
	return b.String()
}

func pyTitleRune(r rune) string {
	if t, ok := pyTitleSpecial[r]; ok {
		return t
	}
	return string(unicode.ToTitle(r))
}

// pyLowerAt is the lower case of rs[i] in its context: a capital sigma
// ending a word lowers to ς.
func pyLowerAt(rs []rune, i int) string {
	if rs[i] == 'Σ' && finalSigma(rs, i) {
		return "ς"
	}
	return pyCase(string(rs[i]), pyLowerSpecial, unicode.ToLower)
}

// pyCenter is str.center, which puts the odd extra fill on the left
// when the width is odd, unlike format's '^'.
func pyCenter(s string, w int, fill rune) string {
	marg := w - len([]rune(s))
	if marg <= 0 {
		return s
	}
	marg = min(marg, maxRepeat)
	left := marg/2 + (marg & w & 1)
	f := string(fill)
	return strings.Repeat(f, left) + s + strings.Repeat(f, marg-left)
}

// jinjaTitle is Jinja's title filter: words start after spaces, dashes
// and opening brackets, so "w0rld" stays "W0rld" (str.title differs).
func jinjaTitle(s string) string {
	var b strings.Builder
	sep := func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("-([{<", r) }
	rs := []rune(s)
	for i := 0; i < len(rs); {
		// item[0].upper() + item[1:].lower() on each piece that
		// _word_beginning_split_re cuts, separators included
		j := i + 1
		for j < len(rs) && sep(rs[j]) == sep(rs[i]) {
			j++
		}
		b.WriteString(pyUpper(string(rs[i])))
		b.WriteString(pyLower(string(rs[i+1 : j])))
		i = j
	}
	return b.String()
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

// pyIsTitle is str.istitle: a cased character after a cased one is lower
// case, after an uncased one upper (or title) case, and there is one.
func pyIsTitle(s string) bool {
	cased, prevCased := false, false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			if prevCased {
				return false
			}
			prevCased, cased = true, true
		case unicode.IsLower(r):
			if !prevCased {
				return false
			}
			prevCased, cased = true, true
		default:
			prevCased = false
		}
	}
	return cased
}

// pyExpandTabs is str.expandtabs: each tab to the next multiple of size
// columns, the column starting again after \n and \r.
func pyExpandTabs(s string, size int) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		switch r {
		case '\t':
			if size > 0 {
				n := size - col%size
				b.WriteString(strings.Repeat(" ", n))
				col += n
			}
		case '\n', '\r':
			b.WriteRune(r)
			col = 0
		default:
			b.WriteRune(r)
			col++
		}
	}
	return b.String()
}
