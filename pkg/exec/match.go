package exec

import "github.com/brine-cm/brine/states"

// Salt's match module (salt/modules/match.py): whether this minion matches
// a target, with the matchers it is targeted by; the same functions
// templates call (pkg/sls/jinja). match.nodegroup reads the nodegroups of
// the minion's config, as Salt's minion reads them from its opts.
func init() {
	tgt := states.Param{Name: "tgt", Type: states.Any, Required: true, Doc: "the target."}
	minionID := states.Param{Name: "minion_id", Type: states.String, Doc: "match this id rather than the minion's."}
	delim := states.Param{Name: "delimiter", Type: states.String, Default: ":", Doc: "what separates the keys and the value (default ':'), such as '|' for a value holding ':'."}
	for kind, doc := range map[string]string{"glob": "an id glob", "pcre": "an id regular expression", "list": "a list of ids", "compound": "a compound target"} {
		register("match."+kind, templateFunc("match."+kind), "Return whether the minion (or minion_id) matches "+doc+": match."+kind+" TARGET.", tgt, minionID)
	}
	for kind, doc := range map[string]string{"grain": "a grain glob (os:Deb*)", "grain_pcre": "a grain regular expression",
		"pillar": "a pillar glob", "pillar_pcre": "a pillar regular expression", "pillar_exact": "a pillar value exactly"} {
		register("match."+kind, templateFunc("match."+kind), "Return whether the minion matches "+doc+".", tgt, delim)
	}
	register("match.ipcidr", templateFunc("match.ipcidr"), "Return whether one of the minion's addresses is in a network: match.ipcidr 10.0.0.0/8.", tgt)
	register("match.data", templateFunc("match.data"), "Return whether the minion's data store matches key:value.", tgt)
	register("match.nodegroup", templateFunc("match.nodegroup"), "Return whether the minion is in a nodegroup of its config's nodegroups (False when it has none, or none by that name).", tgt)
}
