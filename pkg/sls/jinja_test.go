package sls

import (
	"context"
	"strings"
	"testing"
)

// The real renderer, end to end: loops, globals from Vars, per-file names,
// imports through the tree, and YAML errors pointing at rendered lines.
func TestWithJinja(t *testing.T) {
	c := writeTree(t, map[string]string{
		"web/init.sls": `{% from tpldir ~ "/map.jinja" import web with context %}
{% set pkgs = ['nginx', 'curl'] %}
{% for p in pkgs %}
{{ p }}:
  pkg.installed: []
{% endfor %}
conf:
  file.managed:
    - name: /etc/{{ grains['os'] }}/{{ sls }}.conf
    - mode: 0644
    - port: {{ web.port }}
    - require:
{%- for p in pkgs %}
      - pkg: {{ p }}
{%- endfor %}
`,
		"web/map.jinja": "{% set web = {'port': 8080} %}\n",
		"dup.sls":       "{% for i in [1, 2] %}\nsame:\n  cmd.run: []\n{% endfor %}\n",
	})
	c.Vars = func(sls, tpl string) map[string]any {
		return map[string]any{"grains": map[string]any{"os": "Debian"}}
	}
	high, err := c.RenderSLS(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ch := range chunks {
		got = append(got, ch.Key()+" "+reqs(ch))
	}
	want := []string{
		"pkg_|-nginx_|-nginx_|-installed ",
		"pkg_|-curl_|-curl_|-installed ",
		"file_|-conf_|-/etc/Debian/web.conf_|-managed require:pkg_|-nginx_|-nginx_|-installed require:pkg_|-curl_|-curl_|-installed",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("chunks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Salt's loader drops the leading zero: the digits stay, as an int.
	if m := chunks[2].Args["mode"]; m != 644 {
		t.Errorf("mode = %#v; want 644, as Salt reads 0644", m)
	}
	if p := chunks[2].Args["port"]; p != 8080 {
		t.Errorf("port = %#v; want 8080 from map.jinja", p)
	}
	if !strings.HasSuffix(chunks[2].Source, " (rendered)") {
		t.Errorf("Source = %q; want it marked as a rendered line", chunks[2].Source)
	}

	_, err = c.RenderSLS(context.Background(), "dup")
	if err == nil || !strings.Contains(err.Error(), "dup.sls:") || !strings.Contains(err.Error(), "(rendered): duplicate key 'same'") ||
		!strings.Contains(err.Error(), "| same:") {
		t.Errorf("error = %v; want a duplicate key on a rendered line of dup.sls", err)
	}
}
