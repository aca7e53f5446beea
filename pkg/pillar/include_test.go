package pillar

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/top"
)

// Salt's pillar include forms (salt/pillar/__init__.py render_pstate): a
// name, a glob over the environment's pillar SLS names, and
// `- name: {defaults: {...}, key: a:b}`, whose file is rendered with the
// defaults as variables and whose data goes under the key. The including
// file's own data is merged last.
func TestIncludeForms(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"top.sls":            "base:\n  '*':\n    - site\n",
		"site.sls":           "include:\n  - users.*\n  - app:\n      defaults: {port: 8080, name: shop}\n      key: services:web\n  - .common\nowner: site\n",
		"users/alice.sls":    "users:\n  alice: {uid: 1000}\n",
		"users/bob/init.sls": "users:\n  bob: {uid: 1001}\n",
		"app.sls":            "listen: {{ port }}\nname: {{ name }}\nowner: app\n",
		"common.sls":         "owner: common\nshared: true\n",
	})
	c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
	got, err := c.Compile(context.Background(), top.Minion{ID: "m1"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"users":{"alice":{"uid":1000},"bob":{"uid":1001}},"services":{"web":{"listen":8080,"name":"shop","owner":"app"}},"owner":"site","shared":true}`
	if string(b) != want {
		t.Errorf("pillar =\n%s\nwant\n%s", b, want)
	}

	for body, msg := range map[string]string{
		"include: common\n":                  "Include Declaration in SLS 'bad' is not formed as a list",
		"include:\n  - common: [1]\n":        "want {defaults: …, key: …}",
		"include:\n  - common: {key: [1]}\n": "key: want a string",
	} {
		dir := writeTree(t, map[string]string{"top.sls": "base:\n  '*':\n    - bad\n", "bad.sls": body, "common.sls": "x: 1\n"})
		c := &Compiler{Files: &fileroot.Source{Roots: fileroot.Roots{"base": {dir}}, Env: "base"}}
		if _, err := c.Compile(context.Background(), top.Minion{ID: "m1"}); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v; want one saying %q", body, err, msg)
		}
	}
}
