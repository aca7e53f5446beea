package jinja

import (
	"fmt"
	"strconv"
	"strings"
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
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && !prevIsValue(toks)):
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

// prevIsValue tells a leading-dot float (.5) from attribute access (x.0).
func prevIsValue(toks []token) bool {
	if len(toks) == 0 {
		return false
	}
	t := toks[len(toks)-1]
	return t.kind != tkOp || t.s == ")" || t.s == "]" || t.s == "}"
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func lexNumber(s string) (token, int, error) {
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
	n, err := strconv.ParseInt(text, 10, 64)
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
			i++
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case '\\', '\'', '"':
				b.WriteByte(e)
			case '\n':
				nl++
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				if i+n < len(s) {
					if v, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32); err == nil {
						b.WriteRune(rune(v))
						i += n
						continue
					}
				}
				b.WriteByte('\\')
				b.WriteByte(e)
			default:
				b.WriteByte('\\')
				b.WriteByte(e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, 0, fmt.Errorf("string literal not closed")
}
