package minion

import (
	"fmt"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// UnmarshalYAML reads minion.yaml, where master: is one URL or, as in
// Salt, a list of them:
//
//	master:
//	  - tls://m1.example:4222
//	  - tls://m2.example:4222
//
// A list is kept in Config.Master with commas between the URLs, the form
// nats.go and ParseMasterURL take. Every other key decodes as usual;
// since a custom decoder no longer gets the file's strict decoding, the
// keys are checked here against Config's, with their line.
func (c *Config) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: minion.yaml holds %s, not a mapping of keys", n.Line, nodeKind(n))
	}
	known := map[string]bool{}
	for _, f := range reflect.VisibleFields(reflect.TypeOf(Config{})) {
		if k := strings.Split(f.Tag.Get("yaml"), ",")[0]; k != "" && k != "-" {
			known[k] = true
		}
	}
	rest := *n
	rest.Content = nil
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !known[k.Value] {
			prof, ok := sdbProfile(v)
			if !ok {
				return fmt.Errorf("line %d: field %s not found in type minion.Config", k.Line, k.Value)
			}
			if c.SDB == nil {
				c.SDB = map[string]map[string]any{}
			}
			c.SDB[k.Value] = prof
			continue
		}
		if line, dup := seen[k.Value]; dup {
			return fmt.Errorf("line %d: key %s given again (first on line %d)", k.Line, k.Value, line)
		}
		seen[k.Value] = k.Line
		if k.Value == "master" {
			s, err := masterList(v)
			if err != nil {
				return err
			}
			c.Master = s
			continue
		}
		rest.Content = append(rest.Content, k, v)
	}
	type plain Config // no UnmarshalYAML: no recursion
	return rest.Decode((*plain)(c))
}

// sdbProfile reads a key minion.yaml does not know as Salt reads any
// top-level key of its minion config: an sdb profile when it is a
// mapping with a driver. Anything else stays an unknown key, so that a
// typo is still an error.
func sdbProfile(v *yaml.Node) (map[string]any, bool) {
	if v.Kind != yaml.MappingNode {
		return nil, false
	}
	var prof map[string]any
	if err := v.Decode(&prof); err != nil {
		return nil, false
	}
	d, ok := prof["driver"].(string)
	return prof, ok && d != ""
}

// masterList reads master: as a string or a list of strings.
func masterList(v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return "", fmt.Errorf("line %d: master is empty", v.Line)
		}
		return v.Value, nil
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return "", fmt.Errorf("line %d: master is an empty list", v.Line)
		}
		urls := make([]string, 0, len(v.Content))
		for _, e := range v.Content {
			if e.Kind != yaml.ScalarNode || e.Tag == "!!null" || e.Value == "" {
				return "", fmt.Errorf("line %d: each master in the list is one URL", e.Line)
			}
			if strings.Contains(e.Value, ",") {
				return "", fmt.Errorf("line %d: one URL per list entry", e.Line)
			}
			urls = append(urls, e.Value)
		}
		return strings.Join(urls, ","), nil
	}
	return "", fmt.Errorf("line %d: master is a URL or a list of URLs, not %s", v.Line, nodeKind(v))
}

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return "a value"
}
