package sls

// useArgs resolves `use` and `use_in`, as Salt's requisite_in does: the
// state that uses another gets every argument of it that it does not set
// itself, but never name, names, order or the requisites Salt leaves out
// (useSkips). `- file: x` names
// the file state whose ID or name is x; `use` copies from it into this
// state's declaration of the same module, `use_in` copies from this one
// into it. A target that matches nothing adds nothing, as in Salt.
func (h *High) useArgs(errs *ErrorList) map[*Decl][]Arg {
	var out map[*Decl][]Arg
	for _, s := range h.States {
		for _, d := range s.Decls {
			for _, a := range d.Args {
				if a.Key != "use" && a.Key != "use_in" {
					continue
				}
				for _, t := range requisiteTargets(a, s.ID, errs) {
					mod, ref := t[0], t[1]
					for _, td := range h.useTargets(mod, ref) {
						from, to := td, s.Decl(mod)
						if a.Key == "use_in" {
							from, to = s.Decl(mod), td
						}
						if from == nil || to == nil || from == to {
							continue
						}
						if out == nil {
							out = map[*Decl][]Arg{}
						}
						out[to] = inherit(to, out[to], from)
					}
				}
			}
		}
	}
	return out
}

// useTargets finds the declarations of module mod whose state ID, or name
// argument, is ref.
func (h *High) useTargets(mod, ref string) []*Decl {
	var out []*Decl
	for _, s := range h.States {
		for _, d := range s.Decls {
			if d.Module != mod && mod != "id" {
				continue
			}
			name := s.ID
			for _, a := range d.Args {
				if a.Key == "name" {
					if n, ok := scalarText(a.Value); ok {
						name = n
					}
				}
			}
			if s.ID == ref || name == ref {
				out = append(out, d)
			}
		}
	}
	return out
}

// inherit appends to have the arguments of from that to lacks.
func inherit(to *Decl, have []Arg, from *Decl) []Arg {
	set := make(map[string]bool, len(to.Args)+len(have))
	for _, a := range to.Args {
		set[a.Key] = true
	}
	for _, a := range have {
		set[a.Key] = true
	}
	for _, a := range from.Args {
		if set[a.Key] || useSkips[a.Key] {
			continue
		}
		set[a.Key] = true
		have = append(have, a)
	}
	return have
}

// useSkips are the arguments `use` does not copy: Salt's requisite_in
// leaves out name, names and its req_in_all (require, watch, onfail,
// onfail_stop, onchanges, prereq, use, and the _in forms of require,
// watch, onfail, onchanges, prereq); the _any forms, onfail_all, listen
// and listen_in are copied, as there. order is left out too: Salt's
// state_auto_order gives every state one of its own.
var useSkips = map[string]bool{
	"name": true, "names": true, "order": true,
	"require": true, "watch": true, "onfail": true, "onfail_stop": true, "onchanges": true,
	"prereq": true, "use": true, "use_in": true,
	"require_in": true, "watch_in": true, "onfail_in": true, "onchanges_in": true, "prereq_in": true,
}
