// Package pyyaml gives plain YAML scalars the meaning Salt's loader
// gives them: PyYAML's YAML 1.1, plus Salt's own rule for leading zeros,
// where gopkg.in/yaml.v3 reads YAML 1.2. SLS files, pillar, import_yaml
// and command-line arguments all go through it, so a value means the same
// wherever it is written. A leaf: it imports nothing of brine's.
package pyyaml

import (
	"errors"
	"math"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Resolve rewrites the plain scalar values of a parsed YAML document to
// the meaning Salt's loader (PyYAML, YAML 1.1, plus Salt's own rule for
// leading zeros) gives them, where yaml.v3 (YAML 1.2) reads them
// otherwise:
//
//   - yes, no, on, off (any of PyYAML's spellings) are booleans;
//   - an integer with a leading zero loses its zeros and stays decimal,
//     as Salt's construct_scalar does (0644 is 644, the digits a file
//     mode is written with); with a sign it is octal, as in PyYAML;
//   - 1:30 is a base-60 integer (90), 1:30.5 a base-60 float (90.5);
//   - 08, 1e3, 1.5e3 and 0o644 are strings: PyYAML's floats need a dot
//     and a signed exponent, and 0o is YAML 1.2 only.
//
// Mapping keys are left alone (state IDs and argument names keep their
// text), and so are quoted and explicitly tagged scalars.
func Resolve(n *yaml.Node) { resolve(n, 0, map[*yaml.Node]bool{}) }

var (
	pyBools   = map[string]bool{"yes": true, "Yes": true, "YES": true, "on": true, "On": true, "ON": true, "no": false, "No": false, "NO": false, "off": false, "Off": false, "OFF": false}
	pyOctal   = regexp.MustCompile(`^[-+]?0[0-7_]+$`)
	pyZeroNum = regexp.MustCompile(`^[-+]?0[0-9_]+$`)
	pyBigInt  = regexp.MustCompile(`^[-+]?[1-9][0-9_]*$`)
	pySexa    = regexp.MustCompile(`^[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+$`)
	pyInf     = regexp.MustCompile(`^[-+]?\.(inf|Inf|INF)$`)
	pyNaN     = regexp.MustCompile(`^\.(nan|NaN|NAN)$`)
	pySexaF   = regexp.MustCompile(`^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*$`)
	// PyYAML's float resolver: a sign only before digits (-.5 is text).
	pyFloatRE = regexp.MustCompile(`^([-+]?[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)([eE][-+][0-9]+)?$`)
)

func resolve(n *yaml.Node, depth int, seen map[*yaml.Node]bool) {
	if n == nil || depth > 200 || seen[n] {
		return
	}
	seen[n] = true
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			resolve(c, depth+1, seen)
		}
	case yaml.MappingNode:
		for i := 1; i < len(n.Content); i += 2 {
			resolve(n.Content[i], depth+1, seen)
		}
	case yaml.AliasNode:
		resolve(n.Alias, depth+1, seen)
	case yaml.ScalarNode:
		if n.Style != 0 {
			return // quoted, tagged or a block: as written
		}
		v := n.Value
		switch n.ShortTag() {
		case "!!str":
			if b, ok := pyBools[v]; ok {
				n.Tag, n.Value = "!!bool", strconv.FormatBool(b)
			} else if pySexa.MatchString(v) {
				if i, ok := sexagesimal(v); ok {
					n.Tag, n.Value = "!!int", strconv.FormatInt(i, 10)
				}
			} else if pySexaF.MatchString(v) {
				if f, ok := sexagesimalFloat(v); ok {
					n.Tag, n.Value = "!!float", strconv.FormatFloat(f, 'f', -1, 64)
					if !strings.Contains(n.Value, ".") {
						n.Value += ".0" // read back as a float, not an int
					}
				}
			}
		case "!!int":
			switch {
			case strings.HasPrefix(v, "0o"), strings.HasPrefix(v, "+0o"), strings.HasPrefix(v, "-0o"):
				n.Tag = "!!str"
			case pyOctal.MatchString(v) && strings.HasPrefix(v, "0"):
				d := strings.ReplaceAll(strings.TrimLeft(v, "0"), "_", "")
				if d == "" {
					d = "0"
				}
				n.Value = d
			case pyOctal.MatchString(v):
				if i, err := strconv.ParseInt(strings.ReplaceAll(v[:1]+"0o"+strings.TrimLeft(v[1:], "0_"), "_", ""), 0, 64); err == nil {
					n.Value = strconv.FormatInt(i, 10)
				}
			case pyZeroNum.MatchString(v):
				n.Tag = "!!str"
			}
		case "!!timestamp":
			// Salt's loader builds timestamps with construct_scalar:
			// the text as written, never a date.
			n.Tag = "!!str"
		case "!!float":
			// PyYAML: [-+]?.inf in three spellings, .nan unsigned.
			special := pyInf.MatchString(v) || pyNaN.MatchString(v)
			// An integer too big for int64 stays a float; Python keeps it whole.
			if !special && !pyFloatRE.MatchString(v) && !pyBigInt.MatchString(v) {
				n.Tag = "!!str"
			}
		}
	}
}

// sexagesimal reads 1:30:00 as PyYAML does: base 60, signed.
func sexagesimal(v string) (int64, bool) {
	sign := int64(1)
	switch v[0] {
	case '-':
		sign, v = -1, v[1:]
	case '+':
		v = v[1:]
	}
	var total int64
	for _, part := range strings.Split(strings.ReplaceAll(v, "_", ""), ":") {
		d, err := strconv.ParseInt(part, 10, 64)
		if err != nil {
			return 0, false
		}
		total = total*60 + d
	}
	return sign * total, true
}

// sexagesimalFloat reads 190:20:30.15 as PyYAML's construct_yaml_float
// does: each part a float, the last one worth 1, the one before it 60,
// and so on, added up from the last, then signed.
func sexagesimalFloat(v string) (float64, bool) {
	sign := 1.0
	switch v[0] {
	case '-':
		sign, v = -1, v[1:]
	case '+':
		v = v[1:]
	}
	parts := strings.Split(strings.ReplaceAll(v, "_", ""), ":")
	total, base := 0.0, 1.0
	for i := len(parts) - 1; i >= 0; i-- {
		d, err := strconv.ParseFloat(parts[i], 64)
		if err != nil {
			return 0, false
		}
		total += d * base
		base *= 60
	}
	return sign * total, true
}

// Load reads one YAML document as Salt's yaml.safe_load does: scalars
// with the meaning Resolve gives them, mappings as map[string]any (their
// keys as text), sequences as []any. An empty document is nil.
func Load(src string) (any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		return nil, err
	}
	Resolve(&doc)
	return value(&doc, 0)
}

// maxDepth bounds nesting and alias chains, so that a hostile document
// cannot run the decoder out of stack.
const maxDepth = 100

// ErrTooDeep is returned for a document nested beyond maxDepth.
var ErrTooDeep = errors.New("yaml: nested too deeply")

func value(n *yaml.Node, depth int) (any, error) {
	if depth > maxDepth {
		return nil, ErrTooDeep
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return value(n.Content[0], depth+1)
	case yaml.AliasNode:
		return value(n.Alias, depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := value(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return Scalar(n), nil
}

// Scalar is the Go value of a scalar: nil, bool, int (uint64 past int64,
// a *big.Int past 64 bits, where Python's int is still exact), float64 or
// string. What it cannot read keeps its text, as a timestamp does in
// Salt's loader. A document Resolve has not seen keeps an int written
// with a leading zero (0644) as its text.
func Scalar(n *yaml.Node) any {
	v := n.Value
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		if b, err := strconv.ParseBool(strings.ToLower(v)); err == nil {
			return b
		}
	case "!!int":
		if leadingZero(v) {
			return v
		}
		if i, ok := bigInt(strings.ReplaceAll(v, "_", ""), 0); ok {
			return i
		}
	case "!!float":
		// A plain integer yaml.v3 calls a float only because it is past
		// int64 is an int in Python; one tagged !!float is a float.
		if n.Style&yaml.TaggedStyle == 0 && pyBigInt.MatchString(v) {
			if i, ok := bigInt(strings.ReplaceAll(v, "_", ""), 10); ok {
				return i
			}
		}
		switch strings.ToLower(strings.TrimLeft(v, "+")) {
		case ".inf":
			return math.Inf(1)
		case "-.inf":
			return math.Inf(-1)
		case ".nan":
			return math.NaN()
		}
		if f, err := strconv.ParseFloat(strings.ReplaceAll(v, "_", ""), 64); err == nil {
			return f
		}
	}
	return v
}

// bigInt reads an integer as int, uint64 or *big.Int, whichever holds it.
func bigInt(d string, base int) (any, bool) {
	if i, err := strconv.ParseInt(d, base, 64); err == nil {
		return int(i), true
	}
	if u, err := strconv.ParseUint(strings.TrimPrefix(d, "+"), base, 64); err == nil {
		return u, true
	}
	b, ok := new(big.Int).SetString(strings.TrimPrefix(d, "+"), base)
	return b, ok
}

// leadingZero reports an integer such as 0644, -0755 or 0o644.
func leadingZero(v string) bool {
	v = strings.TrimLeft(v, "+-")
	return len(v) > 1 && v[0] == '0' && (v[1] >= '0' && v[1] <= '9' || v[1] == 'o' || v[1] == '_')
}
