package jinja

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/fnmatch"
)

// configDefaults is Salt's DEFAULTS of salt/modules/config.py: what
// config.get and config.option fall back on when no store has the key.
func configDefaults() map[string]any {
	return map[string]any{
		"mongo.db": "salt", "mongo.password": "", "mongo.port": 27017, "mongo.user": "",
		"redis.db": "0", "redis.host": "salt", "redis.port": 6379,
		"test.foo": "unconfigured", "ca.cert_base_path": "/etc/pki",
		"solr.cores": []any{}, "solr.host": "localhost", "solr.port": "8983", "solr.baseurl": "/solr",
		"solr.type": "master", "solr.request_timeout": nil, "solr.init_script": "/etc/rc.d/solr",
		"solr.dih.import_options": map[string]any{"clean": false, "optimize": true, "commit": true, "verbose": false},
		"solr.backup_path":        nil, "solr.num_backups": 1,
		"poudriere.config": "/usr/local/etc/poudriere.conf", "poudriere.config_dir": "/usr/local/etc/poudriere.d",
		"ldap.uri": "", "ldap.server": "localhost", "ldap.port": "389", "ldap.tls": false, "ldap.no_verify": false,
		"ldap.anonymous": true, "ldap.scope": 2, "ldap.attrs": nil, "ldap.binddn": "", "ldap.bindpw": "",
		"hosts.file": "/etc/hosts", "aliases.file": "/etc/aliases",
		"virt":               map[string]any{"tunnel": false, "images": "/srv/salt-images"},
		"docker.exec_driver": "docker-exec",
		"docker.compare_container_networks": map[string]any{
			"static":    []any{"Aliases", "Links", "IPAMConfig"},
			"automatic": []any{"IPAddress", "Gateway", "GlobalIPv6Address", "IPv6Gateway"},
		},
	}
}

// configFuncs adds Salt's config module (salt/modules/config.py): get,
// option, merge, items and dot_vals. The stores are searched in Salt's
// order: the minion's options (opts), its grains, its pillar, the
// master's options as pillar carries them (pillar['master'], with
// pillar_opts), then Salt's DEFAULTS.
func configFuncs(c *saltCtx, m map[string]Func) {
	master := func() *odict.Map {
		mm, _ := normalize(dictGet(c.pillar, "master")).(*odict.Map)
		return mm
	}
	defaults := func() *odict.Map { d, _ := dictOf(configDefaults()); return d }
	m["config.get"] = func(args []any, kw map[string]any) (any, error) {
		key, err := strParam(args, kw, 0, "key")
		if err != nil {
			return nil, fmt.Errorf("config.get: %w", err)
		}
		def := param(args, kw, 1, "default", "")
		delim, err := toStr(param(args, kw, 2, "delimiter", ":"))
		if err != nil {
			return nil, err
		}
		omit := func(i int, name string) bool { t, _ := truth(param(args, kw, i, name, false)); return t }
		merge := param(args, kw, 3, "merge", nil)
		if merge == nil {
			for _, s := range []struct {
				skip bool
				data *odict.Map
			}{{omit(4, "omit_opts"), c.opts}, {omit(7, "omit_grains"), c.grains}, {omit(5, "omit_pillar"), c.pillar},
				{omit(6, "omit_master"), master()}, {false, defaults()}} {
				if s.skip {
					continue
				}
				if v, ok := traverseDictAndList(s.data, key, delim); ok {
					return c.sdbGet(v)
				}
			}
			return def, nil
		}
		strategy, _ := merge.(string)
		if strategy != "recurse" && strategy != "overwrite" {
			slog.Warn("config.get: unsupported merge strategy; falling back to 'recurse'", "merge", merge, "source", "template", "minion", c.ID)
			strategy = "recurse"
		}
		// DEFAULTS, then the master's options, pillar, grains and the
		// minion's options merged over each other, then searched.
		data := defaults()
		for _, upd := range []*odict.Map{master(), c.pillar, c.grains, c.opts} {
			data = configMerge(data, upd, strategy)
		}
		if v, ok := traverseDictAndList(data, key, delim); ok {
			return c.sdbGet(v)
		}
		return def, nil
	}
	m["config.option"] = func(args []any, kw map[string]any) (any, error) {
		value, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("config.option: %w", err)
		}
		flag := func(i int, name string) bool { t, _ := truth(param(args, kw, i, name, false)); return t }
		omitAll := flag(6, "omit_all")
		wildcard := flag(7, "wildcard")
		stores := []struct {
			omit bool
			data *odict.Map
		}{{omitAll || flag(2, "omit_opts"), c.opts}, {omitAll || flag(3, "omit_grains"), c.grains},
			{omitAll || flag(4, "omit_pillar"), c.pillar}, {omitAll || flag(5, "omit_master"), master()}}
		def := param(args, kw, 1, "default", nil)
		if !wildcard {
			if def == nil {
				def = ""
			}
			for _, s := range stores {
				if v, ok := s.data.Get(value); ok && !s.omit {
					return v, nil
				}
			}
			if v, ok := configDefaults()[value]; ok {
				return v, nil
			}
			return def, nil
		}
		// The stores in reverse, so that the minion's options win; then
		// the defaults no store has.
		ret := newDict(0)
		for i := len(stores) - 1; i >= 0; i-- {
			if stores[i].omit {
				continue
			}
			for k, v := range stores[i].data.All() {
				if fnmatch.Match(value, k) {
					ret.Set(k, v)
				}
			}
		}
		for k, v := range defaults().All() {
			if !ret.Has(k) && fnmatch.Match(value, k) {
				ret.Set(k, v)
			}
		}
		if ret.Len() == 0 {
			if def == nil {
				return newDict(0), nil
			}
			return def, nil
		}
		return ret, nil
	}
	m["config.merge"] = func(args []any, kw map[string]any) (any, error) {
		value, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("config.merge: %w", err)
		}
		def := param(args, kw, 1, "default", "")
		flag := func(i int, name string) bool { t, _ := truth(param(args, kw, i, name, false)); return t }
		var ret any
		for _, s := range []struct {
			omit bool
			data *odict.Map
		}{{flag(2, "omit_opts"), c.opts}, {flag(3, "omit_master"), master()}, {flag(4, "omit_pillar"), c.pillar}} {
			tmp, ok := s.data.Get(value)
			if s.omit || !ok {
				continue
			}
			if ret == nil {
				ret = tmp
				if _, isStr := ret.(string); isStr {
					return ret, nil
				}
				continue
			}
			rm, rIsMap := normalize(ret).(*odict.Map)
			tm, tIsMap := normalize(tmp).(*odict.Map)
			rl, rIsList := normalize(ret).([]any)
			tl, tIsList := normalize(tmp).([]any)
			switch {
			case rIsMap && tIsMap:
				// tmp.update(ret): the earlier store wins.
				out := newDict(tm.Len() + rm.Len())
				for _, src := range []*odict.Map{tm, rm} {
					for k, v := range src.All() {
						out.Set(k, v)
					}
				}
				ret = out
			case rIsList && tIsList:
				ret = append(append([]any{}, rl...), tl...)
			}
		}
		if ret == nil {
			if v, ok := defaults().Get(value); ok {
				return v, nil
			}
			return def, nil
		}
		return ret, nil
	}
	m["config.items"] = func([]any, map[string]any) (any, error) { return c.opts, nil }
	m["config.dot_vals"] = func(args []any, kw map[string]any) (any, error) {
		value, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("config.dot_vals: %w", err)
		}
		ret := newDict(0)
		for _, src := range []*odict.Map{master(), c.opts} {
			for k, v := range src.All() {
				if strings.HasPrefix(k, value+".") {
					ret.Set(k, v)
				}
			}
		}
		return ret, nil
	}
}

// configMerge is salt.utils.dictupdate.merge(dest, upd, strategy): recurse
// merges dicts all the way down; overwrite replaces the top-level keys
// upd has.
func configMerge(dest, upd *odict.Map, strategy string) *odict.Map {
	out := deepCopy(dest).(*odict.Map)
	if strategy == "overwrite" {
		for k, v := range upd.All() {
			out.Set(k, deepCopy(v))
		}
		return out
	}
	if upd == nil {
		return out
	}
	return dictUpdate(out, upd, false)
}

// errNoTraverse is no match in traverseDictAndList.
var errNoTraverse = errors.New("no such key")

// traverseDictAndList is salt.utils.data.traverse_dict_and_list: the
// key's parts (split at delim) looked up in turn. In a list a part is an
// index (negative from the end) — unless a dict in the list has the part
// as a key, which is then followed; in a dict a part that names no key
// but reads as an integer is tried as that integer's key.
func traverseDictAndList(data any, key, delim string) (any, bool) {
	if delim == "" {
		delim = ":"
	}
	v, err := traverseParts(data, strings.Split(key, delim), 0)
	return v, err == nil
}

func traverseParts(cur any, parts []string, depth int) (any, error) {
	if depth > 100 {
		return nil, errNoTraverse
	}
	if len(parts) == 0 {
		return cur, nil
	}
	part := parts[0]
	switch c := normalize(cur).(type) {
	case *odict.Map:
		if v, ok := c.Get(part); ok {
			return traverseParts(v, parts[1:], depth+1)
		}
		return nil, errNoTraverse
	case []any:
		idx, err := strconv.Atoi(part)
		for _, e := range c {
			if em, ok := normalize(e).(*odict.Map); ok {
				if v, ok := em.Get(part); ok {
					return traverseParts(v, parts[1:], depth+1)
				}
			}
		}
		if err != nil {
			return nil, errNoTraverse
		}
		if idx < 0 {
			idx += len(c)
		}
		if idx < 0 || idx >= len(c) {
			return nil, errNoTraverse
		}
		return traverseParts(c[idx], parts[1:], depth+1)
	}
	return nil, errNoTraverse
}

// sdbGet is the value config.get found, an sdb://PROFILE/KEY URI read
// through sdb.get, as Salt's config.get returns sdb.sdb_get(ret); as it
// is where the host's functions are not offered (the master's pillar).
func (c *saltCtx) sdbGet(v any) (any, error) {
	s, ok := v.(string)
	if !ok || !strings.HasPrefix(s, "sdb://") || c.Exec == nil || c.Files != nil {
		return v, nil
	}
	return c.Exec("sdb.get", []any{s}, nil)
}
