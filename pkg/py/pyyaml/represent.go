package pyyaml

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/brine-cm/brine/pkg/pyfmt"
)

// Pairs is a mapping that keeps its own key order, which Represent
// writes as it is (a plain map's keys are sorted, as safe_dump sorts a
// dict's).
type Pairs interface {
	YAMLPairs() (keys []string, values []any)
}

// Represent is the node tree PyYAML's SafeRepresenter makes of plain
// data, for Emit: scalars tagged by their type (floats spelt as Python
// does, .inf and .nan as PyYAML does), lists as sequences, maps as
// mappings. A value of any other type is the string fmt.Sprint gives.
func Represent(v any) *yaml.Node {
	scalar := func(tag, val string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: val} }
	switch t := v.(type) {
	case nil:
		return scalar("!!null", "null")
	case bool:
		return scalar("!!bool", strconv.FormatBool(t))
	case int:
		return scalar("!!int", strconv.Itoa(t))
	case int64:
		return scalar("!!int", strconv.FormatInt(t, 10))
	case uint64:
		return scalar("!!int", strconv.FormatUint(t, 10))
	case *big.Int:
		return scalar("!!int", t.String())
	case float64:
		return scalar("!!float", FloatText(t))
	case string:
		return scalar("!!str", t)
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for _, e := range t {
			n.Content = append(n.Content, Represent(e))
		}
		return n
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for _, k := range keys {
			n.Content = append(n.Content, scalar("!!str", k), Represent(t[k]))
		}
		return n
	case Pairs:
		keys, vals := t.YAMLPairs()
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		for i, k := range keys {
			n.Content = append(n.Content, scalar("!!str", k), Represent(vals[i]))
		}
		return n
	}
	return scalar("!!str", fmt.Sprint(v))
}

// FloatText is how PyYAML's represent_float writes a float: .nan, .inf,
// -.inf, else repr with ".0" put before an exponent that has no point
// (1e+16 is written 1.0e+16), for !!float's syntax.
func FloatText(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	v := pyfmt.Float(f)
	if !strings.Contains(v, ".") && strings.Contains(v, "e") {
		v = strings.Replace(v, "e", ".0e", 1)
	}
	return v
}
