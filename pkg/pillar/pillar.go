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
// is an empty pillar, not an error.
func (c *Compiler) Compile(ctx context.Context, m top.Minion) (*odict.Map, error) {
	var globals map[string]any
	if c.Globals != nil {
		globals = c.Globals(m)
	}
	comp := &sls.Compiler{Files: c.Files, Vars: func(string, string) map[string]any { return globals }}
	src, err := comp.RenderFile(ctx, "salt://top.sls", nil)
	if errors.Is(err, fs.ErrNotExist) {
		return odict.New(0), nil
	}
	if err != nil {
		return nil, fmt.Errorf("pillar top.sls: %w", err)
	}
	t, err := top.Parse("pillar/top.sls", src)
	if err != nil {
		return nil, fmt.Errorf("pillar: %w", err)
	}
	byEnv, err := t.SLSFor(m, c.Nodegroups)
	if err != nil {
		return nil, fmt.Errorf("pillar top.sls: %w", err)
	}
	out := odict.New(0)
	seen := map[string]bool{}
	ignored := t.IgnoredMissing(m, c.Nodegroups)
	for _, env := range t.Envs() {
		for _, name := range byEnv[env] {
			err := c.load(ctx, comp, env, name, out, seen)
			var nf *NotFoundError
			if errors.As(err, &nf) && nf.Env == env && nf.Name == name && ignored[env+":"+name] {
				continue // Salt: "Skipping ignored and missing SLS"
			}
			if err != nil {
				return nil, err
			}
		}
	}
	return out, nil
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
