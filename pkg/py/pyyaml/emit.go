package pyyaml

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Emit writes a node tree as PyYAML's safe_dump writes the same data
// with allow_unicode (as Salt's salt.utils.yaml.safe_dump calls it): the
// same scalar styles (plain when PyYAML would read the text back as the
// same string, else single-quoted, else double-quoted), the same folding
// of long scalars at 80 columns, two-space indents with a block sequence
// at its mapping key's column, and "..." after a plain scalar at the
// root. A collection node with yaml.FlowStyle is written in flow style
// (the caller decides, as default_flow_style does); an empty one always
// is. Scalar nodes are typed by their tag (!!str, !!int, !!float,
// !!bool, !!null); their Style is not read: the style is PyYAML's
// choice. Keys are written in the order the node holds them.
func Emit(n *yaml.Node) string { return EmitWith(n, EmitOptions{AllowUnicode: true}) }

// EmitOptions are the safe_dump arguments Emit's callers differ in.
type EmitOptions struct {
	// AllowUnicode writes non-ASCII text as it is; without it a string
	// holding any is double-quoted with \xE9, \u65E5 escapes, as
	// PyYAML's default does (Salt's yaml serializer, file.serialize).
	AllowUnicode bool
}

// EmitWith is Emit with options.
func EmitWith(n *yaml.Node, o EmitOptions) string {
	e := &emitter{indent: -1, whitespace: true, indention: true, unicode: o.AllowUnicode}
	e.node(n, ctxRoot)
	// expect_document_end, then the stream's end.
	e.writeIndent()
	if e.openEnded {
		e.writeIndicator("...", true, false, false)
		e.writeIndent()
	}
	return e.b.String()
}

// The contexts a node is written in (PyYAML's root_context,
// sequence_context, mapping_context and simple_key_context).
const (
	ctxRoot = 1 << iota
	ctxSequence
	ctxMapping
	ctxSimpleKey
)

const (
	bestIndent = 2
	bestWidth  = 80
)

// emitter holds PyYAML's Emitter state for the subset of events plain
// data makes.
type emitter struct {
	b          strings.Builder
	indent     int // -1: None
	indents    []int
	flowLevel  int
	column     int
	whitespace bool
	indention  bool
	openEnded  bool
	ctx        int
	unicode    bool // allow_unicode
}

func (e *emitter) write(s string) {
	e.b.WriteString(s)
	e.column += utf8.RuneCountInString(s)
}

func (e *emitter) increaseIndent(flow, indentless bool) {
	e.indents = append(e.indents, e.indent)
	switch {
	case e.indent < 0 && flow:
		e.indent = bestIndent
	case e.indent < 0:
		e.indent = 0
	case !indentless:
		e.indent += bestIndent
	}
}

func (e *emitter) popIndent() {
	e.indent = e.indents[len(e.indents)-1]
	e.indents = e.indents[:len(e.indents)-1]
}

func (e *emitter) writeIndicator(ind string, needWhitespace, whitespace, indention bool) {
	if !e.whitespace && needWhitespace {
		ind = " " + ind
	}
	e.whitespace = whitespace
	e.indention = e.indention && indention
	e.openEnded = false
	e.write(ind)
}

func (e *emitter) writeIndent() {
	indent := max(e.indent, 0)
	if !e.indention || e.column > indent || (e.column == indent && !e.whitespace) {
		e.writeLineBreak("\n")
	}
	if e.column < indent {
		e.whitespace = true
		e.write(strings.Repeat(" ", indent-e.column))
	}
}

func (e *emitter) writeLineBreak(br string) {
	e.whitespace = true
	e.indention = true
	e.b.WriteString(br)
	e.column = 0
}

// node is expect_node.
func (e *emitter) node(n *yaml.Node, ctx int) {
	e.ctx = ctx
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			e.node(n.Content[0], ctx)
		}
	case yaml.AliasNode:
		e.node(n.Alias, ctx)
	case yaml.ScalarNode:
		e.increaseIndent(true, false)
		e.scalar(n)
		e.popIndent()
	case yaml.SequenceNode:
		if e.flowLevel > 0 || n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
			e.flowSequence(n)
		} else {
			e.blockSequence(n)
		}
	case yaml.MappingNode:
		if e.flowLevel > 0 || n.Style&yaml.FlowStyle != 0 || len(n.Content) == 0 {
			e.flowMapping(n)
		} else {
			e.blockMapping(n)
		}
	}
}

func (e *emitter) blockSequence(n *yaml.Node) {
	indentless := e.ctx&ctxMapping != 0 && !e.indention
	e.increaseIndent(false, indentless)
	for _, c := range n.Content {
		e.writeIndent()
		e.writeIndicator("-", true, false, true)
		e.node(c, ctxSequence)
	}
	e.popIndent()
}

func (e *emitter) blockMapping(n *yaml.Node) {
	e.increaseIndent(false, false)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		e.writeIndent()
		if simpleKey(k) {
			e.node(k, ctxMapping|ctxSimpleKey)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, true)
			e.node(k, ctxMapping)
			e.writeIndent()
			e.writeIndicator(":", true, false, true)
		}
		e.node(v, ctxMapping)
	}
	e.popIndent()
}

func (e *emitter) flowSequence(n *yaml.Node) {
	e.writeIndicator("[", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i, c := range n.Content {
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > bestWidth {
			e.writeIndent()
		}
		e.node(c, ctxSequence)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("]", false, false, false)
}

func (e *emitter) flowMapping(n *yaml.Node) {
	e.writeIndicator("{", true, true, false)
	e.flowLevel++
	e.increaseIndent(true, false)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if i > 0 {
			e.writeIndicator(",", false, false, false)
		}
		if e.column > bestWidth {
			e.writeIndent()
		}
		if simpleKey(k) {
			e.node(k, ctxMapping|ctxSimpleKey)
			e.writeIndicator(":", false, false, false)
		} else {
			e.writeIndicator("?", true, false, false)
			e.node(k, ctxMapping)
			if e.column > bestWidth {
				e.writeIndent()
			}
			e.writeIndicator(":", true, false, false)
		}
		e.node(v, ctxMapping)
	}
	e.popIndent()
	e.flowLevel--
	e.writeIndicator("}", false, false, false)
}

// simpleKey is check_simple_key: a scalar of one line, shorter than 128
// characters and not empty, or an empty collection.
func simpleKey(k *yaml.Node) bool {
	switch k.Kind {
	case yaml.ScalarNode:
		a := analyze(k.Value, true) // empty and multiline do not depend on it
		return utf8.RuneCountInString(k.Value) < 128 && !a.empty && !a.multiline
	case yaml.SequenceNode, yaml.MappingNode:
		return len(k.Content) == 0
	}
	return false
}

// The styles PyYAML chooses from.
const (
	stylePlain = iota
	styleSingle
	styleDouble
)

func (e *emitter) scalar(n *yaml.Node) {
	a := analyze(n.Value, e.unicode)
	simple := e.ctx&ctxSimpleKey != 0
	style := styleDouble
	implicit := n.Tag != "!!str" || resolvesToStr(n.Value)
	switch {
	case implicit && !(simple && (a.empty || a.multiline)) &&
		(e.flowLevel > 0 && a.allowFlowPlain || e.flowLevel == 0 && a.allowBlockPlain):
		style = stylePlain
	case a.allowSingleQuoted && !(simple && a.multiline):
		style = styleSingle
	}
	switch style {
	case stylePlain:
		e.writePlain(n.Value, !simple)
	case styleSingle:
		e.writeSingleQuoted(n.Value, !simple)
	default:
		e.writeDoubleQuoted(n.Value, !simple)
	}
}

// PyYAML's implicit resolvers (YAML 1.1): a plain scalar matching one of
// them is read back as something other than a string.
var pyResolvers = []*regexp.Regexp{
	regexp.MustCompile(`^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`),
	regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`),
	regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`),
	regexp.MustCompile(`^(?:<<)$`),
	regexp.MustCompile(`^(?:~|null|Null|NULL|)$`),
	regexp.MustCompile(`^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$`),
	regexp.MustCompile(`^(?:=)$`),
}

// resolvesToStr reports whether PyYAML reads s, written plain, as the
// string s.
func resolvesToStr(s string) bool {
	for _, r := range pyResolvers {
		if r.MatchString(s) {
			return false
		}
	}
	return true
}

// analysis is PyYAML's ScalarAnalysis.
type analysis struct {
	empty, multiline                                                   bool
	allowFlowPlain, allowBlockPlain, allowSingleQuoted, allowBlockText bool
}

func isSpaceOrBreak(r rune) bool {
	return r == 0 || r == ' ' || r == '\t' || r == '\r' || r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029
}

func isBreak(r rune) bool { return r == '\n' || r == 0x85 || r == 0x2028 || r == 0x2029 }

// analyze is PyYAML's analyze_scalar.
func analyze(s string, allowUnicode bool) analysis {
	if s == "" {
		return analysis{empty: true, allowBlockPlain: true, allowSingleQuoted: true}
	}
	rs := []rune(s)
	var blockInd, flowInd, lineBreaks, special bool
	var leadingSpace, leadingBreak, trailingSpace, trailingBreak, breakSpace, spaceBreak bool
	if strings.HasPrefix(s, "---") || strings.HasPrefix(s, "...") {
		blockInd, flowInd = true, true
	}
	preceded := true
	followed := len(rs) == 1 || isSpaceOrBreak(rs[1])
	prevSpace, prevBreak := false, false
	for i, ch := range rs {
		if i == 0 {
			if strings.ContainsRune("#,[]{}&*!|>'\"%@`", ch) {
				flowInd, blockInd = true, true
			}
			if ch == '?' || ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '-' && followed {
				flowInd, blockInd = true, true
			}
		} else {
			if strings.ContainsRune(",?[]{}", ch) {
				flowInd = true
			}
			if ch == ':' {
				flowInd = true
				if followed {
					blockInd = true
				}
			}
			if ch == '#' && preceded {
				flowInd, blockInd = true, true
			}
		}
		if isBreak(ch) {
			lineBreaks = true
		}
		if !(ch == '\n' || ch >= 0x20 && ch <= 0x7E) {
			printable := (ch == 0x85 || ch >= 0xA0 && ch <= 0xD7FF || ch >= 0xE000 && ch <= 0xFFFD || ch >= 0x10000 && ch < 0x10FFFF) && ch != 0xFEFF
			if !printable || !allowUnicode {
				special = true
			}
		}
		switch {
		case ch == ' ':
			if i == 0 {
				leadingSpace = true
			}
			if i == len(rs)-1 {
				trailingSpace = true
			}
			if prevBreak {
				breakSpace = true
			}
			prevSpace, prevBreak = true, false
		case isBreak(ch):
			if i == 0 {
				leadingBreak = true
			}
			if i == len(rs)-1 {
				trailingBreak = true
			}
			if prevSpace {
				spaceBreak = true
			}
			prevSpace, prevBreak = false, true
		default:
			prevSpace, prevBreak = false, false
		}
		preceded = isSpaceOrBreak(ch)
		followed = i+2 >= len(rs) || isSpaceOrBreak(rs[i+2])
	}
	a := analysis{multiline: lineBreaks, allowFlowPlain: true, allowBlockPlain: true, allowSingleQuoted: true, allowBlockText: true}
	if leadingSpace || leadingBreak || trailingSpace || trailingBreak {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if trailingSpace {
		a.allowBlockText = false
	}
	if breakSpace {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted = false, false, false
	}
	if spaceBreak || special {
		a.allowFlowPlain, a.allowBlockPlain, a.allowSingleQuoted, a.allowBlockText = false, false, false, false
	}
	if lineBreaks {
		a.allowFlowPlain, a.allowBlockPlain = false, false
	}
	if flowInd {
		a.allowFlowPlain = false
	}
	if blockInd {
		a.allowBlockPlain = false
	}
	return a
}

func (e *emitter) writePlain(text string, split bool) {
	if e.ctx&ctxRoot != 0 {
		e.openEnded = true
	}
	if text == "" {
		return
	}
	if !e.whitespace {
		e.write(" ")
	}
	e.whitespace, e.indention = false, false
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && split {
					e.writeIndent()
					e.whitespace, e.indention = false, false
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak("\n")
				}
				for _, br := range rs[start:end] {
					e.writeLineBreak(string(br))
				}
				e.writeIndent()
				e.whitespace, e.indention = false, false
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isBreak(ch) {
				e.write(string(rs[start:end]))
				start = end
			}
		}
		if ch >= 0 {
			spaces, breaks = ch == ' ', isBreak(ch)
		}
	}
}

func (e *emitter) writeSingleQuoted(text string, split bool) {
	e.writeIndicator("'", true, false, false)
	rs := []rune(text)
	spaces, breaks := false, false
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		switch {
		case spaces:
			if ch != ' ' {
				if start+1 == end && e.column > bestWidth && split && start != 0 && end != len(rs) {
					e.writeIndent()
				} else {
					e.write(string(rs[start:end]))
				}
				start = end
			}
		case breaks:
			if ch < 0 || !isBreak(ch) {
				if rs[start] == '\n' {
					e.writeLineBreak("\n")
				}
				for _, br := range rs[start:end] {
					e.writeLineBreak(string(br))
				}
				e.writeIndent()
				start = end
			}
		default:
			if ch < 0 || ch == ' ' || isBreak(ch) || ch == '\'' {
				if start < end {
					e.write(string(rs[start:end]))
					start = end
				}
			}
		}
		if ch == '\'' {
			e.write("''")
			start = end + 1
		}
		if ch >= 0 {
			spaces, breaks = ch == ' ', isBreak(ch)
		}
	}
	e.writeIndicator("'", false, false, false)
}

var escapes = map[rune]string{0: "0", 7: "a", 8: "b", 9: "t", 10: "n", 11: "v", 12: "f", 13: "r", 27: "e",
	'"': "\"", '\\': "\\", 0x85: "N", 0xA0: "_", 0x2028: "L", 0x2029: "P"}

func (e *emitter) writeDoubleQuoted(text string, split bool) {
	e.writeIndicator("\"", true, false, false)
	rs := []rune(text)
	start := 0
	for end := 0; end <= len(rs); end++ {
		var ch rune = -1
		if end < len(rs) {
			ch = rs[end]
		}
		if ch < 0 || strings.ContainsRune("\"\\\u0085\u2028\u2029\uFEFF", ch) ||
			!(ch >= 0x20 && ch <= 0x7E || e.unicode && (ch >= 0xA0 && ch <= 0xD7FF || ch >= 0xE000 && ch <= 0xFFFD)) {
			if start < end {
				e.write(string(rs[start:end]))
				start = end
			}
			if ch >= 0 {
				var data string
				switch {
				case escapes[ch] != "":
					data = "\\" + escapes[ch]
				case ch <= 0xFF:
					data = fmt.Sprintf("\\x%02X", ch)
				case ch <= 0xFFFF:
					data = fmt.Sprintf("\\u%04X", ch)
				default:
					data = fmt.Sprintf("\\U%08X", ch)
				}
				e.write(data)
				start = end + 1
			}
		}
		if end > 0 && end < len(rs)-1 && (ch == ' ' || start >= end) && e.column+(end-start) > bestWidth && split {
			data := string(rs[start:end]) + "\\"
			if start < end {
				start = end
			}
			e.write(data)
			e.writeIndent()
			e.whitespace, e.indention = false, false
			if rs[start] == ' ' {
				e.write("\\")
			}
		}
	}
	e.writeIndicator("\"", false, false, false)
}
