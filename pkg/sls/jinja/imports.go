package jinja

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"github.com/flosch/pongo2/v6"
	"gopkg.in/yaml.v3"
)

// parseData reads YAML, JSON or text the way import_yaml and load_yaml do.
// Dicts keep the order of the text, as Python's loaders do.
func parseData(kind, text string) (any, error) {
	switch {
	case strings.HasSuffix(kind, "yaml"):
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(text), &n); err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		pyyaml.Resolve(&n)
		v, err := yamlValue(&n, 0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		return v, nil
	case strings.HasSuffix(kind, "json"):
		v, err := odict.DecodeJSON([]byte(text))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", kind, err)
		}
		return fromJSON(v), nil
	}
	return text, nil
}

func fromJSON(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := strconv.Atoi(string(x)); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case *odict.Map:
		for k, e := range x.All() {
			x.Set(k, fromJSON(e))
		}
	case []any:
		for i, e := range x {
			x[i] = fromJSON(e)
		}
	}
	return v
}

// flatten is the scope a "with context" import or include sees.
func flatten(ctx *pongo2.ExecutionContext) pongo2.Context {
	out := make(pongo2.Context, len(ctx.Public)+len(ctx.Private))
	for k, v := range ctx.Public {
		if !strings.HasPrefix(k, "__j") {
			out[k] = v
		}
	}
	for k, v := range ctx.Private {
		if k != "pongo2" && k != "loop" {
			out[k] = v
		}
	}
	return out
}

// load finds and compiles a template named by an expression value;
// "./x" and "../x" are relative to the current template, as in Salt.
func (e *env) load(nameV any) (*compiled, string, error) {
	name, ok := normalize(nameV).(string)
	if !ok {
		if u, isU := nameV.(Undefined); isU {
			return nil, "", u.err()
		}
		return nil, "", fmt.Errorf("template name must be a string, not %s", typeName(nameV))
	}
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") {
		name = path.Join(path.Dir(e.file), name)
	}
	if src, ok := e.hostTemplate(name); ok {
		c, err := compile(name, src)
		return c, name, err
	}
	name = strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(name, "salt://")), "/")
	if e.rs.loader == nil {
		return nil, name, fmt.Errorf("template %s: %w (no loader)", name, errNotFound)
	}
	src, err := e.rs.loader.Load(name)
	if err != nil {
		return nil, name, fmt.Errorf("template %s: %w: %v", name, errNotFound, err)
	}
	c, err := compile(name, src)
	return c, name, err
}

// hostTemplate reads a template named by an absolute path from the host,
// as Salt's SaltCacheLoader does (os.path.join of a search path and an
// absolute name is the name): `{% import_text '/etc/ssl/cert.pem' as c %}`.
// Only where the render has a host to read (a minion, brine call; under
// --root there), not where its reads are confined to a tree (a master's
// pillar); a path the host lacks is looked up in the tree, as brine did.
func (e *env) hostTemplate(name string) ([]byte, bool) {
	c := e.host()
	if !path.IsAbs(name) || c == nil || c.Files != nil {
		return nil, false
	}
	// A regular file only: a device or a fifo would never end.
	if fi, err := e.hostStat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	f, err := e.hostOpen(name)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	src, err := io.ReadAll(f)
	return src, err == nil
}

func (e *env) runModule(st *stmt) (map[string]any, string, string, error) {
	v, err := e.eval(st.expr)
	if err != nil {
		return nil, "", "", err
	}
	c, name, err := e.load(v)
	if err != nil {
		return nil, name, "", err
	}
	public := e.scope(st.withCtx, name, v)
	var b strings.Builder
	vars, err := e.rs.run(c, public, &pongoWriter{b: &b, rs: e.rs})
	return vars, name, b.String(), err
}

func execImport(b *tagBase, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	st := *b.st
	if st.kind != "import" {
		st.withCtx = true
	}
	vars, name, out, err := e.runModule(&st)
	if err != nil {
		return b.fail(err)
	}
	if st.kind == "import" {
		ctx.Private[st.targets[0]] = &module{name: name, vars: vars}
		return nil
	}
	v, err := parseData(st.kind, out)
	if err != nil {
		return b.fail(fmt.Errorf("%s: %w", name, err))
	}
	ctx.Private[st.targets[0]] = v
	return nil
}

func execFrom(b *tagBase, ctx *pongo2.ExecutionContext, _ pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	vars, name, _, err := e.runModule(b.st)
	if err != nil {
		return b.fail(err)
	}
	for _, imp := range b.st.imports {
		v, ok := vars[imp[0]]
		if !ok {
			// Jinja binds an undefined value, which fails only when used
			// (`is defined` is false)
			v = Undefined{Hint: fmt.Sprintf("the template %s does not export the requested name '%s'", name, imp[0]), Line: b.st.line}
		}
		ctx.Private[imp[1]] = v
	}
	return nil
}

func execInclude(b *tagBase, ctx *pongo2.ExecutionContext, w pongo2.TemplateWriter) *pongo2.Error {
	e := b.env(ctx)
	v, err := e.eval(b.st.expr)
	if err != nil {
		return b.fail(err)
	}
	names := []any{v}
	if l, ok := normalize(v).([]any); ok {
		names = l
	}
	for _, nv := range names {
		c, name, err := e.load(nv)
		if err != nil {
			if errors.Is(err, errNotFound) {
				continue
			}
			return b.fail(err)
		}
		if _, err := e.rs.run(c, e.scope(b.st.withCtx, name, nv), w); err != nil {
			return b.fail(err)
		}
		return nil
	}
	if b.st.ignore {
		return nil
	}
	return b.fail(fmt.Errorf("template not found: %s", reprOr(v)))
}

// scope is the enclosing scope of an imported or included template.
// With context it is the importer's scope. Without, it is empty but for
// Salt's tplfile, tpldir and tpldot, which Salt's template loader sets to
// the loaded file's own path (a relative name keeps the importer's
// tpldir and is its own tplfile), so that a map.jinja imported without
// context finds the files beside it.
func (e *env) scope(withCtx bool, name string, written any) pongo2.Context {
	if withCtx {
		return flatten(e.ctx)
	}
	public := pongo2.Context{}
	if _, salt := e.rs.vars["tplfile"]; !salt {
		return public
	}
	dir := path.Dir(name)
	tplfile := name
	if w, _ := written.(string); strings.HasPrefix(w, "./") || strings.HasPrefix(w, "../") {
		tplfile = w
		if d, ok := e.lookup("tpldir").(string); ok {
			dir = d
		}
	}
	dot := strings.ReplaceAll(dir, "/", ".")
	if dir == "" || dir == "." {
		dir, dot = ".", ""
	}
	public["tplfile"] = tplfile
	public["tpldir"] = dir
	public["tpldot"] = dot
	return public
}

type module struct {
	name string
	vars map[string]any
}
