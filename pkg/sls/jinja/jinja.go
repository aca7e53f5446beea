// Package jinja renders Jinja templates, as Salt writes them, with pongo2.
//
// pongo2 is close to Django's templates, not to Jinja2, so this package
// adds the parts of Jinja that Salt formulas use: a source translator
// turns every Jinja tag and {{ }} into a one-line pongo2 tag registered
// here, whose expression was parsed by this package with Jinja's grammar.
// pongo2 parses the block structure and runs the template; this package
// evaluates expressions with Python semantics (StrictUndefined, kwargs,
// methods, filters, tests). docs/jinja.md lists what works and what differs.
package jinja

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/flosch/pongo2/v6"
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

// Limits that keep a hostile or broken template from exhausting the host.
const (
	maxNesting   = 64       // imports, includes and macro calls on the stack
	maxSteps     = 1000000  // loop iterations in one render
	maxOutput    = 64 << 20 // bytes of output
	maxCacheSize = 4096     // compiled templates kept
	maxCacheSrc  = 32 << 20 // bytes of template source behind them
)

// Render renders src, named name (for errors and relative imports), with
// vars as the template's globals. A map[string]Func value in vars (salt)
// or a Func value is callable from the template. Dicts are *odict.Map
// values, which keep their order; Go maps in vars are read as dicts in
// sorted key order. Templates may change the *odict.Map dicts and lists
// reachable from vars, as Jinja does (Go maps are copied).
func Render(name string, src []byte, vars map[string]any, opts Options) (out string, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = "", &Error{File: name, Err: panicError{r}}
		}
	}()
	c, err := compile(name, src)
	if err != nil {
		return "", err
	}
	rs := &renderState{vars: vars, loader: opts.Loader}
	var b strings.Builder
	if _, err := rs.run(c, pongo2.Context{}, &pongoWriter{b: &b, rs: rs}); err != nil {
		return "", err
	}
	if rs.over {
		return "", &Error{File: name, Err: errTooMuchOutput}
	}
	// Salt's render_jinja_tmpl adds back the newline Jinja dropped from
	// the end of the template, whatever the template did before it.
	if bytes.HasSuffix(src, []byte("\n")) {
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// panicError reports a bug in this package caught by Render's recover.
type panicError struct{ v any }

func (p panicError) Error() string { return fmt.Sprintf("internal error: %v", p.v) }

type renderState struct {
	vars map[string]any
	// converted holds the variables whose Go maps were made dicts when a
	// template first read them (varValue), so that later reads, and
	// changes, see the same dict.
	converted map[string]any
	loader    Loader
	// kwOrder is the order of the keyword arguments of the call whose
	// arguments were evaluated last (evalArgs), read by the callee
	// before it evaluates anything: kwargs are a Go map, and
	// dict(b=1, a=2) keeps b before a, as Python does.
	kwOrder []string
	depth   int
	steps   int
	written int
	over    bool
}

// spend counts n bytes of output; false once the budget is gone.
func (rs *renderState) spend(n int) bool {
	rs.written += n
	if rs.written > maxOutput {
		rs.over = true
	}
	return !rs.over
}

type exportSlot struct{ vars map[string]any }

// run executes a compiled template with public as the enclosing scope and
// returns the names it defined at top level (for imports).
func (rs *renderState) run(c *compiled, public pongo2.Context, w io.Writer) (map[string]any, error) {
	rs.depth++
	defer func() { rs.depth-- }()
	if rs.depth > maxNesting {
		return nil, &Error{File: c.unit.name, Err: fmt.Errorf("templates nested more than %d deep", maxNesting)}
	}
	slot := &exportSlot{}
	public["__jinja"] = rs
	public["__jexport"] = slot
	// A template extended by another runs in that one's context, with
	// its blocks (runParent); any other starts a context of its own.
	ts, chained := public["__jtpl"].(*tplState)
	if !chained {
		ts = newTplState(c.unit)
		public["__jtpl"] = ts
	}
	frame := &runFrame{}
	prev := ts.cur
	ts.cur = frame
	defer func() { ts.cur = prev }()
	if err := c.tpl.ExecuteWriterUnbuffered(public, &extendsWriter{w: w, f: frame}); err != nil {
		return nil, toError(err, c)
	}
	if frame.parent != nil {
		return rs.runParent(ts, frame, slot.vars, w)
	}
	return slot.vars, nil
}

// toError digs this package's *Error out of pongo2's wrapping, or maps a
// pongo2 error's line back to the original source.
func toError(err error, c *compiled) error {
	var pe *pongo2.Error
	if errors.As(err, &pe) {
		var je *Error
		if pe.OrigError != nil && errors.As(pe.OrigError, &je) {
			return je
		}
		if lc, ok := pe.OrigError.(loopCtl); ok {
			return &Error{File: c.unit.name, Err: fmt.Errorf("'%s' outside of a loop", lc)}
		}
		line := 0
		if pe.Line > 0 && pe.Line < len(c.unit.lines) {
			line = c.unit.lines[pe.Line]
		}
		msg := internalTag.ReplaceAllString(pe.OrigError.Error(), "'$1'")
		return &Error{File: c.unit.name, Line: line, Err: errors.New(msg)}
	}
	var je *Error
	if errors.As(err, &je) {
		return je
	}
	return &Error{File: c.unit.name, Err: err}
}

// internalTag finds this package's pongo2 tag names in pongo2's messages.
var internalTag = regexp.MustCompile(`'j(\w+)'`)

type compiled struct {
	tpl  *pongo2.Template
	unit *unit
}

type cacheKey struct {
	name string
	sum  [32]byte
}

// The compile cache and the registry of units being compiled. pongo2's
// tag registry is package-global, so the tags are registered once and
// find their statements through the unit id written into each tag.
var (
	setOnce   sync.Once
	tplSet    *pongo2.TemplateSet
	compileMu sync.Mutex
	cache     = map[cacheKey]*compiled{}
	compiling = map[int]*unit{}
	nextUnit  int
	cacheSrc  int
)

type noLoader struct{}

func (noLoader) Abs(base, name string) string { return name }
func (noLoader) Get(path string) (io.Reader, error) {
	return nil, fmt.Errorf("pongo2 loading is disabled: %s", path)
}

func compile(name string, src []byte) (*compiled, error) {
	setOnce.Do(setup)
	key := cacheKey{name: name, sum: sha256.Sum256(src)}
	compileMu.Lock()
	defer compileMu.Unlock()
	if c, ok := cache[key]; ok {
		return c, nil
	}
	nextUnit++
	id := nextUnit
	psrc, u, err := translate(id, name, jinjaSource(src))
	if err != nil {
		return nil, err
	}
	compiling[id] = u
	tpl, err := tplSet.FromString(psrc)
	delete(compiling, id)
	if err != nil {
		return nil, toError(err, &compiled{unit: u})
	}
	c := &compiled{tpl: tpl, unit: u}
	if len(cache) >= maxCacheSize || cacheSrc+len(src) > maxCacheSrc {
		clear(cache)
		cacheSrc = 0
	}
	cacheSrc += len(src)
	cache[key] = c
	return c, nil
}

// jinjaSource is the text Jinja's lexer reads: every \r\n and \r becomes
// \n, and one newline at the very end is dropped, since Salt leaves
// keep_trailing_newline False. Render puts that newline back for the
// template it was asked for, as Salt does; imported and included
// templates lose it, as in Salt.
func jinjaSource(src []byte) string {
	s := string(src)
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return strings.TrimSuffix(s, "\n")
}

func setup() {
	pongo2.SetAutoescape(false)
	tplSet = pongo2.NewSet("brine-jinja", noLoader{})
	tplSet.Options.TrimBlocks = false
	tplSet.Options.LStripBlocks = false
	registerTags()
}
