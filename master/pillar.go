package master

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/fileroot"
)

// PillarRenderer renders the pillar of one minion.
type PillarRenderer interface {
	Pillar(ctx context.Context, id string, grains map[string]any) (map[string]any, error)
}

// yamlPillar reads pillar top.sls and SLS files as plain YAML, matching
// top.sls targets with the master's matcher. It stands in until the
// Jinja renderer (pkg/sls) is wired through Options.Pillar.
type yamlPillar struct {
	roots fileroot.Roots
	match Matcher
}

func (p *yamlPillar) Pillar(ctx context.Context, id string, grains map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for env := range p.roots {
		top, err := p.read(env, "top.sls")
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, name := range p.slsFor(top, env, id, grains) {
			rel := strings.ReplaceAll(name, ".", "/")
			data, err := p.read(env, rel+".sls")
			if errors.Is(err, fs.ErrNotExist) {
				data, err = p.read(env, rel+"/init.sls")
			}
			if err != nil {
				return nil, fmt.Errorf("pillar %s: %w", name, err)
			}
			merge(out, data)
		}
	}
	return out, nil
}

func (p *yamlPillar) read(env, rel string) (map[string]any, error) {
	path, err := p.roots.Resolve(env, rel)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, nil
}

// slsFor lists the SLS names top.sls gives a minion in one environment.
func (p *yamlPillar) slsFor(top map[string]any, env, id string, grains map[string]any) []string {
	targets, _ := top[env].(map[string]any)
	keys := make([]string, 0, len(targets))
	for k := range targets {
		keys = append(keys, k)
	}
	// yaml.v3 loses the file's order; sorted is at least stable.
	sort.Strings(keys)
	var out []string
	for _, tgt := range keys {
		list, _ := targets[tgt].([]any)
		typ := "glob"
		var names []string
		for _, item := range list {
			switch x := item.(type) {
			case string:
				names = append(names, x)
			case map[string]any:
				if mt, ok := x["match"].(string); ok {
					typ = mt
				}
			}
		}
		if ok, _ := p.match(tgt, typ, id, grains, nil); ok {
			out = append(out, names...)
		}
	}
	return out
}

// merge deep-merges src into dst, as Salt merges pillar SLS files.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}
