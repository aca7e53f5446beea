package jinja

import (
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

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
	master := func() map[string]any {
		mm, _ := normalize(c.pillar["master"]).(map[string]any)
		return mm
	}
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
				data map[string]any
			}{{omit(4, "omit_opts"), c.Opts}, {omit(7, "omit_grains"), c.Grains}, {omit(5, "omit_pillar"), c.pillar},
				{omit(6, "omit_master"), master()}, {false, configDefaults()}} {
				if s.skip {
					continue
				}
				if v, ok := traverseDictAndList(s.data, key, delim); ok {
					return v, nil
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
		data := configDefaults()
		for _, upd := range []map[string]any{master(), c.pillar, c.Grains, c.Opts} {
			data = configMerge(c, data, upd, strategy)
		}
		if v, ok := traverseDictAndList(data, key, delim); ok {
			return v, nil
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
			data map[string]any
		}{{omitAll || flag(2, "omit_opts"), c.Opts}, {omitAll || flag(3, "omit_grains"), c.Grains},
			{omitAll || flag(4, "omit_pillar"), c.pillar}, {omitAll || flag(5, "omit_master"), master()}}
		def := param(args, kw, 1, "default", nil)
		if !wildcard {
			if def == nil {
				def = ""
			}
			for _, s := range stores {
				if v, ok := s.data[value]; ok && !s.omit {
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
		ret := map[string]any{}
		for i := len(stores) - 1; i >= 0; i-- {
			if stores[i].omit {
				continue
			}
			for _, k := range c.order.Keys(stores[i].data) {
				if fnmatch.Match(value, k) {
					c.order.Add(ret, k)
					ret[k] = stores[i].data[k]
				}
			}
		}
		d := configDefaults()
		for _, k := range sortedKeys(d) {
			if _, have := ret[k]; !have && fnmatch.Match(value, k) {
				c.order.Add(ret, k)
				ret[k] = d[k]
			}
		}
		if len(ret) == 0 {
			if def == nil {
				return map[string]any{}, nil
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
			data map[string]any
		}{{flag(2, "omit_opts"), c.Opts}, {flag(3, "omit_master"), master()}, {flag(4, "omit_pillar"), c.pillar}} {
			tmp, ok := s.data[value]
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
			rm, rIsMap := normalize(ret).(map[string]any)
			tm, tIsMap := normalize(tmp).(map[string]any)
			rl, rIsList := normalize(ret).([]any)
			tl, tIsList := normalize(tmp).([]any)
			switch {
			case rIsMap && tIsMap:
				// tmp.update(ret): the earlier store wins.
				out := map[string]any{}
				for _, src := range []map[string]any{tm, rm} {
					for _, k := range c.order.Keys(src) {
						c.order.Add(out, k)
						out[k] = src[k]
					}
				}
				ret = out
			case rIsList && tIsList:
				ret = append(append([]any{}, rl...), tl...)
			}
		}
		if ret == nil {
			if v, ok := configDefaults()[value]; ok {
				return v, nil
			}
			return def, nil
		}
		return ret, nil
	}
	m["config.items"] = func([]any, map[string]any) (any, error) { return orEmpty(c.Opts), nil }
	m["config.dot_vals"] = func(args []any, kw map[string]any) (any, error) {
		value, err := strParam(args, kw, 0, "value")
		if err != nil {
			return nil, fmt.Errorf("config.dot_vals: %w", err)
		}
		ret := map[string]any{}
		for _, src := range []map[string]any{master(), c.Opts} {
			for _, k := range c.order.Keys(src) {
				if strings.HasPrefix(k, value+".") {
					c.order.Add(ret, k)
					ret[k] = src[k]
				}
			}
		}
		return ret, nil
	}
}

// configMerge is salt.utils.dictupdate.merge(dest, upd, strategy): recurse
// merges dicts all the way down; overwrite replaces the top-level keys
// upd has.
func configMerge(c *saltCtx, dest, upd map[string]any, strategy string) map[string]any {
	out := deepCopy(c.order, dest).(map[string]any)
	if strategy == "overwrite" {
		for _, k := range c.order.Keys(upd) {
			c.order.Add(out, k)
			out[k] = deepCopy(c.order, upd[k])
		}
		return out
	}
	return dictUpdate(c.order, out, orEmpty(upd), false)
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
	case map[string]any:
		if v, ok := c[part]; ok {
			return traverseParts(v, parts[1:], depth+1)
		}
		return nil, errNoTraverse
	case []any:
		idx, err := strconv.Atoi(part)
		for _, e := range c {
			if em, ok := normalize(e).(map[string]any); ok {
				if v, ok := em[part]; ok {
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
