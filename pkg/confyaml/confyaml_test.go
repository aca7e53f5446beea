package confyaml

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestDecodeStrict(t *testing.T) {
	var c struct {
		Port int      `yaml:"port"`
		Keep Duration `yaml:"keep"`
	}
	if err := DecodeStrict("m.yaml", []byte("port: 1\nkeep: 90\n"), &c); err != nil || c.Port != 1 || c.Keep.D() != 90*time.Second {
		t.Fatalf("DecodeStrict = %+v, %v", c, err)
	}
	if err := DecodeStrict("m.yaml", []byte("keep: 2m\n"), &c); err != nil || c.Keep.D() != 2*time.Minute {
		t.Fatalf("keep: 2m = %v, %v", c.Keep.D(), err)
	}
	for in, want := range map[string]string{
		"prot: 1\n":      "m.yaml: yaml: unmarshal errors:\n  line 1: field prot not found",
		"keep: soon\n":   `"soon" is not a duration`,
		"port: [1, 2]\n": "m.yaml",
	} {
		if err := DecodeStrict("m.yaml", []byte(in), &c); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("DecodeStrict(%q) = %v; want an error containing %q", in, err, want)
		}
	}
	if err := DecodeStrict("m.yaml", nil, &c); err != nil {
		t.Errorf("an empty file = %v; want the defaults kept", err)
	}
}

func TestStringOrList(t *testing.T) {
	for _, tt := range []struct {
		src  string
		want []string
		err  bool
	}{
		{"a", []string{"a"}, false},
		{"[a, b]", []string{"a", "b"}, false},
		{"{a: b}", nil, true},
	} {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(tt.src), &n); err != nil {
			t.Fatal(err)
		}
		got, err := StringOrList(n.Content[0], "a name")
		if (err != nil) != tt.err || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("StringOrList(%s) = %v, %v; want %v (error %v)", tt.src, got, err, tt.want, tt.err)
		}
	}
}
