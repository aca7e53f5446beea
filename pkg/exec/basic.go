package exec

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/pkg/version"
)

func testPing(context.Context, *call) Return { return nested(true) }

func testVersion(context.Context, *call) Return { return nested(version.Version) }

// testEcho returns its argument as the command line gave it (YAML: 1 is a
// number, [1, 2] a list), as Salt's does.
func testEcho(_ context.Context, c *call) Return { return nested(c.kw["text"]) }

func grainsItems(_ context.Context, c *call) Return { return nested(c.host.Grains) }

func grainsGet(_ context.Context, c *call) Return { return nestedGet(c, c.host.Grains) }

// grainsItem is Salt's grains.item: each grain named, default ("") for
// one that is not set.
func grainsItem(_ context.Context, c *call) Return {
	out := map[string]any{}
	def, ok := c.kw["default"]
	if !ok {
		def = ""
	}
	for _, k := range c.strings("keys") {
		out[k] = def
		if v, ok := Traverse(c.host.Grains, k, ":"); ok {
			out[k] = v
		}
	}
	return nested(out)
}

// pillarItems and pillarGet return plain dicts, which the outputters
// print sorted, as a Salt minion's pillar (dicts, through msgpack) is.
func pillarItems(ctx context.Context, c *call) Return {
	if keys := c.strings("args"); len(keys) > 0 {
		// Salt's pillar.items(*args) is pillar.item(*args).
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k
		}
		return Call(ctx, c.host, "pillar.item", args, nil)
	}
	// Salt's pillar.items compiles the pillar with pillar= merged in.
	overridePillar(c)
	return nested(c.host.Pillar.PlainMap())
}

// pillarItem is Salt's pillar.item: each key named, with its value
// found as pillar.get finds it (default when missing).
func pillarItem(_ context.Context, c *call) Return {
	h := c.host
	get := jinja.SaltFuncs(jinja.SaltContext{ID: h.ID, Grains: h.Grains, Pillar: h.Pillar, LocalPillar: h.LocalPillar, Root: h.Root,
		Opts: templateOpts(h, h.Env, false)})["pillar.get"]
	keys := c.strings("keys")
	out := odict.New(len(keys))
	for _, k := range keys {
		v, err := get(nil, map[string]any{"key": k, "default": c.kw["default"], "delimiter": c.str("delimiter")})
		if err != nil {
			return failed(fmt.Sprintf("pillar.item: %v", err))
		}
		out.Set(k, v)
	}
	// A dict, as Salt's: its outputter sorts the keys.
	return nested(out.PlainMap())
}

// nestedGet serves grains.get and pillar.get: a key with ':' between
// nested keys, and default when it is missing.
func nestedGet(c *call, data map[string]any) Return {
	delim := c.str("delimiter")
	if delim == "" {
		delim = ":"
	}
	v, found := Traverse(data, c.str("key"), delim)
	if !found {
		v = c.kw["default"]
	}
	return nested(v)
}

// Traverse looks up a nested key such as "users:alice:uid" in maps and
// lists, as Salt's traverse_dict_and_list does.
func Traverse(data any, key, delim string) (any, bool) {
	cur := data
	for _, part := range strings.Split(key, delim) {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			// Salt's traverse_dict_and_list: a number indexes the list
			// (negative from its end), anything else is looked up in
			// the first of its dicts that has it.
			if idx, err := strconv.Atoi(part); err == nil {
				if idx < 0 {
					idx += len(t)
				}
				if idx < 0 || idx >= len(t) {
					return nil, false
				}
				cur = t[idx]
				continue
			}
			found := false
			for _, x := range t {
				if m, ok := x.(map[string]any); ok {
					if v, ok := m[part]; ok {
						cur, found = v, true
						break
					}
				}
			}
			if !found {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	return cur, true
}
