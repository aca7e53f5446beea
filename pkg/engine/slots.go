package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/states"
)

// slotPrefix marks an argument Salt evaluates when the state runs:
// `__slot__:salt:fun(args).key.path ~ appended text`.
const slotPrefix = "__slot__:"

// SlotError is an execution function called by a __slot__: argument that
// failed: the state fails with it, as Salt's call() fails the state with
// the function's exception.
type SlotError struct {
	Slot string
	Err  error
}

func (e *SlotError) Error() string { return fmt.Sprintf("slot %q: %v", e.Slot, e.Err) }
func (e *SlotError) Unwrap() error { return e.Err }

// errSlotFailed is a slot function that returned a failure.
var errSlotFailed = errors.New("the function failed")

// slotter evaluates slots through the run's execution functions.
type slotter struct {
	exec states.ExecCaller
	log  *slog.Logger
}

// formatSlots is Salt's State.format_slots: it evaluates the slots among
// a state's arguments just before the state function runs (and again
// before each retry and mod_watch), in strings, in the values of
// mappings, and in the items of lists, and in the values of mappings in
// lists; deeper values are left alone, as in Salt. The arguments are
// copied where a slot is replaced, never changed in place. name holds
// the state's name, which Salt passes among the arguments too.
func (s *slotter) formatSlots(ctx context.Context, name string, args map[string]any) (string, map[string]any, error) {
	if isSlot(name) {
		v, e := s.eval(ctx, name)
		if e != nil {
			return name, args, e
		}
		// The name is a string to every state; Salt passes the value on
		// as it is, which a state then formats.
		if str, ok := v.(string); ok {
			name = str
		} else {
			name = fmt.Sprint(v)
		}
	}
	var out map[string]any
	set := func(k string, v any) {
		if out == nil {
			out = make(map[string]any, len(args))
			for k2, v2 := range args {
				out[k2] = v2
			}
		}
		out[k] = v
	}
	for k, v := range args {
		nv, changed, e := s.formatArg(ctx, v)
		if e != nil {
			return name, args, e
		}
		if changed {
			set(k, nv)
		}
	}
	if out == nil {
		return name, args, nil
	}
	return name, out, nil
}

// formatArg formats one top-level argument: a string, a mapping's values,
// or a list's strings and the values of its mappings.
func (s *slotter) formatArg(ctx context.Context, v any) (any, bool, error) {
	switch t := v.(type) {
	case string:
		if !isSlot(t) {
			return v, false, nil
		}
		r, err := s.eval(ctx, t)
		return r, true, err
	case map[string]any, *odict.Map:
		return s.formatMap(ctx, t)
	case []any:
		var out []any
		for i, item := range t {
			var nv any
			changed := false
			var err error
			switch it := item.(type) {
			case string:
				if isSlot(it) {
					nv, err = s.eval(ctx, it)
					changed = true
				}
			case map[string]any, *odict.Map:
				nv, changed, err = s.formatMap(ctx, it)
			}
			if err != nil {
				return v, false, err
			}
			if changed {
				if out == nil {
					out = append([]any(nil), t...)
				}
				out[i] = nv
			}
		}
		if out == nil {
			return v, false, nil
		}
		return out, true, nil
	}
	return v, false, nil
}

// formatMap evaluates the slots among a mapping's values (one level).
func (s *slotter) formatMap(ctx context.Context, m any) (any, bool, error) {
	switch t := m.(type) {
	case map[string]any:
		var out map[string]any
		for k, v := range t {
			str, ok := v.(string)
			if !ok || !isSlot(str) {
				continue
			}
			r, err := s.eval(ctx, str)
			if err != nil {
				return m, false, err
			}
			if out == nil {
				out = make(map[string]any, len(t))
				for k2, v2 := range t {
					out[k2] = v2
				}
			}
			out[k] = r
		}
		if out == nil {
			return m, false, nil
		}
		return out, true, nil
	case *odict.Map:
		var out *odict.Map
		for k, v := range t.All() {
			str, ok := v.(string)
			if !ok || !isSlot(str) {
				continue
			}
			r, err := s.eval(ctx, str)
			if err != nil {
				return m, false, err
			}
			if out == nil {
				out = t.Clone()
			}
			out.Set(k, r)
		}
		if out == nil {
			return m, false, nil
		}
		return out, true, nil
	}
	return m, false, nil
}

func isSlot(s string) bool { return strings.HasPrefix(s, slotPrefix) }

// eval is Salt's State.__eval_slot. A slot that is not of the form
// __slot__:salt:fun(args), or that names a function brine does not have,
// is logged and passed on unchanged, as Salt does. The function's return
// may be followed by .key.path, looked up in it (nil when missing), and
// by ~ text, appended to a string return.
func (s *slotter) eval(ctx context.Context, slot string) (any, error) {
	s.log.Debug("evaluating slot", "slot", slot)
	fmtParts := strings.SplitN(slot, ":", 3)
	if len(fmtParts) != 3 || fmtParts[1] != "salt" {
		s.log.Warn("malformed slot: only execution functions are supported in slots, so a slot starts with __slot__:salt:", "slot", slot)
		return slot, nil
	}
	call := fmtParts[2]
	fun, args, kwargs, ok, err := parseFunction(call)
	if err != nil {
		// Python's shlex raises on an unclosed quote: the state fails.
		return nil, &SlotError{Slot: slot, Err: err}
	}
	if !ok || fun == "" || s.exec == nil || !s.exec.Has(fun) {
		s.log.Warn("malformed slot: want an execution function in a function call format: test.arg('arg', kw='kwarg')", "slot", slot)
		return slot, nil
	}
	ret, good := s.exec.Call(ctx, fun, args, kwargs)
	if !good && !strings.HasPrefix(fun, "cmd.") {
		// Salt's cmd functions return a command's output whatever its
		// exit code (they only set the job's retcode); every other
		// failure is Salt's exception, which fails the state.
		return nil, &SlotError{Slot: slot, Err: fmt.Errorf("%s: %w: %v", fun, errSlotFailed, ret)}
	}
	text, appendData, hasAppend := strings.Cut(call, "~")
	if i := strings.LastIndex(text, ")"); i >= 0 {
		if get := text[i+1:]; get != "" {
			_, path, found := strings.Cut(get, ".")
			if !found {
				// Salt's split(".", 1)[1] raises here: the state fails.
				return nil, &SlotError{Slot: slot, Err: fmt.Errorf("want .key after the closing parenthesis, got %q", get)}
			}
			ret = traverse(ret, strings.Split(strings.TrimSpace(path), "."))
		}
	}
	if hasAppend {
		if str, ok := ret.(string); ok {
			ret = str + strings.TrimSpace(appendData)
		} else {
			s.log.Error("ignoring slot append, slot result is not a string", "slot", slot)
		}
	}
	return ret, nil
}

// parseFunction is salt.utils.args.parse_function: a Python-like call
// fun(arg, kw=value), split as Python's shlex (POSIX mode) splits it,
// quotes and backslashes honoured. Arguments are strings, as Salt passes
// them; whitespace outside quotes is dropped. ok is false when the text
// is not such a call.
func parseFunction(s string) (fun string, args []any, kwargs map[string]any, ok bool, err error) {
	lx := &shlexer{src: []rune(s)}
	var word []string
	tok, more := "", false
	for {
		tok, more = lx.next()
		if !more || tok == "(" {
			break
		}
		word = append(word, tok)
	}
	if len(word) == 0 || !more || tok != "(" {
		return "", nil, nil, false, lx.err
	}
	fun = strings.Join(word, "")
	word = nil
	kwargs = map[string]any{}
	var brackets []string
	key, hasKey := "", false
	closers := map[string]string{"[": "]", "{": "}", "(": ")"}
	for {
		tok, more = lx.next()
		if !more {
			return "", nil, nil, false, lx.err
		}
		switch {
		case strings.Contains("[{(", tok):
			word = append(word, tok)
			brackets = append(brackets, tok)
		case (tok == "," || tok == ")") && len(brackets) == 0:
			if hasKey {
				kwargs[key] = strings.Join(word, "")
			} else if len(word) > 0 {
				args = append(args, strings.Join(word, ""))
			}
			if tok == ")" {
				return fun, args, kwargs, true, nil
			}
			key, hasKey, word = "", false, nil
		case strings.Contains("]})", tok):
			if len(brackets) == 0 {
				return "", nil, nil, false, lx.err
			}
			open := brackets[len(brackets)-1]
			brackets = brackets[:len(brackets)-1]
			if tok != closers[open] {
				return "", nil, nil, false, lx.err
			}
			word = append(word, tok)
		case tok == "=" && len(brackets) == 0:
			key, hasKey, word = strings.Join(word, ""), true, nil
		default:
			word = append(word, tok)
		}
	}
}

// shlexer is Python's shlex.shlex(s, posix=True) with escapedquotes of
// both quotes: words of letters, digits and _, every other character
// its own token, # a comment to the end of the line.
type shlexer struct {
	src []rune
	pos int
	err error
}

const (
	shWhitespace = " \t\r\n"
	shQuotes     = `'"`
	shEscape     = `\`
)

func shWordChar(c rune) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		strings.ContainsRune("ßàáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝÞ", c)
}

// next returns the next token, and false at the end (or on an unclosed
// quote, which Python raises on: err is set).
func (l *shlexer) next() (string, bool) {
	if l.err != nil {
		return "", false
	}
	var tok strings.Builder
	quoted := false
	state := ' '
	var escaped rune
	for {
		var c rune
		eof := l.pos >= len(l.src)
		if !eof {
			c = l.src[l.pos]
			l.pos++
		}
		switch {
		case state == ' ':
			switch {
			case eof:
				return l.end(&tok, quoted)
			case strings.ContainsRune(shWhitespace, c):
				if tok.Len() > 0 || quoted {
					return tok.String(), true
				}
			case c == '#':
				l.skipLine()
			case strings.ContainsRune(shEscape, c):
				escaped, state = 'a', c
			case shWordChar(c):
				tok.WriteRune(c)
				state = 'a'
			case strings.ContainsRune(shQuotes, c):
				state = c
			default:
				tok.WriteRune(c)
				return tok.String(), true
			}
		case strings.ContainsRune(shQuotes, state):
			quoted = true
			switch {
			case eof:
				l.err = errors.New("no closing quotation")
				return "", false
			case c == state:
				state = 'a'
			case strings.ContainsRune(shEscape, c):
				escaped, state = state, c
			default:
				tok.WriteRune(c)
			}
		case strings.ContainsRune(shEscape, state):
			if eof {
				l.err = errors.New("no escaped character")
				return "", false
			}
			if strings.ContainsRune(shQuotes, escaped) && c != state && c != escaped {
				tok.WriteRune(state)
			}
			tok.WriteRune(c)
			state = escaped
		default: // 'a': in a word
			switch {
			case eof:
				return l.end(&tok, quoted)
			case strings.ContainsRune(shWhitespace, c):
				state = ' '
				if tok.Len() > 0 || quoted {
					return tok.String(), true
				}
			case c == '#':
				l.skipLine()
				state = ' '
				if tok.Len() > 0 || quoted {
					return tok.String(), true
				}
			case strings.ContainsRune(shQuotes, c):
				state = c
			case strings.ContainsRune(shEscape, c):
				escaped, state = 'a', c
			case shWordChar(c):
				tok.WriteRune(c)
			default:
				l.pos-- // push back
				state = ' '
				if tok.Len() > 0 || quoted {
					return tok.String(), true
				}
			}
		}
	}
}

// end is the token at the end of the input: none unless one was read
// (an empty quoted string is a token).
func (l *shlexer) end(tok *strings.Builder, quoted bool) (string, bool) {
	if tok.Len() == 0 && !quoted {
		return "", false
	}
	return tok.String(), true
}

func (l *shlexer) skipLine() {
	for l.pos < len(l.src) && l.src[l.pos] != '\n' {
		l.pos++
	}
	if l.pos < len(l.src) {
		l.pos++
	}
}
