package jinja

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Expression tokens. Jinja's lexer is richer than pongo2's (~, //, **,
// newlines inside brackets, Python string escapes), so expressions are
// tokenised here and never reach pongo2's lexer.
type tokKind int

const (
	tkEOF tokKind = iota
	tkName
	tkString
	tkInt
	tkFloat
	tkOp
)

type token struct {
	kind tokKind
	s    string // name, operator, or decoded string
	i    int
	big  *big.Int // an int literal past 64 bits, i unused
	f    float64
	line int
}

func (t token) String() string {
	switch t.kind {
	case tkEOF:
		return "end of expression"
	case tkString:
		return strconv.Quote(t.s)
	case tkInt:
		if t.big != nil {
			return t.big.String()
		}
		return strconv.Itoa(t.i)
	case tkFloat:
		return strconv.FormatFloat(t.f, 'g', -1, 64)
	}
	return "'" + t.s + "'"
}

var twoOps = []string{"//", "**", "==", "!=", "<=", ">="}

const oneOps = "+-*/%~<>=()[]{},.:|!"

// tokenize splits a tag or expression body; line is the source line the
// body starts on, so every token knows its original line.
func tokenize(src string, line int) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentChar(src[j]) {
				j++
			}
			toks = append(toks, token{kind: tkName, s: src[i:j], line: line})
			i = j
		case c >= '0' && c <= '9':
			// a number starts with a digit: Jinja's float_re refuses .5
			t, n, err := lexNumber(src[i:])
			if err != nil {
				return nil, &exprError{line: line, msg: err.Error()}
			}
			t.line = line
			toks = append(toks, t)
			i += n
		case c == '\'' || c == '"':
			s, n, nl, err := lexString(src[i:])
			if err != nil {
				return nil, &exprError{line: line, msg: err.Error()}
			}
			toks = append(toks, token{kind: tkString, s: s, line: line})
			line += nl
			i += n
		default:
			if i+1 < len(src) {
				two := src[i : i+2]
				found := false
				for _, op := range twoOps {
					if two == op {
						toks = append(toks, token{kind: tkOp, s: op, line: line})
						i += 2
						found = true
						break
					}
				}
				if found {
					continue
				}
			}
			if strings.IndexByte(oneOps, c) >= 0 {
				toks = append(toks, token{kind: tkOp, s: string(c), line: line})
				i++
				continue
			}
			return nil, &exprError{line: line, msg: fmt.Sprintf("unexpected character %q", rune(c))}
		}
	}
	toks = append(toks, token{kind: tkEOF, line: line})
	return toks, nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func lexNumber(s string) (token, int, error) {
	// 0b, 0o and 0x integers, as Jinja's integer_re, _ between digits
	if len(s) > 2 && s[0] == '0' && strings.IndexByte("bBoOxX", s[1]) >= 0 {
		base := map[byte]int{'b': 2, 'o': 8, 'x': 16}[s[1]|0x20]
		isDigit := func(c byte) bool {
			v := strings.IndexByte("0123456789abcdef", c|0x20)
			return v >= 0 && v < base && (c >= '0' && c <= '9' || base == 16)
		}
		j := 2
		for j < len(s) && (isDigit(s[j]) || s[j] == '_' && j+1 < len(s) && isDigit(s[j+1])) {
			j++
		}
		if j > 2 {
			n, err := strconv.ParseInt(strings.ReplaceAll(s[2:j], "_", ""), base, 64)
			if err != nil {
				z, ok := new(big.Int).SetString(strings.ReplaceAll(s[2:j], "_", ""), base)
				if !ok || z.BitLen() > maxBigBits {
					return token{}, 0, fmt.Errorf("bad number %q", s[:j])
				}
				return token{kind: tkInt, big: z}, j, nil
			}
			return token{kind: tkInt, i: int(n)}, j, nil
		}
	}
	j := 0
	isFloat := false
	digits := func() {
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '_' && j > 0 && j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9') {
			j++
		}
	}
	digits()
	if j+1 < len(s) && s[j] == '.' && s[j+1] >= '0' && s[j+1] <= '9' {
		isFloat = true
		j++
		digits()
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			isFloat = true
			j = k
			digits()
		}
	}
	text := strings.ReplaceAll(s[:j], "_", "")
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return token{}, 0, fmt.Errorf("bad number %q", s[:j])
		}
		return token{kind: tkFloat, f: f}, j, nil
	}
	if len(text) > 1 && text[0] == '0' && strings.Trim(text, "0") != "" {
		// Jinja reads 007 as 00 then 7: two numbers in a row
		return token{}, 0, fmt.Errorf("leading zeros in a decimal integer (%s) are not allowed", s[:j])
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil && !isFloat {
		// An integer literal past 64 bits is one of Python's big ints.
		if z, ok := new(big.Int).SetString(text, 10); ok && z.BitLen() <= maxBigBits {
			return token{kind: tkInt, big: z}, j, nil
		}
	}
	if err != nil {
		f, ferr := strconv.ParseFloat(text, 64)
		if ferr != nil {
			return token{}, 0, fmt.Errorf("bad number %q", s[:j])
		}
		return token{kind: tkFloat, f: f}, j, nil
	}
	return token{kind: tkInt, i: int(n)}, j, nil
}

// lexString decodes a Python string literal with its escapes. It returns
// the value, the bytes consumed and the newlines crossed.
func lexString(s string) (string, int, int, error) {
	q := s[0]
	var b strings.Builder
	nl := 0
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q:
			return b.String(), i + 1, nl, nil
		case c == '\n':
			nl++
			b.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			// Jinja decodes a literal with Python's unicode-escape codec
			// (after backslashreplace, so a backslash before a non-ASCII
			// character stays, and the character becomes its \x or \u
			// escape's text)
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '0', '1', '2', '3', '4', '5', '6', '7':
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 32)
				b.WriteRune(rune(v))
				i = j - 1
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
				nl++
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				v, err := strconv.ParseUint(s[i+1:min(i+1+n, len(s))], 16, 32)
				if i+n >= len(s) || err != nil || strings.ContainsAny(s[i+1:i+1+n], "+-_") {
					return "", 0, 0, fmt.Errorf("truncated \\%c escape in a string literal", e)
				}
				if v > unicode.MaxRune {
					return "", 0, 0, fmt.Errorf("illegal Unicode character in a string literal")
				}
				b.WriteRune(rune(v))
				i += n
			default:
				b.WriteByte('\\')
				if e >= 0x80 {
					r, size := utf8.DecodeRuneInString(s[i:])
					switch {
					case r < 0x100:
						fmt.Fprintf(&b, "x%02x", r)
					case r < 0x10000:
						fmt.Fprintf(&b, "u%04x", r)
					default:
						fmt.Fprintf(&b, "U%08x", r)
					}
					i += size - 1
					continue
				}
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, 0, fmt.Errorf("string literal not closed")
}
