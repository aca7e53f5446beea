// Package sls turns Salt state files into low chunks, in stages that can
// each be printed:
//
//	files ──► Jinja (only when the text has {{, {% or {#, and no #! line
//	          leaves it out) ──► YAML ──► high data
//	      ──► include / extend / exclude          (Compiler.RenderSLS, HighState: state.show_sls, show_highstate)
//	      ──► names, _in, requisites, ordering    (High.Compile: state.show_lowstate)
//	      ──► []Chunk for the engine
//
// Use:
//
//	c := &sls.Compiler{Files: &fileroot.Source{Roots: roots}, Env: "base", Vars: jinjaGlobals}
//	high, err := c.HighState(ctx, []string{"web", "db"}) // names from top.sls
//	chunks, err := high.Compile()
//	json.Marshal(high)                 // show_highstate shape
//	json.Marshal(sls.Lowstate(chunks)) // show_lowstate shape
//
// # YAML
//
// Files are decoded through yaml.Node, so states keep their declaration
// order and every value its line. Values mean what Salt's YAML loader
// (PyYAML, YAML 1.1) makes of them (pyyaml.Resolve): yes/no/on/off are
// booleans, an integer written with a leading zero loses it (0644 is 644,
// the octal digits of a mode), 1:30 is 90, 1e3 is a string; anchors,
// aliases and merge keys (<<) work; a key given twice is an error.
// DecodeYAMLOrdered reads data (pillar) the same way; DecodeYAML keeps
// yaml.v3's meaning with leading-zero integers as their text. Every error names the file and line, "web/init.sls:12: …", with
// " (rendered)" after the line when it counts lines of the Jinja output.
//
// A first line `#!jinja|yaml`, `#!yaml` or `#!json` picks the renderers
// as in Salt; other renderers (py, pyobjects, mako, gpg…) are refused by
// name.
//
// # SLS shapes
//
//	id: {mod.fun: [args…]}   id: {mod: [fun, {arg: v}…]}   id: {mod.fun: []}   id: mod.fun
//
// Several modules may sit under one ID, one function each. `name` defaults
// to the ID; `names` makes one chunk per entry (a name, or {name: [args]}
// whose arguments override). At the top of a file, include (`x`, `.x`,
// `..x`, `{env: x}`, `{sls: [..]}`), exclude (`- sls: glob`, `- id: x`) and
// extend (plain arguments replaced, requisites appended, a module added)
// are understood, and keys starting with __ are ignored. `a.b` is read
// from a/b.sls, else a/b/init.sls; included files come before the file
// that includes them, and each SLS is read once.
//
// # Requisites and order
//
// require, watch, onchanges, onfail, prereq, listen and their _in forms;
// require_any, watch_any, onchanges_any, onfail_any, onfail_all. Targets
// are `module: ID-or-name`, `sls: name`, `id: x` or a bare ID, with
// fnmatch globs as in Salt. An _in is turned around onto its targets, so
// every Chunk.Requisite is in forward form, with Targets the keys of the
// chunks it names. Chunks are sorted as Salt orders them: `order: first`,
// numbered orders, then declaration order (Salt's automatic 10000 + n),
// negative numbers, then `last`; the entries of `names` keep their order,
// and equal orders sort by state, name and function as in Salt;
// Chunk.Order is the resulting position, and Chunk.SaltOrder the order
// value Salt computes, which show_lowstate prints.
//
// # Where brine differs from Salt
//
//   - A duplicate ID and an _in requisite that matches nothing are errors
//     at compile time, each with file:line; Salt finds some of them only
//     while running. Requisite loops are Salt's: two states naming each
//     other (`- module: ID`) are refused at compile time, as Salt's
//     verify_high refuses them; a longer loop fails its states when they
//     run ("Recursive requisite found"), and the rest of the run goes on. A plain requisite that matches
//     nothing fails only its own state when it runs, as in Salt, with the
//     file:line and the reason in the comment (Requisite.Targets).
//   - show_highstate prints requisites as written; Salt also shows the
//     _in forms turned around there. show_lowstate shows them turned.
//   - `use`/`use_in` copy arguments at Compile; show_highstate shows
//     them as written.
//   - A module given a mapping of arguments instead of a list, or
//     `mod: fun` as a string, is accepted.
package sls
