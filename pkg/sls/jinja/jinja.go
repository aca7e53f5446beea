// Package jinja renders Jinja templates, as Salt writes them, with pongo2.
//
// pongo2 is close to Django's templates, not to Jinja2, so this package
// adds the parts of Jinja that Salt formulas use: a source translator for
// syntax pongo2 cannot parse, plus registered filters, tests and tags.
package jinja

import (
	"fmt"
)

// Loader reads templates named by {% import %}, {% from %} and
// {% include %}; names are paths relative to the root of the state tree.
type Loader interface {
	Load(name string) ([]byte, error)
}

// Func is a function callable from a template, such as salt['pillar.get'].
// It gets positional and keyword arguments.
type Func func(args []any, kwargs map[string]any) (any, error)

// Options configure a render.
type Options struct {
	Loader Loader
}

// Error is a render error that names the template and line.
type Error struct {
	File string
	Line int
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Render renders src, named name (for errors and relative imports), with
// vars as the template's globals. A map[string]Func value in vars (salt)
// or a Func value is callable from the template.
func Render(name string, src []byte, vars map[string]any, opts Options) (string, error) {
	return "", &Error{File: name, Err: fmt.Errorf("jinja: not implemented yet")}
}
