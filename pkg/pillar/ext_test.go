package pillar

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/top"
)

// Salt's compile_pillar with ext_pillar (cmd_yaml, cmd_json): each
// module's data merged in turn over the SLS files' pillar, or, with
// ext_pillar_first, under it, the SLS templates then seeing it as
// pillar; a command whose output does not parse gives nothing and no
// error (Salt logs it alone).
func TestExtPillar(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls": "base:\n  '*':\n    - a\n",
		"a.sls":   "shared: sls\nfrom_sls: {{ pillar.get('ext_id', 'none') }}\n",
	})
	ext, err := ParseExtPillar([]any{
		map[string]any{"cmd_yaml": "echo 'ext_id: %s'; echo 'shared: ext'; echo 'noise' >&2"},
		map[string]any{"cmd_json": `echo '{"j": 1, "shared": "json"}'`},
		map[string]any{"cmd_yaml": "echo '[not: a mapping'"},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		first bool
		want  string
	}{
		{false, `{"shared":"json","from_sls":"none","ext_id":"m1","j":1}`},
		{true, `{"ext_id":"m1","shared":"sls","j":1,"from_sls":"m1"}`},
	} {
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"},
			Globals:       func(top.Minion) map[string]any { return map[string]any{"pillar": map[string]any{}} },
			GlobalsPillar: func(_ top.Minion, p *odict.Map) map[string]any { return map[string]any{"pillar": p.PlainMap()} },
			Ext:           ext, ExtFirst: tc.first}
		got, errs, err := c.CompileAll(context.Background(), top.Minion{ID: "m1"})
		if err != nil || len(errs) > 0 {
			t.Fatalf("ext_pillar_first %v: %v %v", tc.first, err, errs)
		}
		if b, _ := json.Marshal(got); string(b) != tc.want {
			t.Errorf("ext_pillar_first %v: %s; want %s", tc.first, b, tc.want)
		}
	}
}

func TestParseExtPillar(t *testing.T) {
	for _, bad := range []any{
		"cmd_yaml: x",
		[]any{"cmd_yaml"},
		[]any{map[string]any{"git": "main https://example.org/pillar.git"}},
		[]any{map[string]any{"cmd_yaml": ""}},
		[]any{map[string]any{"cmd_yaml": "a", "cmd_json": "b"}},
	} {
		if _, err := ParseExtPillar(bad); err == nil {
			t.Errorf("ParseExtPillar(%v): no error", bad)
		}
	}
}
