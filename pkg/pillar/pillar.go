// Package pillar compiles a host's pillar: the pillar top.sls says which
// pillar SLS files a host gets; each is rendered (Jinja, then YAML) and the
// results are deep-merged in order. The master runs it for each minion and
// sends the result to that minion alone; `brine call --local` runs it with
// --pillar-root.
package pillar

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/sls"
	"github.com/brine-cm/brine/pkg/top"
	"github.com/brine-cm/brine/pkg/tree"
)

// Compiler renders pillar from one tree of pillar roots.
type Compiler struct {
	Files tree.FileSource // reads salt:// URLs from the pillar roots
	// Globals returns the Jinja globals for a minion's pillar templates
	// (grains, salt, opts); pillar itself is not visible while it is
	// being built, as in Salt.
	Globals func(m top.Minion) map[string]any
	// Nodegroups are the master's nodegroups, for N@ and `- match: nodegroup`.
	Nodegroups map[string]string
}

// Compile returns the pillar of one minion, its dicts in the order the
// files gave them (keys a later file adds come after), so that templates
// loop over pillar in file order, as Salt's do. A missing pillar top.sls
// is an empty pillar, not an error. The first SLS that fails to render
// fails it (CompileAll goes on, as Salt does).
func (c *Compiler) Compile(ctx context.Context, m top.Minion) (*odict.Map, error) {
	out, errs, err := c.CompileAll(ctx, m)
	if err != nil {
		return nil, err
	}
	if len(errs) > 0 {
		return nil, errs[0].Err
	}
	return out, nil
}

// SLSError is a part of the pillar that failed to render: the top file
// (Name "top.sls") or one SLS. Salt keeps the rest of the pillar and
// lists each under _errors.
type SLSError struct {
	Env, Name string
	Err       error
}

func (e *SLSError) Error() string { return e.Err.Error() }

func (e *SLSError) Unwrap() error { return e.Err }

// Message is the error as Salt lists it under _errors, with the render
// error when detail is set (salt-call --local shows it; a master, as
// Salt's pillar_safe_render_error, keeps it for its own log).
func (e *SLSError) Message(detail bool) string {
	var nf *NotFoundError
	switch {
	case errors.As(e.Err, &nf) && nf.Name == e.Name:
		return fmt.Sprintf("Specified SLS '%s' in environment '%s' is not available on the salt master", e.Name, e.Env)
	case e.Name == "top.sls":
		return "Rendering Primary Top file failed, render error:\n" + e.Err.Error()
	case detail:
		return fmt.Sprintf("Rendering SLS '%s' failed, render error:\n%v", e.Name, e.Err)
	}
	return fmt.Sprintf("Rendering SLS '%s' failed. Please see master log for details.", e.Name)
}

// CompileAll is Compile that goes on past an SLS that fails to render,
// as Salt's compile_pillar does: the pillar of the others, and the
// failures (ErrorsKey lists them in Salt's words: WithErrors). Its error
// is for a cancelled context alone.
func (c *Compiler) CompileAll(ctx context.Context, m top.Minion) (*odict.Map, []*SLSError, error) {
	var globals map[string]any
	if c.Globals != nil {
		globals = c.Globals(m)
	}
	comp := &sls.Compiler{Files: c.Files, Vars: func(string, string) map[string]any { return globals }}
	topErr := func(err error) (*odict.Map, []*SLSError, error) {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return odict.New(0), []*SLSError{{Env: "base", Name: "top.sls", Err: fmt.Errorf("pillar top.sls: %w", err)}}, nil
	}
	src, err := comp.RenderFile(ctx, "salt://top.sls", nil)
	if errors.Is(err, fs.ErrNotExist) {
		return odict.New(0), nil, nil
	}
	if err != nil {
		return topErr(err)
	}
	t, err := top.Parse("pillar/top.sls", src)
	if err != nil {
		return topErr(err)
	}
	byEnv, err := t.SLSFor(m, c.Nodegroups)
	if err != nil {
		return topErr(err)
	}
	out := odict.New(0)
	seen := map[string]bool{}
	ignored := t.IgnoredMissing(m, c.Nodegroups)
	var errs []*SLSError
	for _, env := range t.Envs() {
		for _, name := range byEnv[env] {
			err := c.load(ctx, comp, env, name, out, seen)
			var nf *NotFoundError
			if errors.As(err, &nf) && nf.Env == env && nf.Name == name && ignored[env+":"+name] {
				continue // Salt: "Skipping ignored and missing SLS"
			}
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			if err != nil {
				errs = append(errs, &SLSError{Env: env, Name: name, Err: err})
			}
		}
	}
	return out, errs, nil
}

// ErrorsKey is the pillar key Salt lists render failures under.
const ErrorsKey = "_errors"

// WithErrors sets the pillar's _errors to errs in Salt's words (the
// render errors themselves when detail is set), and returns it.
func WithErrors(p *odict.Map, errs []*SLSError, detail bool) *odict.Map {
	if len(errs) == 0 {
		return p
	}
	msgs := make([]any, len(errs))
	for i, e := range errs {
		msgs[i] = e.Message(detail)
	}
	p.Set(ErrorsKey, msgs)
	return p
}

// NotFoundError is a pillar SLS in neither of its places.
type NotFoundError struct{ Env, Name string }

func (e *NotFoundError) Error() string {
	rel := strings.ReplaceAll(e.Name, ".", "/")
	return fmt.Sprintf("pillar SLS %q not found in environment %q: looked for %s.sls and %s/init.sls", e.Name, e.Env, rel, rel)
}

// Is makes errors.Is(err, fs.ErrNotExist) true.
func (e *NotFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// load renders one pillar SLS (and its includes) and merges it into out.
func (c *Compiler) load(ctx context.Context, comp *sls.Compiler, env, name string, out *odict.Map, seen map[string]bool) error {
	return c.loadWith(ctx, comp, env, name, nil, out, seen)
}

// loadWith is load with template variables for the file (an include's
// defaults).
func (c *Compiler) loadWith(ctx context.Context, comp *sls.Compiler, env, name string, vars map[string]any, out *odict.Map, seen map[string]bool) error {
	if seen[env+":"+name] {
		return nil
	}
	seen[env+":"+name] = true
	rel := strings.ReplaceAll(name, ".", "/")
	file := rel + ".sls"
	src, err := comp.RenderSLSFile(ctx, "salt://"+file+"?saltenv="+env, name, vars)
	if errors.Is(err, fs.ErrNotExist) {
		file = rel + "/init.sls"
		src, err = comp.RenderSLSFile(ctx, "salt://"+file+"?saltenv="+env, name, vars)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return &NotFoundError{Env: env, Name: name}
	}
	if err != nil {
		return fmt.Errorf("pillar %s: %w", file, err)
	}
	decoded, err := sls.DecodeYAMLOrdered(file, src, false)
	if err != nil {
		return fmt.Errorf("pillar: %w", err)
	}
	data, ok := decoded.(*odict.Map)
	if decoded != nil && !ok {
		return fmt.Errorf("pillar %s: want a mapping at the top, got %s", file, kind(decoded))
	}
	if data == nil {
		data = odict.New(0)
	}
	if inc, ok := data.Get("include"); ok {
		list, isList := inc.([]any)
		if !isList {
			return fmt.Errorf("pillar %s: Include Declaration in SLS '%s' is not formed as a list", file, name)
		}
		data.Delete("include")
		for _, i := range list {
			it, err := includeItem(file, i)
			if err != nil {
				return err
			}
			if strings.HasPrefix(it.name, ".") {
				it.name = relative(name, strings.HasSuffix(file, "/init.sls"), it.name)
			}
			names := []string{it.name}
			if fnmatch.HasMeta(it.name) {
				if names, err = c.matching(ctx, env, it.name); err != nil {
					return fmt.Errorf("pillar %s: include %s: %w", file, it.name, err)
				}
			}
			for _, n := range names {
				into := out
				if it.key != "" {
					into = odict.New(0)
				}
				if err := c.loadWith(ctx, comp, env, n, it.defaults, into, seen); err != nil {
					return err
				}
				if it.key != "" {
					out.Merge(nestUnder(it.key, into))
				}
			}
		}
	}
	out.Merge(data)
	return nil
}

// kind names a YAML value's type in an error.
func kind(v any) string {
	switch v.(type) {
	case []any:
		return "a list"
	case string:
		return "a string"
	}
	return fmt.Sprintf("%T", v)
}

// relative resolves a relative include (".x", "..x") against the SLS
// that names it, as Salt does: the dots count up from the SLS's package,
// which for a/b/init.sls is a.b and for a/b.sls is a.
func relative(from string, isInit bool, inc string) string {
	parts := strings.Split(from, ".")
	if !isInit {
		parts = parts[:len(parts)-1]
	}
	dots := len(inc) - len(strings.TrimLeft(inc, "."))
	keep := max(len(parts)-(dots-1), 0)
	base := strings.Join(parts[:keep], ".")
	rest := strings.TrimLeft(inc, ".")
	if base == "" {
		return rest
	}
	return base + "." + rest
}

// Merge deep-merges src into dst: mappings merge key by key, anything
// else in src replaces what dst had, as Salt's pillar merge does.
func Merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				Merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
