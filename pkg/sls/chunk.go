package sls

import "github.com/brine-cm/brine/pkg/tree"

// Chunk is one low chunk: a single state call, compiled from high data,
// with its requisites resolved to the chunks they name. The engine runs a
// list of them in order.
type Chunk struct {
	ID    string // the state ID (__id__)
	Name  string // the name argument, defaulting to the ID
	State string // the module, e.g. "file"
	Fun   string // the function, e.g. "managed"
	SLS   string // the SLS it came from (__sls__)
	Env   string // the environment (saltenv), e.g. "base"
	// Order is the position after `order:` and definition order are
	// applied; the engine runs chunks in this order, adjusted by requisites.
	Order int
	// SaltOrder is the order Salt's order_chunks computes for it, as
	// state.show_lowstate prints it: an int (10000 up for the automatic
	// order, past every order given for last), or a float where a `names`
	// entry adds its place / 10000 or the SLS wrote one.
	SaltOrder any
	// Args holds every argument but name, order and the requisites. Engine
	// globals (unless, onlyif, creates, failhard, check_cmd…) stay here for
	// the engine to take out. Values are as decoded: their dicts are
	// *odict.Map in the order the SLS wrote them (states.NewArgs reads
	// them as plain maps).
	Args map[string]any
	// Requisites are in their forward form: an `_in` on another state has
	// been turned around into one here.
	Requisites []Requisite
	// Source is file:line of the state's declaration, for error messages.
	Source string
}

// Func returns the full state function name, "file.managed".
func (c *Chunk) Func() string { return c.State + "." + c.Fun }

// Key returns Salt's result key, "file_|-ID_|-NAME_|-managed".
func (c *Chunk) Key() string { return tree.Key(c.Func(), c.ID, c.Name) }

// Requisite is one requisite of a chunk.
type Requisite struct {
	// Kind is require, watch, onchanges, onfail, prereq, or one of their
	// _any forms (require_any, watch_any, onchanges_any, onfail_any);
	// onfail_all is onfail with every target required to fail.
	Kind string
	// Module and Ref are the target as written: `file: /etc/x` has Module
	// "file" and Ref "/etc/x"; `sls: web` has Module "sls". Module "id"
	// matches any module.
	Module string
	Ref    string
	// Targets are the keys (Chunk.Key) of the chunks it resolved to. A
	// requisite that names no state has one target that is no chunk's
	// key, "(not found: FILE:LINE: why)": the state fails when it runs,
	// as in Salt, and the run goes on.
	Targets []string
	// In says an `_in` on the target made it (`A: listen_in: B` is
	// B's listen of A): Salt's call_listen orders the listeners of
	// listen_in by the state that wrote it.
	In bool
}
