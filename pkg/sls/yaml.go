package sls

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/py/pyyaml"
	"gopkg.in/yaml.v3"
)

// Limits that keep hostile or broken YAML from eating the host: an alias
// bomb ("billion laughs") expands to far more nodes than the text holds.
const (
	maxNodes = 1 << 18 // a 1,000-state file has about 10,000
	maxDepth = 200
)

// yamlDoc parses src and returns the document's root node, nil for an
// empty document. Errors name the file and line.
// With salt set, values mean what Salt's YAML loader makes of them (yes is
// true, 0644 is 644; see pyyaml.Resolve).
func parseYAML(src []byte, pos Pos, salt bool) (root *yaml.Node, err error) {
	// yaml.v3 reports errors by panicking internally and recovering; a
	// panic that escapes is a bug in it, but must not take the caller down.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, &Error{Pos: pos, Msg: fmt.Sprintf("YAML: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, yamlError(err, src, pos)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		p := pos
		p.Line = extra.Line
		return nil, &Error{Pos: p, Msg: "YAML: a second document (---); an SLS file holds one"}
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(err, src, pos)
	}
	if n := unsafeTag(&doc); n != nil {
		// Salt's SafeLoader has no constructor for any other tag, and
		// fails the file (a !!python/object is never run).
		tag := n.Tag
		if rest, ok := strings.CutPrefix(tag, "!!"); ok {
			tag = "tag:yaml.org,2002:" + rest
		}
		p := pos
		p.Line = n.Line
		return nil, &Error{Pos: p, Msg: fmt.Sprintf("YAML: could not determine a constructor for the tag '%s'", tag)}
	}
	if salt {
		pyyaml.Resolve(&doc)
	}
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return nil, nil
		}
		return doc.Content[0], nil
	}
	return &doc, nil
}

// unsafeTag finds the first node with an explicit tag Salt's loader
// cannot construct (aliases are not followed: their anchors are walked
// where they stand).
func unsafeTag(n *yaml.Node) *yaml.Node {
	if n.Style&yaml.TaggedStyle != 0 && !safeTags[n.Tag] {
		return n
	}
	for _, c := range n.Content {
		if bad := unsafeTag(c); bad != nil {
			return bad
		}
	}
	return nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a yaml.v3 error into one that names the file and line,
// and quotes the line when it comes from rendered output, since the
// author cannot see that text anywhere else.
func yamlError(err error, src []byte, pos Pos) error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		pos.Line, _ = strconv.Atoi(m[1])
		msg = m[2]
		if l := problemLine(src, pos.Line, err.Error()); l > pos.Line {
			msg += fmt.Sprintf(" (in the block that starts at line %d)", pos.Line)
			pos.Line = l
		}
	} else {
		// yaml.v3 leaves the line out of errors on the first line and
		// of composer errors (unknown anchor); find it.
		msg = strings.TrimPrefix(msg, "yaml: ")
		pos.Line = problemLine(src, 1, err.Error())
	}
	return &Error{Pos: pos, Msg: "YAML: " + msg}
}

// problemLine finds the line that breaks the document. yaml.v3 reports
// the line where the enclosing block starts, not the line at fault, so
// an indentation error deep in a state points at its ID. The first prefix
// of the text that fails with the same message ends at the faulty line;
// this costs a few parses, on the error path only.
func problemLine(src []byte, from int, full string) int {
	var ends []int // ends[i] is the offset after line i+1
	for i, c := range src {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(src) {
		ends = append(ends, len(src))
	}
	fails := func(n int) bool {
		var doc yaml.Node
		err := yaml.Unmarshal(src[:ends[n-1]], &doc)
		return err != nil && err.Error() == full
	}
	lo, hi := from, len(ends)
	if lo < 1 {
		lo = 1
	}
	if lo > hi || !fails(hi) {
		return 0
	}
	for lo < hi {
		mid := (lo + hi) / 2
		if fails(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// quoteLine returns "\n    N | text" for line n of src, or "".
func quoteLine(src []byte, n int) string {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return ""
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	const max = 200
	if len(src) > max {
		src = src[:max]
	}
	return fmt.Sprintf("\n    %d | %s", n, src)
}

// decoder turns yaml.Node trees into plain Go values with Salt's meaning.
type decoder struct {
	pos   Pos // File and Rendered; Line is set per node
	nodes int // nodes visited, against maxNodes
	// odict makes every mapping an *odict.Map in PyYAML's key order,
	// marked an OrderedDict as Salt's YAML loader makes them, instead
	// of a map[string]any.
	odict bool
}

func (d *decoder) at(n *yaml.Node) Pos {
	p := d.pos
	p.Line = n.Line
	return p
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) *Error {
	return &Error{Pos: d.at(n), Msg: fmt.Sprintf(format, args...)}
}

// pair is one key and value of a mapping, in document order.
type pair struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node
}

// pairs returns a mapping's entries in the order Salt's loader inserts
// them (SaltYamlSafeLoader.flatten_mapping, then construct_mapping):
// the entries merged in with << first, then the mapping's own. A merged
// entry whose key the mapping writes itself is dropped; any other key
// given twice is refused, whether written twice or brought by two merge
// sources (`<<: [*a, *b]` where both have it), as Salt refuses it.
func (d *decoder) pairs(n *yaml.Node, depth int) ([]pair, error) {
	n, err := d.deref(n, depth)
	if err != nil {
		return nil, err
	}
	if n.Kind != yaml.MappingNode {
		return nil, d.errf(n, "want a mapping, got %s", kindName(n))
	}
	own := make([]pair, 0, len(n.Content)/2)
	ownKeys := make(map[string]bool, len(n.Content)/2)
	var merged []pair
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			ps, err := d.mergeSource(v, depth)
			if err != nil {
				return nil, err
			}
			merged = append(merged, ps...)
			continue
		}
		key, err := d.key(k, depth)
		if err != nil {
			return nil, err
		}
		ownKeys[key] = true
		own = append(own, pair{Key: key, KeyN: k, Value: v})
	}
	out := make([]pair, 0, len(merged)+len(own))
	for _, p := range merged {
		if !ownKeys[p.Key] {
			out = append(out, p)
		}
	}
	out = append(out, own...)
	seen := make(map[string]int, len(out))
	for i, p := range out {
		if line, dup := seen[p.Key]; dup {
			if i < len(out)-len(own) {
				// Both came from merge sources: name the mapping that
				// merges them, not the anchors' lines alone.
				return nil, d.errf(n, "duplicate key '%s' merged in with << (from lines %d and %d)", p.Key, line, p.KeyN.Line)
			}
			return nil, d.errf(p.KeyN, "duplicate key '%s' (first at line %d)", p.Key, line)
		}
		seen[p.Key] = p.KeyN.Line
	}
	return out, nil
}

// mergeSource returns the entries a << value brings: a mapping's own,
// or those of a list of mappings, the last mapping's first (Salt's
// flatten_mapping reverses the list before extending its merge list).
func (d *decoder) mergeSource(v *yaml.Node, depth int) ([]pair, error) {
	v, err := d.deref(v, depth)
	if err != nil {
		return nil, err
	}
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, depth+1)
	case yaml.SequenceNode:
		var out []pair
		for i := len(v.Content) - 1; i >= 0; i-- {
			s, err := d.deref(v.Content[i], depth+1)
			if err != nil {
				return nil, err
			}
			if s.Kind != yaml.MappingNode {
				return nil, d.errf(s, "expected a mapping for merging, but found %s", kindName(s))
			}
			ps, err := d.pairs(s, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, ps...)
		}
		return out, nil
	}
	return nil, d.errf(v, "expected a mapping or list of mappings for merging, but found %s", kindName(v))
}

// key returns a mapping key as text. Salt's IDs and arguments are
// strings; `80:` or `0644:` keep the text as written.
func (d *decoder) key(k *yaml.Node, depth int) (string, error) {
	k, err := d.deref(k, depth)
	if err != nil {
		return "", err
	}
	if k.Kind != yaml.ScalarNode {
		return "", d.errf(k, "a mapping key must be a plain value, got %s", kindName(k))
	}
	return k.Value, nil
}

// deref follows aliases and counts the node against the budget.
func (d *decoder) deref(n *yaml.Node, depth int) (*yaml.Node, error) {
	for hops := 0; n.Kind == yaml.AliasNode; hops++ {
		if n.Alias == nil || hops > maxDepth {
			return nil, d.errf(n, "YAML: bad alias *%s", n.Value)
		}
		n = n.Alias
	}
	d.nodes++
	if d.nodes > maxNodes {
		return nil, d.errf(n, "YAML: document expands to more than %d nodes (alias bomb?)", maxNodes)
	}
	if depth > maxDepth {
		return nil, d.errf(n, "YAML: nested deeper than %d levels", maxDepth)
	}
	return n, nil
}

// value decodes a node into string, bool, int, float64, nil, []any or
// map[string]any.
func (d *decoder) value(n *yaml.Node, depth int) (any, error) {
	n, err := d.deref(n, depth)
	if err != nil {
		return nil, err
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return pyyaml.Scalar(n), nil
	case yaml.SequenceNode:
		if d.odict && n.ShortTag() == "!!omap" {
			// Salt's SLS and pillar loader (dictclass OrderedDict)
			// builds an !!omap as a mapping, and construct_mapping
			// refuses a sequence.
			return nil, d.errf(n, "YAML: expected a mapping node, but found sequence")
		}
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			v, err := d.value(c, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case yaml.MappingNode:
		ps, err := d.pairs(n, depth)
		if err != nil {
			return nil, err
		}
		out := make(map[string]any, len(ps))
		for _, p := range ps {
			v, err := d.value(p.Value, depth+1)
			if err != nil {
				return nil, err
			}
			out[p.Key] = v
		}
		if d.odict {
			// pairs is already in the order Salt's loader inserts keys.
			om := odict.New(len(ps))
			om.SetOrderedDict(true)
			for _, p := range ps {
				om.Set(p.Key, out[p.Key])
				// A key PyYAML reads as a number, bool or null is one
				// in Salt's data (`80: web`): templates see it so.
				if k, _ := d.deref(p.KeyN, depth); k != nil && k.Kind == yaml.ScalarNode {
					switch t := pyyaml.Scalar(k).(type) {
					case nil, bool, int, float64:
						om.SetTyped(p.Key, t, out[p.Key])
					}
				}
			}
			return om, nil
		}
		return out, nil
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return d.value(n.Content[0], depth+1)
	}
	return nil, d.errf(n, "YAML: unexpected node")
}

// safeTags are the explicit tags Salt's SaltYamlSafeLoader constructs.
var safeTags = map[string]bool{
	"!": true, "!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!map": true, "!!seq": true, "!!timestamp": true, "!!binary": true, "!!merge": true,
	"!!omap": true, "!!set": true, "!!pairs": true, "!!python/unicode": true,
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return fmt.Sprintf("the string %q", clip(n.Value))
		}
		return fmt.Sprintf("the value %s", clip(n.Value))
	}
	return "an alias"
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// DecodeYAMLOrdered decodes data (pillar) as Salt's YAML loader reads it,
// as SLS files are read: unlike DecodeYAML, yes/no/on/off are booleans and
// 0644 is the integer 644 (pyyaml.Resolve), which is what templates test
// and print in Salt. Every mapping is an *odict.Map in the order PyYAML
// inserts its keys (merged keys first), so that the data keeps its file
// order wherever it goes, as Salt's OrderedDicts do.
func DecodeYAMLOrdered(file string, src []byte, rendered bool) (any, error) {
	return decodeYAML(file, src, rendered, true, true)
}

// DecodeYAML decodes one YAML document with Salt's meaning, as SLS files
// are read (0644 stays "0644", duplicate keys are errors, merge keys
// work), into string, bool, int, float64, nil, []any and map[string]any.
// It serves pillar files and other data; errors name file:line, marked
// as a rendered line when rendered is set. An empty document is nil.
func DecodeYAML(file string, src []byte, rendered bool) (any, error) {
	return decodeYAML(file, src, rendered, false, false)
}

func decodeYAML(file string, src []byte, rendered bool, salt, ordered bool) (any, error) {
	pos := Pos{File: file, Rendered: rendered}
	root, err := parseYAML(src, pos, salt)
	if err != nil || root == nil {
		return nil, err
	}
	d := &decoder{pos: pos, odict: ordered}
	v, err := d.value(root, 0)
	if err != nil {
		if e, ok := err.(*Error); ok && rendered && e.Pos.Line > 0 {
			e.Msg += quoteLine(src, e.Pos.Line)
		}
		return nil, err
	}
	return v, nil
}
