package pyyaml

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// docs are scalars and small documents whose meaning differs between
// YAML 1.1 (PyYAML, so Salt) and YAML 1.2 (yaml.v3), or that Salt's loader
// reads its own way.
var docs = []string{
	"yes", "No", "ON", "off", "y", "n", "true", "False", "~", "null", "None",
	"0644", "-0755", "+0644", "0", "00", "08", "0o644", "0x1F", "0b101", "1_000", "-12",
	"1:30", "-1:30:05", "190:20:30", "190:20:30.15", "-1:30.5", "0:30.", "+1_0:59:01.25", "1:60.5", "1:30.5e3",
	"1.5", "1e3", "1.5e3", "1.5e+3", "1.0", ".5", "-.inf", ".NaN", "1_0.5",
	"2024-01-02", "2024-01-02 10:20:30",
	"12345678901234567890", "123456789012345678901234", "text", "'yes'", "\"0644\"", "!!str 12",
	"[1, yes, 0644]", "{a: 1, b: off, c: 1:30}",
	// PyYAML's float needs a digit before the dot when it has a sign
	// (-.5 is text, .5 a float); an explicit !!float is a float.
	"-.5", "+.5", "-.5e+3", ".5e+3", "1.", "-1.", "-.nan", "+.inf",
	"!!float 3", "!!float -.5", "!!float 1e3",
}

func TestAgainstPyYAML(t *testing.T) {
	var want [][2]any
	pyref.Run(t, "testdata/saltyaml_ref.py", nil, docs, &want)
	if len(want) != len(docs) {
		t.Fatalf("the reference gave %d results for %d documents", len(want), len(docs))
	}
	for i, doc := range docs {
		v, err := Load(doc)
		got := tagged(v)
		if err != nil {
			got = [2]any{"error", nil}
		}
		if !reflect.DeepEqual(normal(got), normal(want[i])) {
			t.Errorf("Load(%q) = %v; Salt's loader gives %v", doc, got, want[i])
		}
	}
}

// tagged writes a value as the reference script does.
func tagged(v any) [2]any {
	switch x := v.(type) {
	case bool:
		return [2]any{"bool", x}
	case int:
		return [2]any{"int", strconv.Itoa(x)}
	case uint64:
		return [2]any{"int", strconv.FormatUint(x, 10)}
	case *big.Int:
		return [2]any{"int", x.String()}
	case float64:
		if math.IsNaN(x) {
			return [2]any{"float", "nan"}
		}
		return [2]any{"float", pyFloat(x)}
	case nil:
		return [2]any{"null", nil}
	case string:
		return [2]any{"str", x}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = tagged(e)
		}
		return [2]any{"list", out}
	case map[string]any:
		out := map[string]any{}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out[k] = tagged(x[k])
		}
		return [2]any{"dict", out}
	}
	return [2]any{"other", fmt.Sprint(v)}
}

// pyFloat is Python's repr of a float, for the values the cases hold.
func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if _, err := strconv.Atoi(s); err == nil {
		s += ".0"
	}
	return s
}

// normal passes both sides through JSON, so that they compare as the
// same types.
func normal(v any) any {
	data, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(data, &out)
	return out
}
