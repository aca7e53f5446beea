package sls

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// Salt's state.show_sls renders without reconcile_extend: each file's
// extend: block stays under __extend__ and its target is shown as
// declared. Compose (what runs) merges it, as before.
func TestShowSLSKeepsExtend(t *testing.T) {
	c := writeTree(t, map[string]string{
		"web.sls": "include:\n  - base\nextend:\n  nginx:\n    service.running:\n      - watch:\n        - file: conf\n" +
			"conf:\n  file.managed:\n    - name: /etc/nginx.conf\n",
		"base.sls": "nginx:\n  service.running:\n    - enable: true\n",
	})
	ctx := context.Background()
	shown, err := c.ShowSLS(ctx, []Ref{{Name: "web"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	// __extend__ first: render_highstate's setdefault puts it in the
	// empty high data before the file's states are merged.
	want := `{"__extend__":[{"nginx":{"service":[{"watch":[{"file":"conf"}]},"running"],"__sls__":"web","__env__":"base"}}],` +
		`"conf":{"file":[{"name":"/etc/nginx.conf"},"managed",{"order":10001}],"__sls__":"web","__env__":"base"},` +
		`"nginx":{"service":[{"enable":true},"running",{"order":10000}],"__sls__":"base","__env__":"base"}}`
	if string(got) != want {
		t.Errorf("show_sls =\n%s\nwant\n%s", got, want)
	}
	merged, err := c.Compose(ctx, []Ref{{Name: "web"}})
	if err != nil {
		t.Fatal(err)
	}
	if w, _ := merged.Lookup("nginx").Decls[0].Arg("watch"); w == nil {
		t.Errorf("Compose did not merge the extend: %v", merged.Lookup("nginx").Decls[0].Args)
	}
	if b, _ := json.Marshal(merged); json.Valid(b) && containsKey(b, "__extend__") {
		t.Errorf("Compose shows __extend__: %s", b)
	}
	// An extend of an ID no file declares fails the run, not show_sls:
	// Salt's show_sls never calls reconcile_extend.
	c = writeTree(t, map[string]string{"bad.sls": "extend:\n  nope:\n    file:\n      - mode: 600\n"})
	if _, err := c.ShowSLS(ctx, []Ref{{Name: "bad"}}); err != nil {
		t.Errorf("ShowSLS of an extend of a missing ID = %v; want the high data, as Salt's", err)
	}
	if _, err := c.Compose(ctx, []Ref{{Name: "bad"}}); err == nil {
		t.Error("Compose accepted an extend of a missing ID")
	}
}

// Salt's render_state merges each included file after the including
// file's own IDs (state.update), depth first, a file rendered once; the
// run order (order: N) is the other way, includes first. show_sls and
// show_highstate show exclude: entries under __exclude__ and exclude
// nothing; __extend__ and __exclude__ stand where render_highstate's
// setdefault put them: before the first top-level file holding one.
func TestShowSLSOrder(t *testing.T) {
	c := writeTree(t, map[string]string{
		"top1.sls": "one:\n  test.nop: []\n",
		"a.sls":    "include:\n  - b\n  - c\na1:\n  test.nop: []\na2:\n  test.nop: []\nexclude:\n  - c\n  - id: b1\n",
		"b.sls":    "include:\n  - c\nb1:\n  test.nop: []\nextend:\n  c1:\n    test:\n      - name: x\n",
		"c.sls":    "c1:\n  test.nop: []\n",
	})
	ctx := context.Background()
	shown, err := c.ShowSLS(ctx, []Ref{{Name: "top1"}, {Name: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	var orders []string
	m := shown.value()
	for k, v := range m.All() {
		keys = append(keys, k)
		if body, ok := v.(*odict.Map); ok {
			list, _ := body.Get("test")
			l, _ := list.([]any)
			if len(l) > 0 {
				b, _ := json.Marshal(l[len(l)-1])
				orders = append(orders, k+"="+string(b))
			}
		}
	}
	if got, want := strings.Join(keys, " "), "one __extend__ __exclude__ a1 a2 b1 c1"; got != want {
		t.Errorf("show_sls keys = %s; want %s", got, want)
	}
	// The run order is unchanged: c1 before b1 before a's own.
	if got, want := strings.Join(orders, " "), `one={"order":10000} a1={"order":10003} a2={"order":10004} b1={"order":10002} c1={"order":10001}`; got != want {
		t.Errorf("orders = %s; want %s", got, want)
	}
	ex, _ := m.Get("__exclude__")
	if b, _ := json.Marshal(ex); string(b) != `["c",{"id":"b1"}]` {
		t.Errorf("__exclude__ = %s", b)
	}
	// What runs is excluded as before.
	high, err := c.Compose(ctx, []Ref{{Name: "top1"}, {Name: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range high.States {
		ids = append(ids, s.ID)
	}
	if got := strings.Join(ids, " "); got != "one a1 a2" {
		t.Errorf("Compose states = %s; want one a1 a2", got)
	}
}

func containsKey(b []byte, k string) bool {
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return false
	}
	_, ok := m[k]
	return ok
}

// Salt's render_highstate ends with clean_duplicate_extends: __extend__
// holds one {ID: body} mapping per extended ID, whichever file extended
// it, and high data without an extend has no __extend__ key at all.
func TestShowSLSExtendShape(t *testing.T) {
	c := writeTree(t, map[string]string{
		"site.sls": "include:\n  - pkgs\nextend:\n  curl:\n    pkg:\n      - refresh: true\n  wget:\n    pkg:\n      - refresh: false\n",
		"pkgs.sls": "curl:\n  pkg.installed: []\nwget:\n  pkg.installed: []\n",
	})
	ctx := context.Background()
	shown, err := c.ShowSLS(ctx, []Ref{{Name: "site"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"__extend__":[{"curl":{"pkg":[{"refresh":true}],"__sls__":"site","__env__":"base"}},` +
		`{"wget":{"pkg":[{"refresh":false}],"__sls__":"site","__env__":"base"}}],` +
		`"curl":{"pkg":["installed",{"order":10000}],"__sls__":"pkgs","__env__":"base"},` +
		`"wget":{"pkg":["installed",{"order":10001}],"__sls__":"pkgs","__env__":"base"}}`
	if string(got) != want {
		t.Errorf("show_sls =\n%s\nwant\n%s", got, want)
	}
	shown, err = c.ShowSLS(ctx, []Ref{{Name: "pkgs"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(shown); containsKey(got, "__extend__") {
		t.Errorf("show_sls without an extend shows __extend__: %s", got)
	}
}
