package jinja

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// pyBytes is a Python bytes value, which only str.encode makes. Salt 3006
// runs Jinja on Python 3, where encode gives bytes, not a str: printed it
// reads b'…', it never equals a str, and it does not concatenate with one.
// Python 2 formulas call encode to get a plain string back
// (`node.encode('ascii') + ':' + port`); Salt 3006 fails on them with
// "can't concat str to bytes", and brine must too, rather than render
// what Salt refuses.
type pyBytes string

// pyCodec is a codec name as Python's codec registry looks it up:
// case and '_' or '-' do not matter.
func pyCodec(name string) (string, error) {
	n := strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-")
	switch n {
	case "utf-8", "utf8", "u8", "utf", "cp65001":
		return "utf-8", nil
	case "ascii", "us-ascii", "646":
		return "ascii", nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1", "8859", "cp819", "latin":
		return "latin-1", nil
	}
	return "", fmt.Errorf("unknown encoding: %s", name)
}

// codecArgs reads (encoding='utf-8', errors='strict') of encode and decode.
func codecArgs(args []any, kw map[string]any) (codec, errs string, err error) {
	enc, errs := "utf-8", "strict"
	if len(args) > 0 {
		s, ok := args[0].(string)
		if !ok {
			return "", "", fmt.Errorf("encode() argument 'encoding' must be str, not %s", typeName(args[0]))
		}
		enc = s
	}
	if len(args) > 1 {
		s, ok := args[1].(string)
		if !ok {
			return "", "", fmt.Errorf("encode() argument 'errors' must be str, not %s", typeName(args[1]))
		}
		errs = s
	}
	if s, ok := kw["encoding"].(string); ok {
		enc = s
	}
	if s, ok := kw["errors"].(string); ok {
		errs = s
	}
	codec, err = pyCodec(enc)
	return codec, errs, err
}

// strEncode is Python's str.encode for the codecs templates use.
func strEncode(s string, args []any, kw map[string]any) (any, error) {
	codec, errs, err := codecArgs(args, kw)
	if err != nil {
		return nil, err
	}
	if codec == "utf-8" {
		return pyBytes(s), nil
	}
	limit := rune(0x80)
	if codec == "latin-1" {
		limit = 0x100
	}
	var b strings.Builder
	for i, r := range []rune(s) {
		if r < limit {
			b.WriteByte(byte(r))
			continue
		}
		switch errs {
		case "ignore":
		case "replace":
			b.WriteByte('?')
		default:
			return nil, fmt.Errorf("'%s' codec can't encode character %s in position %d: ordinal not in range(%d)",
				codec, pyCharRepr(r), i, limit)
		}
	}
	return pyBytes(b.String()), nil
}

// pyCharRepr is how Python's encode errors show a character: '\xe9',
// '\u20ac', '\U0001f600'.
func pyCharRepr(r rune) string {
	switch {
	case r < 0x100:
		return fmt.Sprintf("'\\x%02x'", r)
	case r < 0x10000:
		return fmt.Sprintf("'\\u%04x'", r)
	}
	return fmt.Sprintf("'\\U%08x'", r)
}

// bytesMethod is the one bytes method templates need: decode.
func bytesMethod(b pyBytes, name string, args []any, kw map[string]any) (any, error) {
	if name != "decode" {
		return nil, fmt.Errorf("'bytes' object has no attribute '%s'", name)
	}
	codec, errs, err := codecArgs(args, kw)
	if err != nil {
		return nil, err
	}
	var out strings.Builder
	s := string(b)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case codec == "latin-1" || c < 0x80:
			out.WriteRune(rune(c))
			i++
			continue
		case codec == "utf-8":
			if r, n := utf8.DecodeRuneInString(s[i:]); r != utf8.RuneError || n > 1 {
				out.WriteRune(r)
				i += n
				continue
			}
		}
		switch errs {
		case "ignore":
		case "replace":
			out.WriteRune('\uFFFD')
		default:
			why := "invalid start byte"
			if codec == "ascii" {
				why = "ordinal not in range(128)"
			}
			return nil, fmt.Errorf("'%s' codec can't decode byte 0x%02x in position %d: %s", codec, c, i, why)
		}
		i++
	}
	return out.String(), nil
}

// bytesRepr is Python's repr of bytes: b'…', in double quotes when the
// value holds a single quote and no double one, other bytes escaped.
func bytesRepr(b pyBytes) string {
	s := string(b)
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var out strings.Builder
	out.WriteString("b")
	out.WriteByte(q)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q || c == '\\':
			out.WriteByte('\\')
			out.WriteByte(c)
		case c == '\t':
			out.WriteString(`\t`)
		case c == '\n':
			out.WriteString(`\n`)
		case c == '\r':
			out.WriteString(`\r`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&out, `\x%02x`, c)
		default:
			out.WriteByte(c)
		}
	}
	out.WriteByte(q)
	return out.String()
}

// bytesConcat is + with bytes on either side: bytes join bytes alone.
func bytesConcat(l, r any) (any, error) {
	lb, lok := l.(pyBytes)
	_, rok := r.(pyBytes)
	switch {
	case lok && rok:
		return lb + r.(pyBytes), nil
	case lok:
		return nil, fmt.Errorf("can't concat %s to bytes", typeName(normalize(r)))
	}
	return nil, fmt.Errorf("can only concatenate %s (not \"bytes\") to %s", typeName(normalize(l)), typeName(normalize(l)))
}
