package jinja

import (
	"fmt"
	"strconv"
	"strings"
)

// The translator turns Jinja source into pongo2 source. Every Jinja tag
// and {{ }} becomes a one-line pongo2 tag such as `{% jif 7 3 %}`: the
// compile unit 7, statement 3. The statement was parsed here, with its
// original line, so pongo2 only sees tags it can lex (one line, no Jinja
// operators) and text. pongo2 keeps the block structure, the text and
// the execution; this package evaluates the expressions.

type stmt struct {
	kind    string
	line    int
	expr    node     // out, if, elif, do, set, include, import source, for iterable
	cond    node     // for ... if cond
	targets []string // for / set / import alias / load_yaml name
	attr    string   // set ns.attr = ...
	name    string   // macro name
	params  []string
	defs    []node // macro parameter defaults, nil when required
	imports [][2]string
	withCtx bool
	ignore  bool // include ignore missing
	recur   bool // for ... recursive
	text    string
	kwargs  []kwarg // with a=1
	// uses: which of varargs, kwargs and caller a macro's or call
	// block's body reads (usesVarargs...), as Jinja's find_undeclared
	// finds them: only then does a call take extra arguments.
	uses uint8
	// scoped and required are a {% block %}'s modifiers.
	scoped, required bool
}

const (
	usesVarargs uint8 = 1 << iota
	usesKwargs
	usesCaller
)

type unit struct {
	id    int
	name  string
	stmts []*stmt
	lines []int // pongo2 line (1-based index) -> original line
	// blocks are the template's {% block %}s by name, filled in as
	// pongo2 parses them (inherit.go)
	blocks map[string]*blockDef
}

type openBlock struct {
	kind    string
	line    int
	sawElse bool
	st      *stmt // a macro's, call block's or block's statement
	outAt   int   // a block's start in the translation
}

type translator struct {
	u        *unit
	src      string
	out      strings.Builder
	oline    int // current original line
	tline    int // current translated line
	stack    []openBlock
	trimNext bool
	blocks   map[string]bool // the {% block %} names seen
}

// translate converts src; errors name the original line.
func translate(id int, name, src string) (string, *unit, error) {
	t := &translator{u: &unit{id: id, name: name}, src: src, oline: 1, tline: 1}
	t.u.lines = append(t.u.lines, 0, 1)
	// jroot records the template's own scope, in which its blocks and
	// the template it extends render (inherit.go)
	t.emitTag("jroot")
	if err := t.run(); err != nil {
		return "", nil, err
	}
	t.emitTag("jexport")
	return t.out.String(), t.u, nil
}

func (t *translator) errf(line int, format string, a ...any) error {
	return &Error{File: t.u.name, Line: line, Err: fmt.Errorf(format, a...)}
}

func (t *translator) run() error {
	s := t.src
	pos := 0
	pendingText := ""
	pendingLine := 1
	flush := func(trimRight bool) {
		txt := pendingText
		if t.trimNext {
			txt = strings.TrimLeft(txt, " \t\n\r")
			t.trimNext = false
		}
		if trimRight {
			txt = strings.TrimRight(txt, " \t\n\r")
		}
		t.emitText(txt, pendingLine)
		pendingText = ""
	}
	for pos < len(s) {
		i := indexDelim(s[pos:])
		if i < 0 {
			pendingText += s[pos:]
			break
		}
		if pendingText == "" {
			pendingLine = t.oline
		}
		pendingText += s[pos : pos+i]
		t.oline += strings.Count(s[pos:pos+i], "\n")
		pos += i
		kind := s[pos+1]
		start := pos + 2
		trimLeft := false
		if start < len(s) && (s[start] == '-' || s[start] == '+') {
			trimLeft = s[start] == '-'
			start++
		}
		line := t.oline
		var end, bodyEnd int
		var err error
		switch kind {
		case '#':
			j := strings.Index(s[start:], "#}")
			if j < 0 {
				return t.errf(line, "comment not closed")
			}
			bodyEnd, end = start+j, start+j+2
		case '{':
			bodyEnd, end, err = findEnd(s, start, "}}")
		case '%':
			bodyEnd, end, err = findEnd(s, start, "%}")
		}
		if err != nil {
			return t.errf(line, "%v", err)
		}
		trimRight := false
		if bodyEnd > start && (s[bodyEnd-1] == '-' || s[bodyEnd-1] == '+' && kind == '%') {
			trimRight = s[bodyEnd-1] == '-'
			bodyEnd--
		}
		body := s[start:max(start, bodyEnd)]
		flush(trimLeft)
		t.oline += strings.Count(s[pos:end], "\n")
		pos = end
		switch kind {
		case '{':
			p, err := newParser(body, line)
			if err != nil {
				return t.wrapErr(err, line)
			}
			t.noteSpecialNames(p.toks)
			x, err := p.parseTuple(true)
			if err == nil {
				err = p.expectEOF()
			}
			if err != nil {
				return t.wrapErr(err, line)
			}
			t.emitStmt("jout", &stmt{kind: "out", line: line, expr: x})
		case '%':
			name := firstWord(body)
			if name == "raw" {
				if s[bodyEnd] == '+' {
					// Jinja's lexer knows {% raw %} and {% raw -%} only, so
					// {% raw +%} reaches the parser as an unknown tag.
					return t.errf(line, "unknown tag 'raw'")
				}
				_, after, content, trimR, err := findEndRaw(s, pos)
				if err != nil {
					return t.errf(line, "%v", err)
				}
				if trimRight {
					content = strings.TrimLeft(content, " \t\n\r")
				}
				if trimR {
					content = strings.TrimRight(content, " \t\n\r")
				}
				t.emitStmt("jtext", &stmt{kind: "text", line: line, text: content})
				t.oline += strings.Count(s[pos:after], "\n")
				pos = after
				trimRight = s[after-3] == '-'
			} else if err := t.tag(body, line); err != nil {
				return err
			}
		}
		if trimRight {
			t.trimNext = true
		}
		pendingLine = t.oline
	}
	flush(false)
	if len(t.stack) > 0 {
		b := t.stack[len(t.stack)-1]
		return t.errf(b.line, "'%s' block opened here is never closed (missing end%s)", b.kind, endName(b.kind))
	}
	return nil
}

func endName(kind string) string {
	if kind == "load" {
		return "load"
	}
	return kind
}

func (t *translator) wrapErr(err error, line int) error {
	if e, ok := err.(*Error); ok {
		return e
	}
	if e, ok := err.(*exprError); ok {
		return t.errf(e.line, "%s", e.msg)
	}
	return t.errf(line, "%v", err)
}

func firstWord(s string) string {
	s = strings.TrimLeft(s, " \t\r\n")
	i := 0
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	return s[:i]
}

func indexDelim(s string) int {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '{' && (s[i+1] == '{' || s[i+1] == '%' || s[i+1] == '#') {
			return i
		}
	}
	return -1
}

// findEnd finds the closing delimiter outside strings and brackets, as
// Jinja's lexer does, so `{{ {'a': {'b': 1}} }}` closes at the right place.
func findEnd(s string, start int, delim string) (int, int, error) {
	depth := 0
	for i := start; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\'', '"':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				return 0, 0, fmt.Errorf("string literal not closed")
			}
			i = j
		case '(', '[', '{':
			depth++
		case ')', ']':
			depth--
		case '}':
			if depth == 0 && delim == "}}" && strings.HasPrefix(s[i:], "}}") {
				return i, i + 2, nil
			}
			depth--
		case '%':
			if delim == "%}" && strings.HasPrefix(s[i:], "%}") && depth <= 0 {
				return i, i + 2, nil
			}
		}
		if depth < 0 {
			depth = 0
		}
	}
	if delim == "}}" {
		return 0, 0, fmt.Errorf("'{{' is never closed")
	}
	return 0, 0, fmt.Errorf("'{%%' is never closed")
}

// findEndRaw finds {% endraw %} after pos; it returns the content and
// whether the end tag trims the content's trailing whitespace.
func findEndRaw(s string, pos int) (int, int, string, bool, error) {
	for i := pos; i < len(s); {
		j := strings.Index(s[i:], "{%")
		if j < 0 {
			break
		}
		k := i + j + 2
		trim := false
		if k < len(s) && (s[k] == '-' || s[k] == '+') {
			trim = s[k] == '-'
			k++
		}
		rest := strings.TrimLeft(s[k:], " \t\r\n")
		if strings.HasPrefix(rest, "endraw") {
			r := strings.TrimLeft(rest[len("endraw"):], " \t\r\n")
			if strings.HasPrefix(r, "-%}") || strings.HasPrefix(r, "+%}") || strings.HasPrefix(r, "%}") {
				end := len(s) - len(r) + 2
				if r[0] == '-' || r[0] == '+' {
					end++
				}
				return i + j, end, s[pos : i+j], trim, nil
			}
		}
		i = k
	}
	return 0, 0, "", false, fmt.Errorf("'raw' block is never closed (missing endraw)")
}

func (t *translator) emitText(txt string, line int) {
	if txt == "" {
		return
	}
	if strings.HasSuffix(txt, "{") || strings.Contains(txt, "{%") || strings.Contains(txt, "{{") || strings.Contains(txt, "{#") {
		t.emitStmt("jtext", &stmt{kind: "text", line: line, text: txt})
		return
	}
	t.out.WriteString(txt)
	for i, l := 0, line; i < len(txt); i++ {
		if txt[i] == '\n' {
			l++
			t.tline++
			t.u.lines = append(t.u.lines, l)
		}
	}
}

func (t *translator) emitStmt(tag string, st *stmt) {
	idx := len(t.u.stmts)
	t.u.stmts = append(t.u.stmts, st)
	t.out.WriteString("{% " + tag + " " + strconv.Itoa(t.u.id) + " " + strconv.Itoa(idx) + " %}")
}

func (t *translator) emitTag(tag string) {
	t.out.WriteString("{% " + tag + " %}")
}

func (t *translator) push(kind string, line int) {
	t.stack = append(t.stack, openBlock{kind: kind, line: line})
}

func (t *translator) pushStmt(kind string, line int, st *stmt) {
	t.stack = append(t.stack, openBlock{kind: kind, line: line, st: st})
}

// noteSpecialNames marks every macro and call block the tag is inside as
// reading varargs, kwargs or caller when the tag names them (not as an
// attribute: x.caller is not the name), as Jinja marks a macro whose
// body, nested macros included, reads them.
func (t *translator) noteSpecialNames(toks []token) {
	var uses uint8
	for i, tk := range toks {
		if tk.kind != tkName || i > 0 && toks[i-1].kind == tkOp && toks[i-1].s == "." {
			continue
		}
		switch tk.s {
		case "varargs":
			uses |= usesVarargs
		case "kwargs":
			uses |= usesKwargs
		case "caller":
			uses |= usesCaller
		}
	}
	if uses == 0 {
		return
	}
	for _, b := range t.stack {
		if b.st != nil {
			b.st.uses |= uses
		}
	}
}

func (t *translator) pop(kind string, line int, end string) error {
	if len(t.stack) == 0 || t.stack[len(t.stack)-1].kind != kind {
		if len(t.stack) == 0 {
			return t.errf(line, "unexpected '%s'", end)
		}
		b := t.stack[len(t.stack)-1]
		return t.errf(line, "unexpected '%s': the innermost open block is '%s' from line %d", end, b.kind, b.line)
	}
	t.stack = t.stack[:len(t.stack)-1]
	return nil
}

func (t *translator) top() string {
	if len(t.stack) == 0 {
		return ""
	}
	return t.stack[len(t.stack)-1].kind
}
