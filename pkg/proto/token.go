package proto

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Minion ids are Salt's: a host's FQDN by default (web1.example.org),
// and any id Salt accepts works unchanged in targeting, top.sls, grains,
// output, the job cache and keys. Only where an id meets NATS does it
// change form: as one subject token (and one JetStream key), written by
// Token. The form is an internal encoding no user sees: letters, digits
// and '-' stand for themselves, every other byte (the '_' of the
// encoding itself included) is '_' and two hex digits. It is injective,
// never holds '.', '*', '>' or whitespace, so an id cannot reach into
// another minion's subjects, and IDOfToken refuses any token Token would
// not write.

// MaxIDLen bounds a minion id, in bytes.
const MaxIDLen = 255

// ErrBadID is returned for an id brine cannot accept.
var ErrBadID = errors.New("invalid minion id")

// ValidID checks a minion id as Salt does (salt.utils.verify.valid_id:
// no '/', '\' or NUL, not "." or ".."), and further refuses whitespace,
// control characters and text that is not UTF-8, and ids longer than
// MaxIDLen bytes: an id is printed, matched and logged everywhere.
func ValidID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", ErrBadID)
	case len(id) > MaxIDLen:
		return fmt.Errorf("%w %q: longer than %d bytes", ErrBadID, clip(id), MaxIDLen)
	case id == "." || id == "..":
		return fmt.Errorf("%w %q", ErrBadID, id)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w %q: not UTF-8", ErrBadID, clip(id))
	}
	for _, r := range id {
		if r == '/' || r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) || !unicode.IsPrint(r) {
			return fmt.Errorf("%w %q: %q is not allowed (no '/', '\\', spaces or control characters)", ErrBadID, clip(id), r)
		}
	}
	return nil
}

func plain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-'
}

const hexDigits = "0123456789abcdef"

// Token writes an id as one NATS subject token.
func Token(id string) string {
	n := 0
	for i := 0; i < len(id); i++ {
		if !plain(id[i]) {
			n++
		}
	}
	if n == 0 {
		return id
	}
	var b strings.Builder
	b.Grow(len(id) + 2*n)
	for i := 0; i < len(id); i++ {
		c := id[i]
		if plain(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// IDOfToken reads a token back into the id, and refuses any token that
// is not exactly what Token writes for a valid id.
func IDOfToken(tok string) (string, error) {
	if !strings.Contains(tok, "_") {
		if err := ValidID(tok); err != nil {
			return "", err
		}
		for i := 0; i < len(tok); i++ {
			if !plain(tok[i]) {
				return "", fmt.Errorf("%w: token %q", ErrBadID, clip(tok))
			}
		}
		return tok, nil
	}
	var b strings.Builder
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '_' {
			b.WriteByte(c)
			continue
		}
		if i+2 >= len(tok) {
			return "", fmt.Errorf("%w: token %q", ErrBadID, clip(tok))
		}
		hi, lo := strings.IndexByte(hexDigits, tok[i+1]), strings.IndexByte(hexDigits, tok[i+2])
		if hi < 0 || lo < 0 {
			return "", fmt.Errorf("%w: token %q", ErrBadID, clip(tok))
		}
		b.WriteByte(byte(hi<<4 | lo))
		i += 2
	}
	id := b.String()
	if err := ValidID(id); err != nil {
		return "", err
	}
	if Token(id) != tok {
		return "", fmt.Errorf("%w: token %q is not canonical", ErrBadID, clip(tok))
	}
	return id, nil
}
