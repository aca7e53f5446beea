package jinja

import (
	"fmt"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"gopkg.in/yaml.v3"
)

// yamlValue decodes a YAML node tree (pyyaml.Resolve already applied) into
// template values, every mapping a dict in the order PyYAML inserts its
// keys: merged (<<) keys first, in the order of their sources, then the
// mapping's own; a key given both ways keeps the merged place with the
// mapping's own value. Scalars are pyyaml.Scalar's.
func yamlValue(n *yaml.Node, depth int) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("YAML nested too deeply")
	}
	n = yamlDeref(n)
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return yamlValue(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := yamlValue(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		out := newDict(len(n.Content) / 2)
		if err := yamlMapping(out, n, depth); err != nil {
			return nil, err
		}
		return out, nil
	}
	if n.Kind == yaml.ScalarNode {
		return pyyaml.Scalar(n), nil
	}
	return nil, fmt.Errorf("YAML: unexpected node kind %d", n.Kind)
}

// yamlMapping writes n's entries into out in PyYAML's order.
func yamlMapping(out *odict.Map, n *yaml.Node, depth int) error {
	if depth > 200 {
		return fmt.Errorf("YAML nested too deeply")
	}
	// Merged keys first: PyYAML's flatten_mapping puts them before the
	// mapping's own keys.
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := yamlDeref(n.Content[i])
		if k.Kind != yaml.ScalarNode || k.Tag != "!!merge" {
			continue
		}
		val := yamlDeref(n.Content[i+1])
		srcs := []*yaml.Node{val}
		if val.Kind == yaml.SequenceNode {
			srcs = val.Content
		}
		for _, s := range srcs {
			if s = yamlDeref(s); s.Kind != yaml.MappingNode {
				return fmt.Errorf("line %d: a merge key (<<) takes a mapping or a list of mappings", s.Line)
			}
			sub := newDict(len(s.Content) / 2)
			if err := yamlMapping(sub, s, depth+1); err != nil {
				return err
			}
			for sk, sv := range sub.All() {
				if !out.Has(sk) {
					out.Set(sk, sv)
				}
			}
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := yamlDeref(n.Content[i])
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			continue
		}
		kv, err := yamlValue(k, depth+1)
		if err != nil {
			return err
		}
		v, err := yamlValue(n.Content[i+1], depth+1)
		if err != nil {
			return err
		}
		dictSet(out, kv, v)
	}
	return nil
}

func yamlDeref(n *yaml.Node) *yaml.Node {
	for hops := 0; n.Kind == yaml.AliasNode && n.Alias != nil && hops < 100; hops++ {
		n = n.Alias
	}
	return n
}
