package sls

import (
	"fmt"
	"strings"
)

// ParseExclude reads state.apply's exclude= as Salt does: SLS names
// separated by commas ("web,db"), or a list of them, or of {sls: name} and
// {id: ID} mappings.
func ParseExclude(v any) ([]Exclude, error) {
	var out []Exclude
	switch t := v.(type) {
	case nil:
		return nil, nil
	case string:
		for _, name := range strings.Split(t, ",") {
			if name = strings.TrimSpace(name); name != "" {
				out = append(out, Exclude{Kind: "sls", Name: name})
			}
		}
		return out, nil
	case []any:
		for _, e := range t {
			switch x := e.(type) {
			case string:
				out = append(out, Exclude{Kind: "sls", Name: x})
			case map[string]any:
				for k, name := range x {
					if k != "sls" && k != "id" {
						return nil, fmt.Errorf("exclude=: want {sls: NAME} or {id: ID}, got key %q", k)
					}
					out = append(out, Exclude{Kind: k, Name: fmt.Sprint(name)})
				}
			default:
				return nil, fmt.Errorf("exclude=: want SLS names or {sls: NAME} / {id: ID}, got %v", e)
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("exclude=: want SLS names or {sls: NAME} / {id: ID}, got %v", v)
}
