package jinja

import (
	"fmt"
	"strings"
)

// stateSLSExists is Salt's state.sls_exists(mods, test=None, queue=False,
// saltenv=…): whether state.show_sls of mods gives high data, that is,
// whether every SLS named (a list, or names separated by commas) is in
// the tree, as a/b.sls or a/b/init.sls (a leading "." is not resolved:
// Salt's show_sls takes absolute names). Salt also renders them and
// answers False when one fails to render; brine only looks them up.
func stateSLSExists(e *env, args []any, kw map[string]any) (any, error) {
	const fn = "state.sls_exists"
	var mods []string
	switch v := normalize(param(args, kw, 0, "mods", nil)).(type) {
	case string:
		for _, m := range strings.Split(v, ",") {
			mods = append(mods, strings.TrimSpace(m))
		}
	case []any:
		for _, m := range v {
			s, err := toStr(m)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", fn, err)
			}
			mods = append(mods, s)
		}
	default:
		return nil, fmt.Errorf("%s: mods must be a name, names separated by commas, or a list", fn)
	}
	env, _ := kw["saltenv"].(string)
	files, err := treeFiles(e, fn, nil, map[string]any{"saltenv": env})
	if err != nil {
		return nil, err
	}
	have := make(map[string]bool, len(files))
	for _, f := range files {
		have[f] = true
	}
	for _, m := range mods {
		p := strings.ReplaceAll(m, ".", "/")
		if m == "" || !have[p+".sls"] && !have[p+"/init.sls"] {
			return false, nil
		}
	}
	return true, nil
}
