package confyaml

import (
	"strings"
	"testing"
	"time"
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
