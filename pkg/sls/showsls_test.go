package sls

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
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
	// __extend__ first (render_highstate creates it as it merges web,
	// before web's IDs), then web's own ID, then what its include
	// rendered (render_state update()s it into the file's own).
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
	// An extend of an ID no file declares: Salt's show_sls does not
	// reconcile extends, so it shows the extend; a run refuses it.
	c = writeTree(t, map[string]string{"bad.sls": "extend:\n  nope:\n    file:\n      - mode: 600\n"})
	shown, err = c.ShowSLS(ctx, []Ref{{Name: "bad"}})
	if err != nil {
		t.Fatalf("ShowSLS refused an extend of a missing ID: %v", err)
	}
	if got, _ := json.Marshal(shown); string(got) != `{"__extend__":[{"nope":{"file":[{"mode":600}],"__sls__":"bad","__env__":"base"}}]}` {
		t.Errorf("show_sls = %s", got)
	}
	if _, err := c.Compose(ctx, []Ref{{Name: "bad"}}); err == nil {
		t.Error("Compose accepted an extend of a missing ID")
	}
}

// Salt's show_sls does not apply exclude: the excluded states are shown,
// and the exclude: items as written under __exclude__, which
// render_highstate creates ahead of the IDs of the SLS that has them
// (its own items, then its includes'); a run drops the states.
func TestShowSLSKeepsExclude(t *testing.T) {
	c := writeTree(t, map[string]string{
		"a.sls": "include:\n  - b\nexclude:\n  - id: b1\n  - c\na1:\n  test.nop: []\n",
		"b.sls": "exclude:\n  - sls: d\nb1:\n  test.nop: []\nb2:\n  test.nop: []\n",
	})
	ctx := context.Background()
	shown, err := c.ShowSLS(ctx, []Ref{{Name: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"__exclude__":[{"id":"b1"},"c",{"sls":"d"}],` +
		`"a1":{"test":["nop",{"order":10002}],"__sls__":"a","__env__":"base"},` +
		`"b1":{"test":["nop",{"order":10000}],"__sls__":"b","__env__":"base"},` +
		`"b2":{"test":["nop",{"order":10001}],"__sls__":"b","__env__":"base"}}`
	if string(got) != want {
		t.Errorf("show_sls =\n%s\nwant\n%s", got, want)
	}
	run, err := c.Compose(ctx, []Ref{{Name: "a"}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Lookup("b1") != nil || run.Lookup("b2") == nil {
		t.Errorf("Compose did not apply the exclude: %v", run.States)
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

// show_sls and show_highstate print the high data in Salt's dict order:
// render_state keeps a file's own IDs first and update()s in the states
// of each include after them, depth first, each file where it is first
// read (a file a later include names again adds nothing there); the top's
// SLS follow one another the same way (render_highstate). The automatic
// order numbers stay as before: included files are numbered first.
func TestShowSLSOrderIsSalts(t *testing.T) {
	c := writeTree(t, map[string]string{
		"app/init.sls":    "include:\n  - app.pkg\n  - common\napp-conf:\n  test.nop: []\napp-svc:\n  test.nop: []\n",
		"app/pkg.sls":     "include:\n  - common\napp-pkg:\n  test.nop: []\n",
		"common.sls":      "common-a:\n  test.nop: []\ncommon-b:\n  test.nop: []\n",
		"other.sls":       "include:\n  - common\nother:\n  test.nop: []\n",
		"lonely/init.sls": "lonely:\n  test.nop: []\n",
	})
	shown, err := c.ShowSLS(context.Background(), []Ref{{Name: "app"}, {Name: "other"}, {Name: "lonely"}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	orders := map[string]any{}
	for _, s := range shown.States {
		ids = append(ids, s.ID)
		orders[s.ID] = s.Decls[0].AutoOrder
	}
	want := []string{"app-conf", "app-svc", "app-pkg", "common-a", "common-b", "other", "lonely"}
	if fmt.Sprint(ids) != fmt.Sprint(want) {
		t.Errorf("show_sls IDs = %v; want %v", ids, want)
	}
	// Numbering: common (read first, by app.pkg), app.pkg, app, other, lonely.
	wantOrder := map[string]any{"common-a": 10000, "common-b": 10001, "app-pkg": 10002, "app-conf": 10003, "app-svc": 10004, "other": 10005, "lonely": 10006}
	if fmt.Sprint(orders) != fmt.Sprint(wantOrder) {
		t.Errorf("orders = %v; want %v", orders, wantOrder)
	}
}

// __extend__ stands where render_highstate creates it: when it merges
// the first SLS named whose files extend something, after the IDs of the
// SLS merged before it.
func TestShowSLSExtendPlace(t *testing.T) {
	c := writeTree(t, map[string]string{
		"plain.sls": "p:\n  test.nop: []\n",
		"site.sls":  "include:\n  - deep\ns:\n  test.nop: []\n",
		"deep.sls":  "d:\n  test.nop: []\nextend:\n  p:\n    test:\n      - name: x\n",
	})
	shown, err := c.ShowSLS(context.Background(), []Ref{{Name: "plain"}, {Name: "site"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(shown)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	dec := json.NewDecoder(strings.NewReader(string(got)))
	dec.Token() // {
	for dec.More() {
		k, _ := dec.Token()
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	if want := "[p __extend__ s d]"; fmt.Sprint(keys) != want {
		t.Errorf("show_sls keys = %v; want %s", keys, want)
	}
}
