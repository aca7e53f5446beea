package jinja

import (
	"fmt"
	"github.com/brine-cm/brine/pkg/odict"
	"os"
	"testing"
)

const smallTemplate = `{%- set pkgs = ['vim', 'git', 'curl'] %}
{%- for p in pkgs %}
pkg_{{ p }}:
  pkg.installed:
    - name: {{ p }}
{%- if grains.os_family == 'Debian' %}
    - refresh: {{ pillar.get('refresh', False) }}
{%- endif %}
{%- endfor %}
`

func benchVars() map[string]any {
	return SaltVars(SaltContext{
		Grains: map[string]any{"os": "Debian", "os_family": "Debian", "osmajorrelease": 12},
		Pillar: odict.From(map[string]any{"refresh": true}),
	}, "base.pkgs", "base/pkgs.sls", "base")
}

// BenchmarkRenderSmall is the steady state of a state tree render: the
// template is compiled once and rendered again and again.
func BenchmarkRenderSmall(b *testing.B) {
	vars := benchVars()
	src := []byte(smallTemplate)
	for b.Loop() {
		if _, err := Render("base/pkgs.sls", src, vars, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileSmall measures translation plus pongo2 parsing, by
// making every source unique so the cache never hits.
func BenchmarkCompileSmall(b *testing.B) {
	vars := benchVars()
	i := 0
	for b.Loop() {
		i++
		src := []byte(fmt.Sprintf("# %d\n%s", i, smallTemplate))
		if _, err := Render("base/pkgs.sls", src, vars, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderFormula(b *testing.B) {
	src, err := os.ReadFile("testdata/formula_nginx.sls")
	if err != nil {
		b.Fatal(err)
	}
	vars := SaltVars(SaltContext{
		Grains: map[string]any{"os": "Debian", "os_family": "Debian", "osmajorrelease": 12},
		Pillar: odict.From(map[string]any{"nginx": map[string]any{"sites": map[string]any{"a": map[string]any{"port": 80}}}}),
	}, "nginx", "nginx/init.sls", "base")
	for b.Loop() {
		if _, err := Render("nginx/init.sls", src, vars, Options{Loader: dirLoader("testdata/tree")}); err != nil {
			b.Fatal(err)
		}
	}
}
