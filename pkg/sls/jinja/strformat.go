package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"math"
	"strconv"
	"strings"
)

// pyFormat implements str.format: {}, {0}, {name}, {0[key]}, {x.attr},
// !r / !s conversions and the common format specs.
func pyFormat(s string, args []any, kw map[string]any, nested ...formatNested) (string, error) {
	var b strings.Builder
	auto := 0
	if len(nested) > 0 {
		// a spec's nested fields draw on the outer call's arguments and
		// go on with its automatic numbering
		args, kw = nested[0].args, nested[0].kw
		defer func() { *nested[0].auto = auto }()
		auto = *nested[0].auto
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '}' {
			if i+1 < len(s) && s[i+1] == '}' {
				i++
			}
			b.WriteByte('}')
			continue
		}
		if c != '{' {
			b.WriteByte(c)
			continue
		}
		if i+1 < len(s) && s[i+1] == '{' {
			b.WriteByte('{')
			i++
			continue
		}
		// the field ends at its matching brace: its spec may hold nested
		// fields, as in '{:>{w}}'
		end, depth := -1, 0
		for j := i + 1; j < len(s) && end < 0; j++ {
			switch s[j] {
			case '{':
				depth++
			case '}':
				if depth == 0 {
					end = j - i
				}
				depth--
			}
		}
		if end < 0 {
			return "", fmt.Errorf("single '{' encountered in format string")
		}
		field := s[i+1 : i+end]
		i += end
		spec, conv := "", ""
		if j := strings.IndexByte(field, ':'); j >= 0 {
			field, spec = field[:j], field[j+1:]
		}
		if j := strings.IndexByte(field, '!'); j >= 0 {
			field, conv = field[:j], field[j+1:]
		}
		v, err := formatField(field, args, kw, &auto)
		if err != nil {
			return "", err
		}
		if strings.ContainsRune(spec, '{') {
			if spec, err = pyFormat(spec, nil, nil, formatNested{args, kw, &auto}); err != nil {
				return "", err
			}
		}
		if u, ok := v.(Undefined); ok {
			return "", u.err()
		}
		switch conv {
		case "r", "a":
			r, err := repr(v)
			if err != nil {
				return "", err
			}
			v = r
		case "s":
			// !s formats str(value): a bool is its word then, not 1 or 0.
			s, err := toStr(v)
			if err != nil {
				return "", err
			}
			v = s
		}
		out, err := formatSpec(v, spec)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// formatNested is the outer str.format call a nested field reads.
type formatNested struct {
	args []any
	kw   map[string]any
	auto *int
}

// formatField is the value a replacement field names: the next
// positional argument, one by index or keyword, then .attr and [key].
func formatField(field string, args []any, kw map[string]any, auto *int) (any, error) {
	name, rest := field, ""
	if j := strings.IndexAny(field, ".["); j >= 0 {
		name, rest = field[:j], field[j:]
	}
	var v any
	if name == "" {
		if *auto >= len(args) {
			return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", *auto)
		}
		v = args[*auto]
		*auto++
	} else if n, err := strconv.Atoi(name); err == nil {
		if n < 0 || n >= len(args) {
			return nil, fmt.Errorf("Replacement index %d out of range for positional args tuple", n)
		}
		v = args[n]
	} else {
		var ok bool
		if v, ok = kw[name]; !ok {
			return nil, fmt.Errorf("KeyError: '%s'", name)
		}
	}
	for rest != "" {
		if rest[0] == '.' {
			j := strings.IndexAny(rest[1:], ".[")
			if j < 0 {
				j = len(rest) - 1
			}
			v = getAttr(v, rest[1:1+j])
			rest = rest[1+j:]
		} else {
			j := strings.IndexByte(rest, ']')
			if j < 0 {
				return nil, fmt.Errorf("missing ']' in format string")
			}
			var k any = rest[1:j]
			if n, err := strconv.Atoi(rest[1:j]); err == nil {
				k = n
			}
			var err error
			if v, err = getItem(v, k); err != nil {
				return nil, err
			}
			rest = rest[j+1:]
		}
	}
	return v, nil
}

// formatSpec applies a Python format spec: [[fill]align][sign][0][width][,][.prec][type].
func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return toStr(v)
	}
	// A bool is an int to a format spec: format(True, '5') is '    1'.
	if b, ok := v.(bool); ok {
		if spec[len(spec)-1] == 's' {
			return "", fmt.Errorf("Unknown format code 's' for object of type 'bool'")
		}
		v = 0
		if b {
			v = 1
		}
	}
	fill, align := ' ', byte(0)
	r := []rune(spec)
	if len(r) >= 2 && strings.ContainsRune("<>^=", r[1]) {
		fill, align = r[0], byte(r[1])
		r = r[2:]
	} else if len(r) >= 1 && strings.ContainsRune("<>^=", r[0]) {
		align = byte(r[0])
		r = r[1:]
	}
	sign := ""
	if len(r) > 0 && (r[0] == '+' || r[0] == '-' || r[0] == ' ') {
		sign = string(r[0])
		r = r[1:]
	}
	alt := false
	if len(r) > 0 && r[0] == '#' {
		alt = true
		r = r[1:]
	}
	if len(r) > 0 && r[0] == '0' {
		fill, align = '0', '='
		r = r[1:]
	}
	i := 0
	for i < len(r) && r[i] >= '0' && r[i] <= '9' {
		i++
	}
	width, _ := strconv.Atoi(string(r[:i]))
	r = r[i:]
	group := byte(0)
	if len(r) > 0 && (r[0] == ',' || r[0] == '_') {
		group = byte(r[0])
		r = r[1:]
	}
	prec := -1
	if len(r) > 0 && r[0] == '.' {
		j := 1
		for j < len(r) && r[j] >= '0' && r[j] <= '9' {
			j++
		}
		prec, _ = strconv.Atoi(string(r[1:j]))
		r = r[j:]
	}
	typ := byte(0)
	if len(r) == 1 {
		typ = byte(r[0])
	} else if len(r) > 1 {
		return "", fmt.Errorf("invalid format specifier %q", spec)
	}
	var body string
	num := false
	if _, isStr := normalize(v).(string); isStr && typ != 0 && typ != 's' {
		return "", fmt.Errorf("Unknown format code '%c' for object of type 'str'", typ)
	}
	if typ == 0 || typ == 's' {
		if _, isStr := normalize(v).(string); isStr || typ == 's' {
			s, err := toStr(v)
			if err != nil {
				return "", err
			}
			if prec >= 0 && prec < len([]rune(s)) {
				s = string([]rune(s)[:prec])
			}
			body = s
			if align == 0 {
				align = '<'
			}
		} else if prec >= 0 {
			typ = 'g'
		}
	}
	if body == "" && typ != 's' {
		iv, fv, isFloat, ok := toNum(v)
		if !ok {
			s, err := toStr(v)
			if err != nil {
				return "", err
			}
			body = s
		} else {
			num = true
			switch typ {
			case 'd', 'n':
				if isFloat {
					return "", fmt.Errorf("Unknown format code 'd' for object of type 'float'")
				}
				body = strconv.Itoa(iv)
			case 'x', 'X', 'o', 'b':
				base := map[byte]int{'x': 16, 'X': 16, 'o': 8, 'b': 2}[typ]
				neg := iv < 0
				if neg {
					iv = -iv
				}
				body = strconv.FormatInt(int64(iv), base)
				if alt {
					body = "0" + string(typ|0x20) + body
				}
				if typ == 'X' {
					body = strings.ToUpper(body)
				}
				if neg {
					body = "-" + body
				}
			case 'f', 'F', 'e', 'E', 'g', 'G', '%':
				if prec < 0 {
					prec = 6
				}
				if special, ok := nonFinite(fv, typ); ok {
					body = special
					if typ == '%' {
						body += "%"
					}
				} else if typ == '%' {
					body = strconv.FormatFloat(fv*100, 'f', prec, 64) + "%"
				} else if alt {
					// The alternate form keeps the point and, for g, the
					// trailing zeros; Go's fmt has the same # flag.
					body = fmt.Sprintf("%#."+strconv.Itoa(prec)+string(typ|0x20), fv)
					if typ == 'E' || typ == 'G' {
						body = strings.ToUpper(body)
					}
				} else {
					body = strconv.FormatFloat(fv, typ|0x20, prec, 64)
					if typ == 'E' || typ == 'G' {
						body = strings.ToUpper(body)
					}
				}
			default:
				s, err := toStr(v)
				if err != nil {
					return "", err
				}
				body = s
			}
			if group != 0 {
				// '_' puts a separator every 4 digits in binary, octal and hex
				n := 3
				if strings.IndexByte("boxX", typ) >= 0 {
					n = 4
				}
				body = groupDigits(body, group, n)
			}
			if sign == "+" && !strings.HasPrefix(body, "-") {
				body = "+" + body
			} else if sign == " " && !strings.HasPrefix(body, "-") {
				body = " " + body
			}
		}
	}
	if align == 0 {
		align = '>'
		if !num {
			align = '<'
		}
	}
	if align == '=' {
		sgn := ""
		if strings.HasPrefix(body, "-") || strings.HasPrefix(body, "+") {
			sgn, body = body[:1], body[1:]
		}
		return sgn + pad(body, width-len(sgn), fill, '>'), nil
	}
	return pad(body, width, fill, align), nil
}

// groupDigits puts sep every n digits into the integer part of a
// formatted number.
func groupDigits(s string, sep byte, n int) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, rest := s, ""
	if i := strings.IndexAny(s, ".eE%"); i >= 0 {
		intPart, rest = s[:i], s[i:]
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%n == 0 {
			b.WriteByte(sep)
		}
		b.WriteRune(c)
	}
	return sign + b.String() + rest
}

// percentFormat implements "fmt % args" (and the format filter).
func percentFormat(f string, arg any) (string, error) {
	var args []any
	var named *odict.Map
	if t, ok := arg.(tuple); ok {
		args = t
	} else if x, ok := normalize(arg).(*odict.Map); ok {
		named = x
		args = []any{x}
	} else {
		args = []any{arg}
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			b.WriteByte(f[i])
			continue
		}
		i++
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		if f[i] == '%' {
			b.WriteByte('%')
			continue
		}
		var v any
		haveV := false
		if f[i] == '(' {
			j := strings.IndexByte(f[i:], ')')
			if j < 0 || named == nil {
				return "", fmt.Errorf("format requires a mapping")
			}
			key := f[i+1 : i+j]
			var ok bool
			if v, ok = named.Get(key); !ok {
				return "", fmt.Errorf("KeyError: '%s'", key)
			}
			haveV = true
			i += j + 1
		}
		// %[flags][width][.precision][length]conversion, as Python's
		// printf-style formatting reads it; * takes the width or the
		// precision from the arguments.
		next := func() (any, error) {
			if n >= len(args) {
				return nil, fmt.Errorf("not enough arguments for format string")
			}
			n++
			return args[n-1], nil
		}
		var sp pctSpec
		for ; i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0; i++ {
			sp.flags += f[i : i+1]
		}
		num := func() (int, error) {
			if i < len(f) && f[i] == '*' {
				i++
				a, err := next()
				if err != nil {
					return 0, err
				}
				w, _, isF, ok := toNum(a)
				if !ok || isF {
					return 0, fmt.Errorf("* wants int")
				}
				return w, nil
			}
			j := i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			w, _ := strconv.Atoi(f[j:i])
			return w, nil
		}
		var err error
		if sp.width, err = num(); err != nil {
			return "", err
		}
		if sp.width < 0 { // a negative * width left-justifies
			sp.flags += "-"
			sp.width = -sp.width
		}
		sp.prec = -1
		if i < len(f) && f[i] == '.' {
			i++
			if sp.prec, err = num(); err != nil {
				return "", err
			}
		}
		for i < len(f) && strings.IndexByte("hlL", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		sp.conv = f[i]
		if !haveV {
			if v, err = next(); err != nil {
				return "", err
			}
		}
		out, err := sp.format(v)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	// Python checks for leftovers only when the argument is no mapping,
	// and a list counts as one there ('abc' % [1] is 'abc').
	_, isList := normalize(arg).([]any)
	_, isTuple := arg.(tuple)
	if named == nil && n < len(args) && !(isList && !isTuple) {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}

// pctSpec is one %-conversion: its flags (- + space # 0), width,
// precision (-1 when absent) and conversion character.
type pctSpec struct {
	flags       string
	width, prec int
	conv        byte
}

func (sp pctSpec) has(flag byte) bool { return strings.IndexByte(sp.flags, flag) >= 0 }

// format converts one value as Python's str % does.
func (sp pctSpec) format(v any) (string, error) {
	var body string
	switch sp.conv {
	case 's', 'r', 'a':
		var err error
		if sp.conv == 's' {
			body, err = toStr(v)
		} else {
			body, err = repr(v)
		}
		if err != nil {
			return "", err
		}
		if sp.prec >= 0 && sp.prec < len([]rune(body)) {
			body = string([]rune(body)[:sp.prec])
		}
		return sp.pad(body, ""), nil
	case 'c':
		if s, ok := normalize(v).(string); ok && len([]rune(s)) == 1 {
			return sp.pad(s, ""), nil
		}
		c, _, isF, ok := toNum(v)
		if !ok || isF {
			return "", fmt.Errorf("%%c requires int or char")
		}
		if c < 0 || c > 0x10ffff {
			return "", fmt.Errorf("%%c arg not in range(0x110000)")
		}
		return sp.pad(string(rune(c)), ""), nil
	case 'd', 'i', 'u', 'x', 'X', 'o':
		iv, fv, isF, ok := toNum(v)
		if !ok {
			return "", fmt.Errorf("%%%c format: a real number is required, not %s", sp.conv, typeName(v))
		}
		if isF {
			if sp.conv == 'x' || sp.conv == 'X' || sp.conv == 'o' {
				return "", fmt.Errorf("%%%c format: an integer is required, not float", sp.conv)
			}
			iv = int(fv) // int() truncates toward zero, as %d does
		}
		neg := iv < 0
		if neg {
			iv = -iv
		}
		prefix := ""
		switch sp.conv {
		case 'x', 'X':
			body = strconv.FormatInt(int64(iv), 16)
			if sp.has('#') {
				prefix = "0x"
			}
		case 'o':
			body = strconv.FormatInt(int64(iv), 8)
			if sp.has('#') {
				prefix = "0o"
			}
		default:
			body = strconv.Itoa(iv)
		}
		if sp.conv == 'X' {
			body, prefix = strings.ToUpper(body), strings.ToUpper(prefix)
		}
		if len(body) < sp.prec {
			body = strings.Repeat("0", sp.prec-len(body)) + body
		}
		return sp.pad(body, sp.sign(neg)+prefix), nil
	case 'e', 'E', 'f', 'F', 'g', 'G':
		_, fv, _, ok := toNum(v)
		if !ok {
			return "", fmt.Errorf("must be real number, not %s", typeName(v))
		}
		spec := ""
		if sp.has('#') {
			spec = "#"
		}
		prec := sp.prec
		if prec < 0 {
			prec = 6
		}
		neg := fv < 0 || (fv == 0 && math.Signbit(fv))
		if special, ok := nonFinite(math.Abs(fv), sp.conv); ok {
			return sp.pad(special, sp.sign(neg)), nil
		}
		body, err := formatSpec(math.Abs(fv), spec+"."+strconv.Itoa(prec)+string(sp.conv))
		if err != nil {
			return "", err
		}
		return sp.pad(body, sp.sign(neg)), nil
	}
	return "", fmt.Errorf("unsupported format character '%c' (0x%x)", sp.conv, sp.conv)
}

func (sp pctSpec) sign(neg bool) string {
	switch {
	case neg:
		return "-"
	case sp.has('+'):
		return "+"
	case sp.has(' '):
		return " "
	}
	return ""
}

// pad applies the width: spaces on the left, or on the right with -, or
// zeros between the sign and the digits with 0 on a number.
func (sp pctSpec) pad(body, sign string) string {
	n := len([]rune(body)) + len(sign)
	if n >= sp.width {
		return sign + body
	}
	fill := strings.Repeat(" ", sp.width-n)
	switch {
	case sp.has('-'):
		return sign + body + fill
	case sp.has('0') && strings.IndexByte("srac", sp.conv) < 0:
		return sign + strings.Repeat("0", sp.width-n) + body
	}
	return fill + sign + body
}

// nonFinite is how Python's formatting writes an infinity or a NaN:
// inf, -inf and nan, in capitals for the E, F and G conversions (Go's
// strconv writes +Inf and NaN).
func nonFinite(f float64, conv byte) (string, bool) {
	var s string
	switch {
	case math.IsInf(f, 1):
		s = "inf"
	case math.IsInf(f, -1):
		s = "-inf"
	case math.IsNaN(f):
		s = "nan"
	default:
		return "", false
	}
	if conv == 'E' || conv == 'F' || conv == 'G' {
		s = strings.ToUpper(s)
	}
	return s, true
}
