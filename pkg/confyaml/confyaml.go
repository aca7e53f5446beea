// Package confyaml reads brine's YAML config files (master.yaml,
// minion.yaml) the strict way: an unknown key is an error that names it
// and its line, and durations read as "30s", "5m", "24h" or seconds.
package confyaml

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"time"

	"gopkg.in/yaml.v3"
)

// DecodeStrict decodes YAML into v, refusing unknown keys; errors carry
// the file name and line.
func DecodeStrict(name string, b []byte, v any) error {
	d := yaml.NewDecoder(bytes.NewReader(b))
	d.KnownFields(true)
	if err := d.Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Duration reads "30s", "24h" or a number of seconds.
type Duration time.Duration

// D returns the time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads a number of seconds or a Go duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	var secs int64
	if err := n.Decode(&secs); err == nil {
		*d = Duration(time.Duration(secs) * time.Second)
		return nil
	}
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration (like 30s, 5m, 24h)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration as Go prints it ("30s").
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// StringOrList reads a YAML value given as one string or as a list of
// strings (Salt's config takes either in many places); what names the
// value for the error, "a URL", say.
func StringOrList(n *yaml.Node, what string) ([]string, error) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, nil
	case yaml.SequenceNode:
		var raw []string
		if err := n.Decode(&raw); err != nil {
			return nil, err
		}
		return raw, nil
	}
	return nil, fmt.Errorf("line %d: want %s or a list of them", n.Line, what)
}
