package jinja

import (
	"fmt"
	"strconv"
	"strings"
)

// pyFormat implements str.format: {}, {0}, {name}, {0[key]}, {x.attr},
// !r / !s conversions and the common format specs.
func pyFormat(s string, args []any, kw map[string]any) (string, error) {
	var b strings.Builder
	auto := 0
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
		end := strings.IndexByte(s[i:], '}')
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
		name, rest := field, ""
		if j := strings.IndexAny(field, ".["); j >= 0 {
			name, rest = field[:j], field[j:]
		}
		var v any
		if name == "" {
			if auto >= len(args) {
				return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", auto)
			}
			v = args[auto]
			auto++
		} else if n, err := strconv.Atoi(name); err == nil {
			if n < 0 || n >= len(args) {
				return "", fmt.Errorf("Replacement index %d out of range for positional args tuple", n)
			}
			v = args[n]
		} else {
			var ok bool
			if v, ok = kw[name]; !ok {
				return "", fmt.Errorf("KeyError: '%s'", name)
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
					return "", fmt.Errorf("missing ']' in format string")
				}
				var k any = rest[1:j]
				if n, err := strconv.Atoi(rest[1:j]); err == nil {
					k = n
				}
				var err error
				if v, err = getItem(v, k); err != nil {
					return "", err
				}
				rest = rest[j+1:]
			}
		}
		if u, ok := v.(Undefined); ok {
			return "", u.err()
		}
		if conv == "r" {
			r, err := repr(v)
			if err != nil {
				return "", err
			}
			v = r
		}
		out, err := formatSpec(v, spec)
		if err != nil {
			return "", err
		}
		b.WriteString(out)
	}
	return b.String(), nil
}

// formatSpec applies a Python format spec: [[fill]align][sign][0][width][,][.prec][type].
func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return toStr(v)
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
	group := false
	if len(r) > 0 && r[0] == ',' {
		group = true
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
				body = strconv.FormatInt(int64(iv), base)
				if typ == 'X' {
					body = strings.ToUpper(body)
				}
			case 'f', 'F', 'e', 'E', 'g', 'G', '%':
				if prec < 0 {
					prec = 6
				}
				if typ == '%' {
					body = strconv.FormatFloat(fv*100, 'f', prec, 64) + "%"
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
			if group {
				body = groupThousands(body)
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

// groupThousands puts commas into the integer part of a formatted number.
func groupThousands(s string) string {
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
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + rest
}

// percentFormat implements "fmt % args" (and the format filter).
func percentFormat(f string, arg any) (string, error) {
	var args []any
	var named map[string]any
	if t, ok := arg.(tuple); ok {
		args = t
	} else if x, ok := normalize(arg).(map[string]any); ok {
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
			if v, ok = named[key]; !ok {
				return "", fmt.Errorf("KeyError: '%s'", key)
			}
			haveV = true
			i += j + 1
		}
		start := i
		for i < len(f) && strings.IndexByte("-+ #0123456789.", f[i]) >= 0 {
			i++
		}
		if i >= len(f) {
			return "", fmt.Errorf("incomplete format")
		}
		flags := f[start:i]
		conv := f[i]
		if !haveV {
			if n >= len(args) {
				return "", fmt.Errorf("not enough arguments for format string")
			}
			v = args[n]
			n++
		}
		spec := ""
		left := strings.Contains(flags, "-")
		zero := strings.HasPrefix(strings.TrimLeft(flags, "-+ #"), "0")
		wp := strings.TrimLeft(flags, "-+ #0")
		if strings.Contains(flags, "+") {
			spec += "+"
		}
		if zero && !left {
			spec += "0"
		}
		spec += wp
		var out string
		var err error
		switch conv {
		case 's':
			out, err = toStr(v)
			if err == nil && wp != "" {
				out, err = formatSpec(out, map[bool]string{true: "<", false: ">"}[left]+wp)
			}
		case 'r':
			out, err = repr(v)
		case 'd', 'i', 'u':
			iv, fv, isF, ok := toNum(v)
			if !ok {
				return "", fmt.Errorf("%%d format: a number is required, not %s", typeName(v))
			}
			if isF {
				iv = int(fv)
			}
			out, err = formatSpec(iv, spec+"d")
		case 'f', 'F', 'e', 'E', 'g', 'G', 'x', 'X', 'o':
			if _, _, _, ok := toNum(v); !ok {
				return "", fmt.Errorf("%%%c format: a number is required, not %s", conv, typeName(v))
			}
			if !strings.Contains(wp, ".") && (conv == 'f' || conv == 'F' || conv == 'e' || conv == 'E') {
				spec += ".6"
			}
			out, err = formatSpec(v, spec+string(conv))
		default:
			return "", fmt.Errorf("unsupported format character '%c'", conv)
		}
		if err != nil {
			return "", err
		}
		if left && conv != 's' {
			out = pad(strings.TrimLeft(out, " "), len(out), ' ', '<')
		}
		b.WriteString(out)
	}
	if named == nil && n < len(args) {
		return "", fmt.Errorf("not all arguments converted during string formatting")
	}
	return b.String(), nil
}
