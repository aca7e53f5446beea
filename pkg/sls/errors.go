package sls

import (
	"fmt"
	"strconv"
	"strings"
)

// Pos is where something was declared: a file of the state tree, relative
// to its root, and a 1-based line.
type Pos struct {
	File string
	Line int
	// Rendered means Line counts lines of the Jinja output, not of the
	// file as written; the two differ when the template adds or removes
	// lines.
	Rendered bool
}

// String returns "file:line", with " (rendered)" when the line is one of
// the Jinja output.
func (p Pos) String() string {
	if p.File == "" {
		return "<input>"
	}
	s := p.File
	if p.Line > 0 {
		s += ":" + strconv.Itoa(p.Line)
	}
	if p.Rendered {
		s += " (rendered)"
	}
	return s
}

// Error is one problem in the state tree, with the place it comes from.
type Error struct {
	Pos Pos
	ID  string // the state ID, when the problem belongs to one
	Msg string
	Err error // an underlying error, such as a read or render failure
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.File != "" {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Err != nil {
		if e.Msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorList is every problem found in one render or compile. Salt reports
// them all at once, and so does brine: fixing a tree one error per run is
// slow.
type ErrorList []*Error

func (l ErrorList) Error() string {
	if len(l) == 1 {
		return l[0].Error()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d errors:", len(l))
	for _, e := range l {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(e.Error(), "\n", "\n  "))
	}
	return b.String()
}

// Unwrap lets errors.Is and errors.As look at each error.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// maxErrors bounds the list, so a broken generated file does not bury the
// first, useful, messages under thousands of copies.
const maxErrors = 50

func (l *ErrorList) add(pos Pos, id, format string, args ...any) {
	if len(*l) >= maxErrors {
		return
	}
	*l = append(*l, &Error{Pos: pos, ID: id, Msg: fmt.Sprintf(format, args...)})
}

func (l *ErrorList) addErr(e *Error) {
	if len(*l) < maxErrors {
		*l = append(*l, e)
	}
}

// err returns the list as an error, or nil when it is empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}
