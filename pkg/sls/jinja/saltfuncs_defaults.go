package jinja

import (
	"errors"
	"fmt"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/flosch/pongo2/v6"
)

// errDefaultsNotDict is a defaults file that reads as something other than
// a mapping; Salt's dictupdate.update refuses to merge it.
var errDefaultsNotDict = errors.New("Cannot update using non-dict types in dictupdate.update()")

// defaultsGet is Salt's defaults.get(key, default="", saltenv="base",
// defaults_files_names=None) (salt/modules/defaults.py): the part of key
// before the first ":" names a formula directory; its defaults.yaml and
// defaults.json (or the names given) are read from the state tree, each
// rendered with Jinja first (salt, opts, grains and saltenv in scope),
// read as YAML or JSON by its suffix (other suffixes are skipped), and
// merged in order into one dict. The rest of key is then looked up in it
// as pillar.get does, default when absent; without a rest the whole dict
// is returned. Files that are not in the tree are skipped, as the file
// client's cache_files gives nothing for them. brine reads the render's
// own tree whatever saltenv says.
func defaultsGet(e *env, args []any, kw map[string]any) (any, error) {
	const fn = "defaults.get"
	key, err := strParam(args, kw, 0, "key")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	def := param(args, kw, 1, "default", "")
	saltenv := param(args, kw, 2, "saltenv", "base")
	names := []string{"defaults.yaml", "defaults.json"}
	switch v := normalize(param(args, kw, 3, "defaults_files_names", nil)).(type) {
	case nil:
	case []any:
		names = names[:0]
		for _, n := range v {
			s, ok := n.(string)
			if !ok {
				return nil, fmt.Errorf("%s: defaults_files_names: %v is not a file name", fn, n)
			}
			names = append(names, s)
		}
	default:
		return nil, fmt.Errorf("%s: defaults_files_names must be a list of file names", fn)
	}
	namespace, rest, _ := strings.Cut(key, ":")
	defaults := newDict(0)
	for _, name := range names {
		rel := namespace + "/" + name
		var kind string
		switch {
		case strings.HasSuffix(name, ".yaml"):
			kind = "yaml"
		case strings.HasSuffix(name, ".json"):
			kind = "json"
		default:
			continue
		}
		if e.rs.loader == nil {
			continue
		}
		b, err := e.rs.loader.Load(rel)
		if err != nil {
			continue
		}
		c, err := compile(rel, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		var out strings.Builder
		if _, err := e.rs.run(c, pongo2.Context{"saltenv": saltenv}, &pongoWriter{b: &out, rs: e.rs}); err != nil {
			return nil, fmt.Errorf("%s: %w", fn, err)
		}
		v, err := parseData(kind, out.String())
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", fn, rel, err)
		}
		m, ok := normalize(v).(*odict.Map)
		if !ok {
			return nil, fmt.Errorf("%s: %s: %w", fn, rel, errDefaultsNotDict)
		}
		defaults = dictUpdate(defaults, m, false)
	}
	if rest == "" {
		return defaults, nil
	}
	if v, ok := traverseDictAndList(defaults, rest, ":"); ok {
		return v, nil
	}
	return def, nil
}

// defaultsUpdate is Salt's defaults.update(dest, defaults,
// merge_lists=True, in_place=True): every value of dest becomes a deep
// copy of defaults with that value merged over it.
func defaultsUpdate(args []any, kw map[string]any) (any, error) {
	const fn = "defaults.update"
	dest, ok := normalize(param(args, kw, 0, "dest", nil)).(*odict.Map)
	if !ok {
		return nil, fmt.Errorf("%s: dest must be a dict", fn)
	}
	defaults := param(args, kw, 1, "defaults", nil)
	mergeLists, _ := truth(param(args, kw, 2, "merge_lists", true))
	if inPlace, _ := truth(param(args, kw, 3, "in_place", true)); !inPlace {
		dest = deepCopy(dest).(*odict.Map)
	}
	for name, vars := range dest.All() {
		base, bok := normalize(deepCopy(defaults)).(*odict.Map)
		node, nok := normalize(vars).(*odict.Map)
		if !bok || !nok {
			return nil, fmt.Errorf("%s: %s: %w", fn, name, errDefaultsNotDict)
		}
		dest.Set(name, dictUpdate(base, node, mergeLists))
	}
	return dest, nil
}
