package grains

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"

	"gopkg.in/yaml.v3"
)

// FileError is a grains file that cannot be read, with its place.
type FileError struct {
	Path string
	Line int // 0 when unknown
	Err  error
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.Path, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// LoadFile reads a YAML grains file (Salt's /etc/salt/grains, brine's
// --grains-file): a mapping of grain names to values. An empty file is an
// empty set. Nested mappings come back as map[string]any.
func LoadFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("grains file: %w", err)
	}
	return Parse(path, data)
}

// Parse is LoadFile on bytes; name is used in errors.
func Parse(name string, data []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return nil, &FileError{Path: name, Line: line, Err: errors.New(m[2])}
		}
		return nil, &FileError{Path: name, Err: err}
	}
	if len(doc.Content) == 0 {
		return map[string]any{}, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return map[string]any{}, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, &FileError{Path: name, Line: root.Line, Err: errors.New("grains must be a mapping of names to values")}
	}
	var raw map[string]any
	if err := root.Decode(&raw); err != nil {
		return nil, &FileError{Path: name, Line: root.Line, Err: err}
	}
	out, _ := normalize(raw).(map[string]any)
	if out == nil {
		out = map[string]any{}
	}
	return out, nil
}

// normalize turns yaml's map[any]any (non-string keys) into
// map[string]any all the way down, so that every consumer sees one shape.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			x[k] = normalize(val)
		}
		return x
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			out[fmt.Sprint(k)] = normalize(val)
		}
		return out
	case []any:
		for i, val := range x {
			x[i] = normalize(val)
		}
		return x
	}
	return v
}

// Merge returns base with over's grains laid on top: a grain in over
// replaces the collected one whole (a dict is not merged key by key),
// which is how Salt applies the grains file and the minion config's
// `grains:` over its core grains. Neither argument is changed.
func Merge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
