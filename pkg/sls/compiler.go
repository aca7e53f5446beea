package sls

import (
	"github.com/brine-cm/brine/pkg/py/fnmatch"

	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/tree"
)

// DefaultEnv is Salt's default saltenv.
const DefaultEnv = "base"

// Compiler reads SLS files from a state tree and builds high data. It
// holds no state between calls and may be used from several goroutines
// if Files and Vars may.
type Compiler struct {
	// Files reads salt://path?saltenv=env URLs.
	Files tree.FileSource
	// Env is the saltenv to read from; "" means "base".
	Env string
	// Vars returns the Jinja globals for one template (grains, pillar,
	// salt, opts…); the caller builds them. slsName is "" for a template
	// that is not an SLS file (file.managed, pillar). May be nil. The
	// compiler adds Salt's per-file names on top: sls, slspath, sls_path,
	// slsdotpath, slscolonpath, tplpath, tplfile, tpldir, tpldot, saltenv.
	Vars func(slsName, tplPath string) map[string]any
	// Exclude leaves out states, as an SLS's `exclude:` does: state.apply's
	// exclude= argument.
	Exclude []Exclude
	// DecryptsGPG says the caller decrypts the data of a file whose
	// renderer pipe ends in gpg (pkg/pillar, holding the master's keys):
	// RenderSLSFile then passes PGP messages through rather than refuse
	// them.
	DecryptsGPG bool

	// jinja replaces jinja.Render in unit tests.
	jinja func(name string, src []byte, vars map[string]any, opts jinja.Options) (string, error)
}

// Exclude names SLS (a glob) or a state ID to leave out of a run.
type Exclude struct {
	Kind string // "sls" or "id"
	Name string
}

// Ref names one SLS in one environment.
type Ref struct {
	Env  string // "" means the compiler's Env
	Name string // "web.nginx"
	// Pos is where the name was given, such as top.sls:4, for the error
	// when no such SLS exists. It may be left empty.
	Pos Pos
}

func (c *Compiler) env() string {
	if c.Env == "" {
		return DefaultEnv
	}
	return c.Env
}

// RenderSLS reads one SLS and everything it includes, applies extend and
// exclude, and returns the high data: what state.show_sls prints.
func (c *Compiler) RenderSLS(ctx context.Context, name string) (*High, error) {
	return c.Compose(ctx, []Ref{{Name: name}})
}

// HighState does RenderSLS for a list of SLS names, as top.sls gives them
// for one environment, into one high data: state.show_highstate.
func (c *Compiler) HighState(ctx context.Context, names []string) (*High, error) {
	refs := make([]Ref, len(names))
	for i, n := range names {
		refs[i] = Ref{Name: n}
	}
	return c.Compose(ctx, refs)
}

// LowState is HighState followed by Compile: the chunks that
// state.show_lowstate prints and the engine runs.
func (c *Compiler) LowState(ctx context.Context, names []string) ([]Chunk, error) {
	high, err := c.HighState(ctx, names)
	if err != nil {
		return nil, err
	}
	return high.Compile()
}

// Compose is HighState for SLS names from several environments, in order.
// Each SLS is read once, however often it is named or included. The
// returned error is an ErrorList with every problem found; the high data
// is nil then.
func (c *Compiler) Compose(ctx context.Context, refs []Ref) (*High, error) {
	return c.compose(ctx, refs, false)
}

// ShowSLS is Compose as Salt's state.show_sls shows it: render_highstate
// and verify_high only (salt/modules/state.py show_sls), so each
// `extend:` stays apart, under __extend__, unchecked (an extend of an ID
// nothing declares is Salt's error at run time, not here), the states it
// names shown as their files declare them, and excluded states kept,
// the exclude: items under __exclude__. Compile the result of Compose,
// not this, to run.
func (c *Compiler) ShowSLS(ctx context.Context, refs []Ref) (*High, error) {
	return c.compose(ctx, refs, true)
}

func (c *Compiler) compose(ctx context.Context, refs []Ref, show bool) (*High, error) {
	b := &build{c: c, high: NewHigh(), done: map[string]bool{}}
	for _, ex := range c.Exclude {
		b.excludes = append(b.excludes, exclude{Kind: ex.Kind, Name: ex.Name, Pos: Pos{File: "exclude="}})
	}
	for _, r := range refs {
		env := r.Env
		if env == "" {
			env = c.env()
		}
		b.load(ctx, slsRef{Env: env, Name: r.Name, Pos: r.Pos})
	}
	if show {
		// Salt's show_sls and show_highstate are render_highstate (and
		// verify_high): extends are neither merged nor checked, and
		// excludes not applied but shown, under __exclude__.
		if err := b.errs.err(); err != nil {
			return nil, err
		}
		return b.display(b.high.clone()), nil
	}
	b.applyExtends()
	b.applyExcludes()
	if err := b.errs.err(); err != nil {
		return nil, err
	}
	return b.high, nil
}

// build is the state of one Compose.
type build struct {
	c        *Compiler
	high     *High
	done     map[string]bool
	errs     ErrorList
	extends  []*State
	excludes []exclude
	// files are the SLS read, by env:name, each with the IDs it
	// declared and the files its includes read first; roots are those
	// the refs read. They give the order Salt's high data has (see
	// displayOrder).
	files map[string]*loadedFile
	roots []string
	cur   string // the file whose includes are being read
}

// loadedFile is one SLS file of a Compose: its own IDs, the files read
// for its includes (not those already read elsewhere), its extend:
// blocks and its exclude: items as written.
type loadedFile struct {
	own      []string
	kids     []string
	extends  []*State
	excludes []any
}

// display is the high data as Salt's render_highstate leaves it, which
// show_sls and show_highstate print. render_state puts a file's own IDs
// first and then update()s in the states its includes rendered
// (salt/state.py), so an including file's IDs come before those it
// includes, depth first, each file where it was first read; its extend
// and exclude lists are the file's own, then its includes' (it handles
// its own before it reads them). render_highstate's
// merge_included_states moves them into __extend__ and __exclude__,
// created as the first SLS named that has any is merged, ahead of its
// IDs. Execution order is the automatic order numbers', which number
// included files first; only the display differs.
func (b *build) display(h *High) *High {
	byID := make(map[string]*State, len(h.States))
	for _, s := range h.States {
		byID[s.ID] = s
	}
	states := make([]*State, 0, len(h.States))
	var extends []*State
	var excludes []any
	var walk func(key string)
	walk = func(key string) {
		f := b.files[key]
		if f == nil {
			return
		}
		for _, id := range f.own {
			if s := byID[id]; s != nil {
				states = append(states, s)
				delete(byID, id)
			}
		}
		extends = append(extends, f.extends...)
		excludes = append(excludes, f.excludes...)
		for _, k := range f.kids {
			walk(k)
		}
	}
	h.extendAt, h.excludeAt = -1, -1
	for _, k := range b.roots {
		ne, nx := len(extends), len(excludes)
		at := len(states)
		walk(k)
		if h.extendAt < 0 && len(extends) > ne {
			h.extendAt = at
		}
		if h.excludeAt < 0 && len(excludes) > nx {
			h.excludeAt = at
		}
	}
	for _, s := range h.States { // anything not placed keeps its place after
		if byID[s.ID] != nil {
			states = append(states, s)
		}
	}
	h.States = states
	h.Extend = extends
	h.Exclude = excludes
	return h
}

func (b *build) load(ctx context.Context, ref slsRef) {
	if IsGlob(ref.Name) {
		// Salt's render_state and render_highstate: fnmatch against the
		// environment's SLS names (include: [web.*], a top entry).
		names, err := MatchSLS(ctx, b.c.Files, ref.Env, ref.Name)
		if err != nil {
			b.errs.addErr(&Error{Pos: ref.Pos, Err: err})
			return
		}
		if len(names) == 0 {
			b.errs.addErr(&Error{Pos: ref.Pos, Err: &NotFoundError{Env: ref.Env, Name: ref.Name, Include: ref.Include}})
			return
		}
		for _, n := range names {
			r := ref
			r.Name = n
			b.load(ctx, r)
		}
		return
	}
	key := ref.Env + ":" + ref.Name
	if b.done[key] {
		return
	}
	b.done[key] = true
	if b.files == nil {
		b.files = map[string]*loadedFile{}
	}
	node := &loadedFile{}
	b.files[key] = node
	if parent := b.files[b.cur]; b.cur != "" && parent != nil {
		parent.kids = append(parent.kids, key)
	} else {
		b.roots = append(b.roots, key)
	}
	if err := ctx.Err(); err != nil {
		b.errs.addErr(&Error{Pos: ref.Pos, Err: err})
		return
	}
	file, src, err := b.c.findSLS(ctx, ref.Env, ref.Name)
	if err != nil {
		var nf *NotFoundError
		if errors.As(err, &nf) {
			nf.Include = ref.Include
		}
		b.errs.addErr(&Error{Pos: ref.Pos, Err: err})
		return
	}
	b.high.SLS = append(b.high.SLS, key)
	pos := Pos{File: file}
	useJinja, gpg, err := renderPipe(src)
	if err != nil {
		b.errs.addErr(&Error{Pos: Pos{File: file, Line: 1}, Err: err})
		return
	}
	if useJinja && HasJinja(src) {
		out, err := b.c.render(ctx, file, ref.Name, ref.Env, src, nil)
		if err != nil {
			// Salt's words lead, which people and scripts look for.
			e := renderError(err, pos)
			e.Msg = fmt.Sprintf("Rendering SLS '%s:%s' failed: %s", ref.Env, ref.Name, e.Msg)
			b.errs.addErr(e)
			return
		}
		src = out
		pos.Rendered = true
	}
	if gpg {
		if err := checkGPG(src); err != nil {
			b.errs.addErr(&Error{Pos: Pos{File: file, Line: 1}, Err: err})
			return
		}
	}
	f, errs := parseSLS(src, ref.Name, ref.Env, pos, path.Base(file) == "init.sls")
	for _, e := range errs {
		// The author cannot see rendered text anywhere else: quote it.
		if e.Pos.Rendered && e.Pos.File == file && e.Pos.Line > 0 && e.Err == nil {
			e.Msg += quoteLine(src, e.Pos.Line)
		}
		b.errs.addErr(e)
	}
	if f == nil {
		return
	}
	// Included files first: Salt numbers states in this order, so an
	// included file's states run before those of the file including it.
	saved := b.cur
	b.cur = key
	for _, inc := range f.Includes {
		b.load(ctx, inc)
	}
	b.cur = saved
	for _, s := range f.States {
		if err := b.high.Add(s); err != nil {
			b.errs.addErr(asError(err, s.Pos))
			continue
		}
		node.own = append(node.own, s.ID)
	}
	b.extends = append(b.extends, f.Extends...)
	node.extends = f.Extends
	node.excludes = f.ExcludeItems
	b.excludes = append(b.excludes, f.Excludes...)
}

// applyExtends merges every `extend:` into the states it names: plain
// arguments are replaced, requisites are appended to.
//
// As Salt's reconcile_extend, an extend names a state by its ID, or else
// by a value of one of its arguments (its name, usually) when exactly one
// state of the extend's first module has it; otherwise it is Salt's
// "Cannot extend ID" error.
func (b *build) applyExtends() {
	for _, ext := range b.extends {
		s := b.high.byID[ext.ID]
		if s == nil && len(ext.Decls) > 0 {
			s = b.extendByValue(ext.ID, ext.Decls[0].Module)
		}
		if s == nil {
			env, sls := ext.Env, ext.SLS
			if env == "" {
				env = "base"
			}
			if sls == "" {
				sls = "base"
			}
			b.errs.add(ext.Pos, ext.ID, "Cannot extend ID '%[1]s' in '%[2]s:%[3]s'. It is not part of the high state.\n"+
				"This is likely due to a missing include statement or an incorrectly typed ID.\n"+
				"Ensure that a state with an ID of '%[1]s' is available\nin environment '%[2]s' and to SLS '%[3]s'",
				ext.ID, env, sls)
			continue
		}
		for _, ed := range ext.Decls {
			d := s.Decl(ed.Module)
			if d == nil {
				if ed.Fun == "" {
					// Salt's reconcile_extend adds the module as it is, and
					// verify_high then finds no function in it.
					b.errs.add(ed.Pos, ext.ID, "No function declared in state '%s' in SLS '%s' (the extend of ID '%s' adds module '%s' without a function)", ed.Module, s.SLS, s.ID, ed.Module)
					continue
				}
				nd := &Decl{Module: ed.Module, Fun: ed.Fun, Args: append([]Arg(nil), ed.Args...), Pos: ed.Pos}
				b.high.number(nd)
				s.Decls = append(s.Decls, nd)
				continue
			}
			if ed.Fun != "" {
				d.Fun = ed.Fun
			}
			for _, a := range ed.Args {
				extendArg(d, a)
			}
		}
	}
}

// extendByValue is Salt's find_name for an extend whose ID no state
// has: the state with a declaration of module whose argument (any
// one-key argument, as Salt looks) has the value name, when there is
// exactly one such state.
func (b *build) extendByValue(name, module string) *State {
	var found *State
	for _, s := range b.high.States {
		d := s.Decl(module)
		if d == nil {
			continue
		}
		for _, a := range d.Args {
			if v, ok := a.Value.(string); ok && v == name {
				if found != nil && found != s {
					return nil
				}
				found = s
				break
			}
		}
	}
	return found
}

func extendArg(d *Decl, a Arg) {
	for i := len(d.Args) - 1; i >= 0; i-- {
		if d.Args[i].Key != a.Key {
			continue
		}
		if isRequisiteKey(a.Key) {
			d.Args[i].Value = append(asList(d.Args[i].Value), asList(a.Value)...)
		} else {
			d.Args[i].Value = a.Value
			d.Args[i].Pos = a.Pos
		}
		return
	}
	a.WithPrev = false // its neighbour in the extend may not have come along
	d.Args = append(d.Args, a)
}

func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return append([]any(nil), t...)
	}
	return []any{v}
}

// applyExcludes removes the states of excluded SLS (globs allowed, as in
// Salt) and excluded IDs.
func (b *build) applyExcludes() {
	if len(b.excludes) == 0 {
		return
	}
	h := b.high
	if h.excluded == nil {
		h.excluded = map[string]Pos{}
	}
	kept := h.States[:0]
	for _, s := range h.States {
		drop := false
		for _, ex := range b.excludes {
			if ex.Kind == "id" && ex.Name == s.ID || ex.Kind == "sls" && fnmatch.Match(ex.Name, s.SLS) {
				h.excluded[s.ID] = ex.Pos
				drop = true
				break
			}
		}
		if drop {
			delete(h.byID, s.ID)
			h.dropped = append(h.dropped, s)
		} else {
			kept = append(kept, s)
		}
	}
	clear(h.States[len(kept):])
	h.States = kept
}

// NotFoundError is returned for an SLS that is in neither of its places.
type NotFoundError struct {
	Env, Name string
	// Include is set when an include: named it, which Salt's
	// render_state words otherwise than a missing top or command SLS.
	Include bool
}

func (e *NotFoundError) Error() string {
	base := strings.ReplaceAll(e.Name, ".", "/")
	// Salt's words first (scripts look for them), then where brine looked.
	if e.Include {
		return fmt.Sprintf("Unknown include: Specified SLS %s: %s is not available on the salt master in saltenv(s): %s (looked for %s.sls and %s/init.sls)", e.Env, e.Name, e.Env, base, base)
	}
	return fmt.Sprintf("No matching sls found for '%s' in env '%s' (looked for %s.sls and %s/init.sls)", e.Name, e.Env, base, base)
}

// Is makes errors.Is(err, fs.ErrNotExist) true.
func (e *NotFoundError) Is(target error) bool { return target == fs.ErrNotExist }

// SLSFile names the file of the tree that holds the SLS name in env:
// a/b.sls, else a/b/init.sls; a *NotFoundError when neither exists.
func (c *Compiler) SLSFile(ctx context.Context, env, name string) (string, error) {
	file, _, err := c.findSLS(ctx, env, name)
	return file, err
}

// findSLS reads `a.b` from a/b.sls, or else a/b/init.sls.
func (c *Compiler) findSLS(ctx context.Context, env, name string) (string, []byte, error) {
	if name == "" || strings.Contains(name, "..") || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") ||
		strings.ContainsAny(name, "\\\x00?#") || strings.HasPrefix(name, "/") {
		return "", nil, fmt.Errorf("'%s' is not a valid SLS name", name)
	}
	base := strings.ReplaceAll(name, ".", "/")
	for _, p := range [2]string{base + ".sls", base + "/init.sls"} {
		src, err := c.Files.ReadFile(ctx, saltURL(p, env))
		if err == nil {
			return p, src, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", nil, fmt.Errorf("SLS '%s': read %s: %w", name, p, err)
		}
	}
	return "", nil, &NotFoundError{Env: env, Name: name}
}

func saltURL(rel, env string) string {
	if env == "" {
		return "salt://" + rel
	}
	return "salt://" + rel + "?saltenv=" + env
}

// HasJinja reports whether src holds any Jinja markup. Files without it
// skip the renderer, which is most of the cost of reading a plain file.
func HasJinja(src []byte) bool {
	return bytes.Contains(src, []byte("{{")) || bytes.Contains(src, []byte("{%")) || bytes.Contains(src, []byte("{#"))
}

// render runs Jinja on one file of the tree, with the caller's globals,
// Salt's per-file names, and extra on top.
func (c *Compiler) render(ctx context.Context, tplPath, slsName, env string, src []byte, extra map[string]any) ([]byte, error) {
	var base map[string]any
	if c.Vars != nil {
		base = c.Vars(slsName, tplPath)
	}
	vars := make(map[string]any, len(base)+len(extra)+10)
	for k, v := range base {
		vars[k] = v
	}
	tplDir := path.Dir(tplPath)
	if tplDir == "." {
		tplDir = ""
	}
	vars["tplpath"] = tplPath
	vars["tplfile"] = tplPath
	// Salt (salt/utils/templates.py generate_sls_context): tpldir is
	// slspath or else ".", so salt://{{ tpldir }}/files/x stays a valid
	// URL at the root; tpldot and the sls* names stay "".
	vars["tpldir"] = tplDir
	if tplDir == "" {
		vars["tpldir"] = "."
	}
	vars["tpldot"] = strings.ReplaceAll(tplDir, "/", ".")
	vars["saltenv"] = env
	if slsName != "" {
		vars["sls"] = slsName
		vars["slspath"] = tplDir
		vars["sls_path"] = strings.ReplaceAll(tplDir, "/", "_")
		vars["slsdotpath"] = strings.ReplaceAll(tplDir, "/", ".")
		vars["slscolonpath"] = strings.ReplaceAll(tplDir, "/", ":")
	}
	for k, v := range extra {
		vars[k] = v
	}
	render := jinja.Render
	if c.jinja != nil {
		render = c.jinja
	}
	out, err := render(tplPath, src, vars, jinja.Options{Loader: NewLoader(ctx, c.Files, env)})
	if err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// renderError gives a Jinja error the file and line it names.
func renderError(err error, pos Pos) *Error {
	var je *jinja.Error
	if errors.As(err, &je) {
		p := Pos{File: pos.File, Line: je.Line}
		if je.File != "" {
			p.File = je.File
		}
		return &Error{Pos: p, Msg: "Jinja", Err: je.Err}
	}
	return &Error{Pos: pos, Msg: "Jinja", Err: err}
}

// RenderFile reads a salt:// URL and renders it with Jinja when it holds
// any Jinja markup, with the Compiler's Vars (slsName "") plus vars. It
// serves top.sls, pillar files and file.managed templates alike.
func (c *Compiler) RenderFile(ctx context.Context, url string, vars map[string]any) ([]byte, error) {
	return c.RenderSLSFile(ctx, url, "", vars)
}

// RenderSLSFile is RenderFile for a file that is the SLS named sls (a
// pillar SLS), whose template then sees sls, slspath and the other
// names of it, as Salt's generate_sls_context gives them. Its #! line is
// honoured as in a state SLS: #!yaml is not rendered with Jinja, gpg
// passes data without encrypted values through (or with them, for a
// caller that decrypts: DecryptsGPG), and a renderer brine
// lacks (py…) is an error rather than text taken for data.
func (c *Compiler) RenderSLSFile(ctx context.Context, url, sls string, vars map[string]any) ([]byte, error) {
	src, err := c.Files.ReadFile(ctx, url)
	if err != nil {
		return nil, err
	}
	rel, env, err := splitURL(url)
	if err != nil {
		return nil, err
	}
	if env == "" {
		env = c.env()
	}
	useJinja, gpg, err := renderPipe(src)
	if err != nil {
		return nil, &Error{Pos: Pos{File: rel, Line: 1}, Err: err}
	}
	out := src
	if useJinja && HasJinja(src) {
		if out, err = c.render(ctx, rel, sls, env, src, vars); err != nil {
			return nil, renderError(err, Pos{File: rel})
		}
	}
	if gpg && !c.DecryptsGPG {
		if err := checkGPG(out); err != nil {
			return nil, &Error{Pos: Pos{File: rel, Line: 1}, Err: err}
		}
	}
	return out, nil
}

// Render implements tree.Renderer for file.managed's `template: jinja`:
// name is the template's path in the tree (for errors and imports).
func (c *Compiler) Render(ctx context.Context, name string, src []byte, vars map[string]any) ([]byte, error) {
	if !HasJinja(src) {
		return src, nil
	}
	rel := strings.TrimPrefix(name, "salt://")
	rel, _, _ = strings.Cut(rel, "?")
	out, err := c.render(ctx, rel, "", c.env(), src, vars)
	if err != nil {
		return nil, renderError(err, Pos{File: rel})
	}
	return out, nil
}

var _ tree.Renderer = (*Compiler)(nil)

// splitURL returns the path and saltenv of salt://path?saltenv=env.
func splitURL(u string) (rel, env string, err error) {
	s, ok := strings.CutPrefix(u, "salt://")
	if !ok {
		return "", "", fmt.Errorf("%q: not a salt:// URL", u)
	}
	rel, q, _ := strings.Cut(s, "?")
	for _, kv := range strings.Split(q, "&") {
		if v, ok := strings.CutPrefix(kv, "saltenv="); ok {
			env = v
		}
	}
	return rel, env, nil
}

// loader reads Jinja imports from the state tree. It keeps the context of
// the render it serves, because jinja.Loader has no context argument; it
// lives only as long as that render.
type loader struct {
	ctx   context.Context
	files tree.FileSource
	env   string
}

// NewLoader returns a jinja.Loader that reads names (paths from the root
// of the tree, or salt:// URLs) from files in env.
func NewLoader(ctx context.Context, files tree.FileSource, env string) jinja.Loader {
	return &loader{ctx: ctx, files: files, env: env}
}

// ListTree lists the files of the tree in env ("" is the loader's own)
// for the cp.list_* functions, when the FileSource can list
// (tree.FileLister). "salt://." is the root of the tree.
func (l *loader) ListTree(env string) ([]string, error) {
	fl, ok := l.files.(tree.FileLister)
	if !ok {
		return nil, jinja.ErrNoTreeList
	}
	if env == "" {
		env = l.env
	}
	files, err := fl.ListDir(l.ctx, saltURL(".", env))
	if errors.Is(err, fs.ErrNotExist) {
		// An environment with no tree has no files, as Salt lists it.
		return nil, nil
	}
	return files, err
}

// ListSymlinks lists the symlinks of the tree in env ("" is the loader's
// own) for cp.list_master_symlinks, when the FileSource can
// (tree.SymlinkLister).
func (l *loader) ListSymlinks(env string) (map[string]string, error) {
	sl, ok := l.files.(tree.SymlinkLister)
	if !ok {
		return nil, jinja.ErrNoTreeList
	}
	if env == "" {
		env = l.env
	}
	return sl.ListSymlinks(l.ctx, env)
}

func (l *loader) Load(name string) ([]byte, error) {
	if strings.HasPrefix(name, "salt://") {
		return l.files.ReadFile(l.ctx, name)
	}
	return l.files.ReadFile(l.ctx, saltURL(strings.TrimPrefix(name, "/"), l.env))
}
