package exec

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/engine"
	"github.com/brine-cm/brine/pkg/fileroot"
	"github.com/brine-cm/brine/pkg/sls"
)

// stateTree writes SLS files into the host's state tree.
func stateTree(t *testing.T, h *Host, files map[string]string) {
	t.Helper()
	dir := h.Files.(*fileroot.Source).Roots["base"][0]
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func resultIDs(t *testing.T, ret Return) []string {
	t.Helper()
	res, ok := ret.Value.([]engine.StateResult)
	if !ok {
		t.Fatalf("not a state run: %#v", ret.Value)
	}
	var ids []string
	for _, r := range res {
		ids = append(ids, r.ID)
	}
	sort.Strings(ids)
	return ids
}

func TestStateSLSIDAndShows(t *testing.T) {
	h := testHost(t)
	stateTree(t, h, map[string]string{
		"top.sls": "base:\n  '*':\n    - web\n    - db\n",
		"web.sls": "conf:\n  file.managed:\n    - name: /etc/web.conf\n    - contents: x\n" +
			"site:\n  file.managed:\n    - name: /etc/site\n    - contents: y\n    - require:\n      - file: conf\n" +
			"other:\n  file.managed:\n    - name: /etc/other\n    - contents: z\n",
		"db.sls": "dbconf:\n  file.managed:\n    - name: /etc/db.conf\n    - contents: d\n",
	})
	ret := callWords(t, h, "state.sls_id", "site", "web", "test=True")
	if got := resultIDs(t, ret); !reflect.DeepEqual(got, []string{"conf", "site"}) {
		t.Errorf("state.sls_id site web ran %v; want site and what it requires", got)
	}
	ret = callWords(t, h, "state.sls_id", "nope", "web")
	if ret.Retcode != RetError || !strings.Contains(strings.Join(toStrings(ret.Value), " "), "No matches for ID 'nope' found in SLS 'web'") {
		t.Errorf("state.sls_id nope = %#v", ret.Value)
	}
	ret = callWords(t, h, "state.show_states")
	if !reflect.DeepEqual(ret.Value, []string{"web", "db"}) {
		t.Errorf("state.show_states = %#v", ret.Value)
	}
	ret = callWords(t, h, "state.show_states", "sls=db")
	if !reflect.DeepEqual(ret.Value, []string{"db"}) {
		t.Errorf("state.show_states sls=db = %#v", ret.Value)
	}
	ret = callWords(t, h, "state.show_low_sls", "db")
	low, ok := ret.Value.(sls.Lowstate)
	if !ok || len(low) != 1 || low[0].ID != "dbconf" {
		t.Errorf("state.show_low_sls db = %#v", ret.Value)
	}
	// state.single takes the state's name by position, as Salt does.
	ret = callWords(t, h, "state.single", "file.managed", "/motd", "contents=hi")
	if got := resultIDs(t, ret); !reflect.DeepEqual(got, []string{"/motd"}) || ret.Retcode != 0 {
		t.Errorf("state.single positional name = %#v", ret.Value)
	}
	if b, err := os.ReadFile(filepath.Join(h.Root, "motd")); err != nil || string(b) != "hi\n" {
		t.Errorf("state.single wrote %q, %v", b, err)
	}
}

func toStrings(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []string:
		return t
	}
	var out []string
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Slice {
		for i := 0; i < rv.Len(); i++ {
			out = append(out, rv.Index(i).String())
		}
	}
	return out
}

// state.show_low_sls is Salt's compile_high_data over render_highstate's
// data: a `require_in` stays an argument of the state that wrote it and
// reaches no other, an extend is not merged and an excluded state is
// still there; state.show_lowstate (a run's chunks) has all of them done.
func TestShowLowSLSIsSalts(t *testing.T) {
	h := testHost(t)
	stateTree(t, h, map[string]string{
		"web.sls":  "include:\n  - base\nexclude:\n  - id: gone\napp:\n  test.nop:\n    - require_in:\n      - test: kept\nextend:\n  kept:\n    test:\n      - name: extended\n",
		"base.sls": "kept:\n  test.nop: []\ngone:\n  test.nop: []\n",
	})
	ret := callWords(t, h, "state.show_low_sls", "web")
	low, ok := ret.Value.(sls.Lowstate)
	if !ok || ret.Retcode != 0 {
		t.Fatalf("state.show_low_sls web = %#v", ret.Value)
	}
	got := map[string]sls.Chunk{}
	for _, c := range low {
		got[c.ID] = c
	}
	if len(got) != 3 || got["gone"].ID == "" {
		t.Errorf("show_low_sls IDs = %v; want app, kept and gone (excludes not applied)", low)
	}
	if got["kept"].Name != "kept" || len(got["kept"].Requisites) != 0 {
		t.Errorf("kept = %+v; want its own name and no require (no extend, no requisite_in)", got["kept"])
	}
	if ri, ok := got["app"].Args["require_in"]; !ok || len(ri.([]any)) != 1 {
		t.Errorf("app args = %v; want require_in kept as an argument", got["app"].Args)
	}
}
