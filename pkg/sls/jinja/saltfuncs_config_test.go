package jinja

import (
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// Salt's config module: get searches opts, grains, pillar,
// pillar['master'], then Salt's DEFAULTS, in that order, with nested keys
// (delimiter), list indexes and dicts inside lists; merge= merges the
// stores first (the minion's options win); option reads top-level keys
// only, with wildcard= a dict of the matching keys.
func TestConfigFuncs(t *testing.T) {
	ctx := SaltContext{ID: "m1",
		Opts:   map[string]any{"id": "m1", "shared": "opts", "svc.conf": map[string]any{"a": 1, "b": 1}},
		Grains: map[string]any{"os": "Debian", "shared": "grains", "ipv4": []any{"10.0.0.1", "10.0.0.2"}},
		Pillar: odict.From(map[string]any{
			"shared":   "pillar",
			"app":      map[string]any{"port": 80, "users": []any{map[string]any{"alice": 1}, map[string]any{"bob": 2}}},
			"svc.conf": map[string]any{"b": 2, "c": 2},
			"lst":      []any{"p1"},
			"master":   map[string]any{"mkey": "fromMaster", "shared": "master", "lst": []any{"m1"}, "redis.host": "mredis"},
		})}
	tests := []struct{ src, want string }{
		{`{{ salt['config.get']('shared') }} {{ salt['config.get']('os') }} {{ salt['config.get']('app:port') }}`, "opts Debian 80"},
		{`{{ salt['config.get']('mkey') }} {{ salt['config.get']('redis.port') }} {{ salt['config.get']('nope', 'dflt') }}|{{ salt['config.get']('nope') }}|`, "fromMaster 6379 dflt||"},
		{`{{ salt['config.get']('app/port', delimiter='/') }} {{ salt['config.get']('ipv4:1') }} {{ salt['config.get']('ipv4:-1') }} {{ salt['config.get']('app:users:bob') }}`, "80 10.0.0.2 10.0.0.2 2"},
		{`{{ salt['config.get']('shared', omit_opts=True) }} {{ salt['config.get']('shared', omit_opts=True, omit_grains=True) }} {{ salt['config.get']('shared', omit_opts=True, omit_grains=True, omit_pillar=True) }}`, "grains pillar master"},
		{`{{ salt['config.get']('svc.conf', merge='recurse') | dictsort }}`, "[('a', 1), ('b', 1), ('c', 2)]"},
		{`{{ salt['config.get']('svc.conf', merge='overwrite') | dictsort }} {{ salt['config.get']('shared', merge='bogus') }}`, "[('a', 1), ('b', 1)] opts"},
		{`{{ salt['config.option']('shared') }} {{ salt['config.option']('app:port') }}|{{ salt['config.option']('redis.host') }} {{ salt['config.option']('redis.host', omit_all=True) }}`, "opts |mredis salt"},
		{`{{ salt['config.option']('redis.*', wildcard=True) | dictsort }}`, "[('redis.db', '0'), ('redis.host', 'mredis'), ('redis.port', 6379)]"},
		{`{{ salt['config.option']('nomatch*', wildcard=True) }} {{ salt['config.option']('svc.conf') | dictsort }}`, "{} [('a', 1), ('b', 1)]"},
		{`{{ salt['config.merge']('svc.conf') | dictsort }} {{ salt['config.merge']('lst') }} {{ salt['config.merge']('shared') }}`, "[('a', 1), ('b', 1), ('c', 2)] ['m1', 'p1'] opts"},
		{`{{ salt['config.dot_vals']('svc') | list }} {{ salt['config.items']()['id'] }}`, "['svc.conf'] m1"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte(tt.src), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.src, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.src, out, tt.want)
		}
	}
}
