package jinja

import (
	"errors"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRender checks that no input makes Render panic (the recover in
// Render turns a panic into panicError, which fails here).
func FuzzRender(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sls")
	for _, fn := range files {
		b, err := os.ReadFile(fn)
		if err == nil {
			f.Add(string(b))
		}
	}
	for _, s := range []string{
		"{{ {'a': [1]} == {'a': [1]} }}",
		"{% for k, v in x %}{% endfor %}",
		"{{ a.b.c }}",
		"{%- if -%}",
		"{{ [1,2][5] }}",
		"{{ '%s' % () }}",
		"{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
		"{{ range(5)|batch(0) }}",
		"{% raw %}{{ x }}",
		"{ {%- if 1 %}{% endif %}",
	} {
		f.Add(s)
	}
	ctx := SaltContext{
		Grains: map[string]any{"os": "Debian", "os_family": "Debian", "roles": []any{"web"}},
		Pillar: odict.From(map[string]any{"app": map[string]any{"port": 80, "list": []any{1, 2}}}),
	}
	f.Fuzz(func(t *testing.T, src string) {
		vars := SaltVars(ctx, "fuzz", "fuzz/init.sls", "base")
		// A render that hangs is caught by the fuzzer's own -timeout;
		// a clock here would only fail on a busy machine.
		_, err := Render("fuzz/init.sls", []byte(src), vars, Options{Loader: dirLoader("testdata/tree")})
		var pe panicError
		if errors.As(err, &pe) {
			t.Fatalf("Render panicked on %q: %v", src, err)
		}
	})
}
