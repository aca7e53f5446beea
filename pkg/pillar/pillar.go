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
	"log/slog"
	"slices"
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
	// Merging is how the SLS files' data merge (Salt's
	// pillar_source_merging_strategy and pillar_merge_lists).
	Merging Merging
	// Saltenv is the minion's saltenv: with the "none" strategy, the
	// environment whose top file alone is read ("": base).
	Saltenv string
	// Pillarenv, when set, is the one pillar environment read, its top
	// file and that file's section for it alone (Salt's pillarenv).
	Pillarenv string
	// IncludesOverride is Salt's pillar_includes_override_sls: the data
	// of an SLS's includes wins over its own.
	IncludesOverride bool
	// GlobalsPillar, when set, is Globals with the pillar the templates
	// see (ext_pillar's data, with ExtFirst), as Salt's pillar
	// templates see it then.
	GlobalsPillar func(m top.Minion, pillar *odict.Map) map[string]any
	// Ext is the master's ext_pillar list; ExtFirst its
	// ext_pillar_first: the external data comes before the SLS files'
	// rather than over them. ExtLog gets the failures Salt logs alone.
	Ext      []ExtPillar
	ExtFirst bool
	ExtLog   *slog.Logger
	// DecryptPillar is Salt's decrypt_pillar: the keys whose values are
	// decrypted once the pillar is compiled (with GPG);
	// DecryptDelimiter its decrypt_pillar_delimiter ("": ":"),
	// DecryptDefault its decrypt_pillar_default.
	DecryptPillar    []DecryptKey
	DecryptDelimiter string
	DecryptDefault   string // decrypt_pillar_default ("": gpg)
	// GPG, when set, decrypts the PGP messages of the files whose
	// renderer pipe ends in gpg, as Salt's gpg renderer; nil refuses
	// them (brine then holds no keys).
	GPG *GPG
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
	var dp *DecryptPillarError
	switch {
	case errors.As(e.Err, &dp):
		return dp.Error()
	case errors.As(e.Err, &nf) && nf.Name == e.Name:
		return fmt.Sprintf("Specified SLS '%s' in environment '%s' is not available on the salt master", e.Name, e.Env)
	case errors.As(e.Err, new(*NotDictError)):
		return fmt.Sprintf("SLS '%s' does not render to a dictionary", e.Name)
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
	out, errs, err := c.compileAll(ctx, m)
	if err != nil || len(c.DecryptPillar) == 0 {
		return out, errs, err
	}
	// Salt's compile_pillar decrypts the decrypt_pillar keys last.
	return out, append(errs, c.decryptPillar(ctx, out)...), nil
}

func (c *Compiler) compileAll(ctx context.Context, m top.Minion) (*odict.Map, []*SLSError, error) {
	if len(c.Ext) == 0 {
		return c.compileSLS(ctx, m, c.globals(m, nil))
	}
	if c.ExtFirst {
		// Salt's compile_pillar with ext_pillar_first: the external
		// data first, seen by the SLS files' templates as pillar, and
		// the SLS files' data merged over it.
		ext := odict.New(0)
		c.extPillar(ctx, m.ID, ext)
		out, errs, err := c.compileSLS(ctx, m, c.globals(m, ext.Clone()))
		if err != nil {
			return nil, nil, err
		}
		c.Merging.Merge(ext, out)
		return ext, errs, nil
	}
	out, errs, err := c.compileSLS(ctx, m, c.globals(m, nil))
	if err != nil {
		return nil, nil, err
	}
	c.extPillar(ctx, m.ID, out)
	return out, errs, ctx.Err()
}

// includedTops reads the pillar top files that t, env's top.sls, names
// in its `include:`, as Salt's Pillar.get_tops: each an SLS name (not a
// glob, unlike a state top's), read once, one missing skipped; an
// included file's own include: is not read.
func includedTops(ctx context.Context, comp *sls.Compiler, env string, t *top.Top) ([]top.EnvTop, error) {
	done := map[string]bool{}
	var out []top.EnvTop
	for _, name := range t.Include {
		if done[name] {
			continue
		}
		done[name] = true
		file, err := comp.SLSFile(ctx, env, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		src, err := comp.RenderFile(ctx, "salt://"+file+"?saltenv="+env, nil)
		if err != nil {
			return nil, err
		}
		it, err := top.Parse("pillar/"+file, src)
		if err != nil {
			return nil, err
		}
		out = append(out, top.EnvTop{Env: env, Top: it})
	}
	return out, nil
}

// globals are the Jinja globals of the minion's pillar templates, with
// pillar as given (ext_pillar_first's data) when GlobalsPillar is set.
func (c *Compiler) globals(m top.Minion, p *odict.Map) map[string]any {
	switch {
	case p != nil && c.GlobalsPillar != nil:
		return c.GlobalsPillar(m, p)
	case c.Globals != nil:
		return c.Globals(m)
	}
	return nil
}

// compileSLS is the pillar of the SLS files the top files give the
// minion, as Salt's get_top, top_matches and render_pillar.
func (c *Compiler) compileSLS(ctx context.Context, m top.Minion, globals map[string]any) (*odict.Map, []*SLSError, error) {
	comp := &sls.Compiler{Files: c.Files, Vars: func(string, string) map[string]any { return globals }, DecryptsGPG: c.GPG != nil}
	topErr := func(err error) (*odict.Map, []*SLSError, error) {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		return odict.New(0), []*SLSError{{Env: "base", Name: "top.sls", Err: fmt.Errorf("pillar top.sls: %w", err)}}, nil
	}
	// Salt's Pillar.get_tops: the top.sls of every pillar environment
	// (base, then the others), merged by merge_tops.
	var tops []top.EnvTop
	for _, env := range c.topEnvs(ctx) {
		src, err := comp.RenderFile(ctx, "salt://top.sls?saltenv="+env, nil)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return topErr(err)
		}
		t, err := top.Parse("pillar/top.sls", src)
		if err != nil {
			return topErr(err)
		}
		tops = append(tops, top.EnvTop{Env: env, Top: t})
		inc, err := includedTops(ctx, comp, env, t)
		if err != nil {
			return topErr(err)
		}
		tops = append(tops, inc...)
	}
	if len(tops) == 0 {
		return odict.New(0), nil, nil
	}
	t := top.MergePillar(tops).PillarOrder()
	byEnv, err := t.SLSFor(m, c.Nodegroups)
	if err != nil {
		return topErr(err)
	}
	out := odict.New(0)
	ignored := t.IgnoredMissing(m, c.Nodegroups)
	var errs []*SLSError
	for _, env := range t.Envs() {
		if c.Pillarenv != "" && env != c.Pillarenv {
			continue // Salt's top_matches: the pillarenv's section alone
		}
		// Salt's render_pillar: each SLS the top gives is rendered and
		// merged in turn, whether or not an include rendered it before;
		// includes reuse what the environment rendered (mods).
		r := &pstates{c: c, comp: comp, env: env, mods: map[string]*odict.Map{}, ignored: ignored, hasRoots: c.hasRoots(ctx, env)}
		for _, name := range r.topNames(ctx, byEnv[env]) {
			if state := r.render(ctx, name, nil); state != nil {
				c.Merging.Merge(out, state)
			}
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
		}
		errs = append(errs, r.errs...)
	}
	return out, errs, nil
}

// topEnvs are the pillar environments whose top files are read, as
// Salt's Pillar.get_tops: the pillarenv alone when one is set (none when
// the roots lack it); with the "none" strategy the saltenv's (base's)
// alone; else every environment.
func (c *Compiler) topEnvs(ctx context.Context) []string {
	envs := c.envs(ctx)
	want := c.Pillarenv
	if want == "" && c.Merging.Strategy == StrategyNone {
		want = c.Saltenv
		if want == "" {
			want = "base"
		}
	}
	if want == "" {
		return envs
	}
	if slices.Contains(envs, want) {
		return []string{want}
	}
	return nil
}

// hasRoots says the pillar roots have env (true when the source cannot
// list its environments).
func (c *Compiler) hasRoots(ctx context.Context, env string) bool {
	l, ok := c.Files.(tree.EnvLister)
	if !ok {
		return true
	}
	have, err := l.Envs(ctx)
	return err != nil || slices.Contains(have, env)
}

// envs are the pillar environments the roots have: base, then the
// others, sorted (Salt's Pillar._get_envs: base, then pillar_roots'
// others).
func (c *Compiler) envs(ctx context.Context) []string {
	envs := []string{"base"}
	if l, ok := c.Files.(tree.EnvLister); ok {
		if have, err := l.Envs(ctx); err == nil {
			for _, e := range have {
				if !slices.Contains(envs, e) {
					envs = append(envs, e)
				}
			}
		}
	}
	return envs
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

// pstates renders the pillar SLS files of one environment as Salt's
// render_pstate does.
type pstates struct {
	c       *Compiler
	comp    *sls.Compiler
	env     string
	ignored map[string]bool // env:name of top entries with ignore_missing
	// hasRoots says the pillar roots have the environment.
	hasRoots bool
	// mods is Salt's mods: each SLS rendered so far, its own data alone
	// (its include list taken out, its includes not merged in); nil when
	// it failed to render. An include of an SLS found here reuses it.
	mods map[string]*odict.Map
	errs []*SLSError
	// listed is the environment's SLS names, read once a compile:
	// every include is matched against them, as Salt's avail.
	listed    []string
	listedErr error
	didList   bool
}

func (r *pstates) fail(name string, err error) {
	r.errs = append(r.errs, &SLSError{Env: r.env, Name: name, Err: err})
}

// render returns an SLS's data merged over that of its includes, nil when
// there is none; failures are recorded, and the rest goes on, as in
// Salt: a missing SLS adds nothing (silently when its top entry has
// ignore_missing), a failing include leaves out only its own data.
func (r *pstates) render(ctx context.Context, name string, defaults map[string]any) *odict.Map {
	state, file, err := r.load(ctx, name, defaults)
	var nf *NotFoundError
	switch {
	case errors.As(err, &nf) && r.ignored[r.env+":"+name]:
		return nil // Salt: "Skipping ignored and missing SLS"
	case errors.As(err, &nf) && !r.hasRoots:
		// Salt's render_pstate: an environment pillar_roots does not
		// have (a top file's section for it) is logged at debug level
		// alone, not an error.
		return nil
	case errors.As(err, &nf):
		r.fail(name, err)
		state = odict.New(0) // Salt renders a missing file to {}
	case err != nil:
		r.fail(name, err)
	}
	r.mods[name] = state
	if state == nil {
		return nil
	}
	inc, ok := state.Get("include")
	if !ok {
		return state
	}
	list, isList := inc.([]any)
	if !isList {
		r.fail(name, fmt.Errorf("pillar %s: Include Declaration in SLS '%s' is not formed as a list", file, name))
		return state // Salt keeps the data, include key and all
	}
	state.Delete("include")
	var included []*odict.Map
	for _, item := range list {
		it, err := includeItem(file, item)
		if err != nil {
			r.fail(name, err)
			continue
		}
		if it.isMap {
			// Salt reassigns its defaults variable here, so that the
			// plain includes after this one are rendered with them too.
			defaults = it.defaults
		}
		for _, sub := range r.matching(ctx, name, strings.HasSuffix(file, "/init.sls"), it.name) {
			nstate, done := r.mods[sub]
			if !done {
				nstate = r.render(ctx, sub, defaults)
			}
			if nstate == nil || nstate.Len() == 0 {
				continue
			}
			if it.key != "" {
				nstate = nestUnder(it.key, nstate)
			}
			included = append(included, nstate)
		}
	}
	// The including file's own data is merged last, so it wins; with
	// pillar_includes_override_sls the included files' data is merged
	// over it, in turn.
	order := append(included, state)
	if r.c.IncludesOverride {
		order = append([]*odict.Map{state}, included...)
	}
	merged := odict.New(0)
	for _, s := range order {
		r.c.Merging.Merge(merged, s)
	}
	return merged
}

// topNames is the SLS the top gives, each a glob over the environment's
// SLS names as in Salt's render_pillar: the names it matches, or itself
// when it matches none.
func (r *pstates) topNames(ctx context.Context, names []string) []string {
	var out []string
	for _, n := range names {
		if !sls.IsGlob(n) {
			out = append(out, n)
			continue
		}
		if matched := r.glob(ctx, n); len(matched) > 0 {
			out = append(out, matched...)
		} else {
			out = append(out, n)
		}
	}
	return out
}

// load renders one pillar SLS, name.sls or name/init.sls, with defaults
// as template variables, and decodes it.
func (r *pstates) load(ctx context.Context, name string, defaults map[string]any) (data *odict.Map, file string, err error) {
	rel := strings.ReplaceAll(name, ".", "/")
	file = rel + ".sls"
	url := "salt://" + file + "?saltenv=" + r.env
	src, err := r.comp.RenderSLSFile(ctx, url, name, defaults)
	if errors.Is(err, fs.ErrNotExist) {
		file = rel + "/init.sls"
		url = "salt://" + file + "?saltenv=" + r.env
		src, err = r.comp.RenderSLSFile(ctx, url, name, defaults)
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, file, &NotFoundError{Env: r.env, Name: name}
	}
	if err != nil {
		return nil, file, fmt.Errorf("pillar %s: %w", file, err)
	}
	decoded, err := sls.DecodeYAMLOrdered(file, src, false)
	if err != nil {
		return nil, file, fmt.Errorf("pillar: %w", err)
	}
	data, ok := decoded.(*odict.Map)
	if decoded != nil && !ok {
		return nil, file, &NotDictError{Name: name, Got: kind(decoded)}
	}
	if data == nil {
		data = odict.New(0)
	}
	if r.c.GPG != nil {
		// The renderer line is read again: RenderSLSFile gives the
		// rendered text alone.
		raw, err := r.c.Files.ReadFile(ctx, url)
		if err != nil {
			return nil, file, fmt.Errorf("pillar %s: %w", file, err)
		}
		if sls.EndsInGPG(raw) {
			if _, err := r.c.GPG.decrypt(ctx, data); err != nil {
				return nil, file, fmt.Errorf("pillar %s: %w", file, err)
			}
		}
	}
	return data, file, nil
}

// NotDictError is a pillar SLS whose data is no mapping.
type NotDictError struct{ Name, Got string }

func (e *NotDictError) Error() string {
	return fmt.Sprintf("SLS '%s' does not render to a dictionary (it gives %s)", e.Name, e.Got)
}

// matching is the SLS names an include names, as Salt finds them: the
// name without its leading dots (and with / for .) as a glob over the
// environment's pillar SLS names, then, for a relative include, one
// leading dot taken as the including file's package; the name as given
// when neither matches anything.
func (r *pstates) matching(ctx context.Context, from string, isInit bool, inc string) []string {
	names := r.glob(ctx, inc)
	want := inc
	if strings.HasPrefix(inc, ".") {
		want = relative(from, isInit, inc)
		names = append(names, r.glob(ctx, want)...)
	}
	if len(names) == 0 {
		return []string{want}
	}
	return names
}

// glob lists the environment's SLS names that pattern matches, or the
// name itself when the source cannot list (a plain name then still
// resolves).
func (r *pstates) glob(ctx context.Context, pattern string) []string {
	if !r.didList {
		r.listed, r.listedErr = sls.ListSLS(ctx, r.c.Files, r.env)
		r.didList = true
	}
	if r.listedErr != nil && !fnmatch.HasMeta(pattern) {
		return []string{strings.ReplaceAll(strings.TrimLeft(pattern, "."), "/", ".")}
	}
	return sls.FilterSLS(r.listed, pattern)
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

// relative resolves a relative pillar include against the SLS that
// names it as Salt's render_pstate does: one leading dot is the SLS's
// package (a.b for a/b/init.sls, a for a/b.sls), and the rest of the
// name is put after it as it is, so "..x" from a/b/c.sls gives "a.b..x",
// which names nothing (Salt's first glob, of the name without its dots,
// is what finds x then).
func relative(from string, isInit bool, inc string) string {
	parts := strings.Split(from, ".")
	if !isInit {
		parts = parts[:len(parts)-1]
	}
	return strings.Join(append(parts, inc[1:]), ".")
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
