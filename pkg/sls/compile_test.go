package sls

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func compileSLS(t testing.TB, files map[string]string, names ...string) []Chunk {
	t.Helper()
	c := writeTree(t, files)
	high, err := c.HighState(context.Background(), names)
	if err != nil {
		t.Fatalf("HighState: %v", err)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return chunks
}

// reqs prints a chunk's requisites as "kind:target,target".
func reqs(c Chunk) string {
	var parts []string
	for _, r := range c.Requisites {
		parts = append(parts, r.Kind+":"+strings.Join(r.Targets, ","))
	}
	return strings.Join(parts, " ")
}

func TestRequisiteKinds(t *testing.T) {
	const targets = "tgt:\n  pkg.installed:\n    - name: tgt-name\nother:\n  file.managed: []\n"
	tests := []struct {
		name, body string
		holder     string // ID of the chunk that must carry the requisite
		want       string
	}{
		{"require", "src:\n  cmd.run:\n    - require:\n      - pkg: tgt\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed"},
		{"require by name", "src:\n  cmd.run:\n    - require:\n      - pkg: tgt-name\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed"},
		{"require bare ID", "src:\n  cmd.run:\n    - require: [other]\n", "src", "require:file_|-other_|-other_|-managed"},
		{"require id:", "src:\n  cmd.run:\n    - require:\n      - id: tgt\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed"},
		{"onfail single mapping", "src:\n  cmd.run:\n    - onfail:\n        pkg: tgt\n", "src", "onfail:pkg_|-tgt_|-tgt-name_|-installed"},
		{"require sls", "src:\n  cmd.run:\n    - require:\n      - sls: lib\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed,file_|-other_|-other_|-managed"},
		{"require sls glob", "src:\n  cmd.run:\n    - require:\n      - sls: 'l*'\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed,file_|-other_|-other_|-managed"},
		{"require glob", "src:\n  cmd.run:\n    - require:\n      - pkg: 'tgt-*'\n", "src", "require:pkg_|-tgt_|-tgt-name_|-installed"},
		{"watch", "src:\n  service.running:\n    - watch:\n      - file: other\n", "src", "watch:file_|-other_|-other_|-managed"},
		{"onchanges", "src:\n  cmd.run:\n    - onchanges:\n      - file: other\n", "src", "onchanges:file_|-other_|-other_|-managed"},
		{"onfail", "src:\n  cmd.run:\n    - onfail:\n      - file: other\n", "src", "onfail:file_|-other_|-other_|-managed"},
		{"prereq", "src:\n  cmd.run:\n    - prereq:\n      - file: other\n", "src", "prereq:file_|-other_|-other_|-managed"},
		{"require_any", "src:\n  cmd.run:\n    - require_any:\n      - file: other\n      - pkg: tgt\n", "src",
			"require_any:file_|-other_|-other_|-managed require_any:pkg_|-tgt_|-tgt-name_|-installed"},
		{"watch_any", "src:\n  cmd.run:\n    - watch_any:\n      - file: other\n", "src", "watch_any:file_|-other_|-other_|-managed"},
		{"onchanges_any", "src:\n  cmd.run:\n    - onchanges_any:\n      - file: other\n", "src", "onchanges_any:file_|-other_|-other_|-managed"},
		{"onfail_any", "src:\n  cmd.run:\n    - onfail_any:\n      - file: other\n", "src", "onfail_any:file_|-other_|-other_|-managed"},
		{"onfail_all", "src:\n  cmd.run:\n    - onfail_all:\n      - file: other\n", "src", "onfail_all:file_|-other_|-other_|-managed"},
		{"listen", "src:\n  service.running:\n    - listen:\n      - file: other\n", "src", "listen:file_|-other_|-other_|-managed"},
		{"require_in", "src:\n  cmd.run:\n    - require_in:\n      - file: other\n", "other", "require:cmd_|-src_|-src_|-run"},
		{"watch_in", "src:\n  cmd.run:\n    - watch_in:\n      - file: other\n", "other", "watch:cmd_|-src_|-src_|-run"},
		{"onchanges_in", "src:\n  cmd.run:\n    - onchanges_in:\n      - file: other\n", "other", "onchanges:cmd_|-src_|-src_|-run"},
		{"onfail_in", "src:\n  cmd.run:\n    - onfail_in:\n      - file: other\n", "other", "onfail:cmd_|-src_|-src_|-run"},
		{"prereq_in", "src:\n  cmd.run:\n    - prereq_in:\n      - file: other\n", "other", "prereq:cmd_|-src_|-src_|-run"},
		{"listen_in", "src:\n  cmd.run:\n    - listen_in:\n      - file: other\n", "other", "listen:cmd_|-src_|-src_|-run"},
		// Salt's requisite_in leaves listen_in alone, and call_listen
		// reports a target that is not there at the end of the run: no
		// compile error, the holder keeps it, not found.
		{"listen_in to nothing", "src:\n  cmd.run:\n    - listen_in:\n      - service: nosuch\n", "src",
			"listen_in:(not found: main.sls:4: state 'src' has listen_in service: nosuch, which no state declares)"},
		{"require_in bare", "src:\n  cmd.run:\n    - require_in: [other]\n", "other", "require:cmd_|-src_|-src_|-run"},
		{"require_in sls", "src:\n  cmd.run:\n    - require_in:\n      - sls: lib\n", "other", "require:cmd_|-src_|-src_|-run"},
		{"require_in from names", "src:\n  cmd.run:\n    - names: [a, b]\n    - require_in:\n      - file: other\n", "other",
			"require:cmd_|-src_|-a_|-run require:cmd_|-src_|-b_|-run"},
		{"requisite in names override", "src:\n  cmd.run:\n    - names:\n      - a:\n        - require:\n          - file: other\n      - b\n", "src",
			"require:file_|-other_|-other_|-managed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := compileSLS(t, map[string]string{"lib.sls": targets, "main.sls": "include: [lib]\n" + tt.body}, "main")
			found := false
			for _, c := range chunks {
				if c.ID != tt.holder {
					if c.ID != "src" && len(withoutPrerequired(c.Requisites)) > 0 && tt.name != "require_in sls" {
						t.Errorf("%s has requisites %q; only %s should", c.Key(), reqs(c), tt.holder)
					}
					continue
				}
				if !found {
					found = true
					if got := reqs(c); got != tt.want {
						t.Errorf("%s requisites = %q; want %q", c.Key(), got, tt.want)
					}
				}
			}
			if !found {
				t.Fatalf("no chunk with ID %s", tt.holder)
			}
		})
	}
}

func TestOrder(t *testing.T) {
	tests := []struct {
		name, sls string
		want      string
	}{
		{"declaration", "b: {cmd.run: []}\na: {cmd.run: []}\nc: {cmd.run: []}\n", "b a c"},
		{"first and last", "a: {cmd.run: [{order: last}]}\nb: {cmd.run: []}\nc: {cmd.run: [{order: first}]}\n", "c b a"},
		{"numbers first", "a: {cmd.run: []}\nb: {cmd.run: [{order: 2}]}\nc: {cmd.run: [{order: 1}]}\n", "c b a"},
		{"number above the automatic ones", "a: {cmd.run: [{order: 20000}]}\nb: {cmd.run: []}\n", "b a"},
		{"negative before last", "a: {cmd.run: [{order: -1}]}\nb: {cmd.run: [{order: last}]}\nc: {cmd.run: []}\n", "c a b"},
		{"float", "a: {cmd.run: [{order: 1.5}]}\nb: {cmd.run: [{order: 1}]}\nc: {cmd.run: [{order: 2}]}\n", "b a c"},
		// Salt sorts equal orders by state, name and function.
		{"ties sort by state name function", "b: {cmd.run: [{order: 1}]}\na: {cmd.run: [{order: 1}]}\nc: {cmd.script: [{order: 1}]}\nd: {archive.extracted: [{order: 1}]}\n", "d a b c"},
		{"two lasts sort by name", "z: {cmd.run: [{order: last}]}\ny: {cmd.run: [{order: last}]}\n", "y z"},
		// names keep their order (name_order / 10000), even when sorting
		// by name would not.
		{"names keep their order", "n: {cmd.run: [{names: [zz, aa, mm]}, {order: 1}]}\nb: {cmd.run: [{order: 1}]}\n", "b zz aa mm"},
		{"unknown word goes after the numbers", "a: {cmd.run: [{order: soon}]}\nb: {cmd.run: [{order: 5}]}\n", "b a"},
		{"modules of one ID", "x:\n  pkg.installed: []\n  file.managed: []\n  service.running: [{order: 1}]\n", "x/service x/pkg x/file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := compileSLS(t, map[string]string{"o.sls": tt.sls}, "o")
			var got []string
			for i, c := range chunks {
				if c.Order != i {
					t.Errorf("chunk %d has Order %d", i, c.Order)
				}
				if strings.Contains(tt.want, "/") {
					got = append(got, c.ID+"/"+c.State)
				} else {
					got = append(got, c.Name) // the ID, but for names
				}
				if _, ok := c.Args["order"]; ok {
					t.Errorf("order stayed in Args of %s", c.ID)
				}
			}
			if g := strings.Join(got, " "); g != tt.want {
				t.Errorf("run order = %q; want %q", g, tt.want)
			}
		})
	}
}

func TestResolveRelative(t *testing.T) {
	tests := []struct {
		inc, sls string
		init     bool
		want     string
	}{
		{"x", "a.b", false, "x"},
		{".x", "a.b", false, "a.x"},
		{"..x", "a.b", false, "x"},
		{".x", "a.b", true, "a.b.x"},
		{"..x", "a.b", true, "a.x"},
		{"...x", "a.b", true, "x"},
		{".x.y", "a", false, "x.y"},
		{"..x", "a", false, ""},
		{".", "a.b", false, ""},
	}
	for _, tt := range tests {
		got, err := resolveRelative(tt.inc, tt.sls, tt.init)
		if (err != nil) != (tt.want == "") || got != tt.want {
			t.Errorf("resolveRelative(%q, %q, %v) = %q, %v; want %q", tt.inc, tt.sls, tt.init, got, err, tt.want)
		}
	}
}

func TestMarshalJSON(t *testing.T) {
	c := writeTree(t, map[string]string{"web.sls": "nginx:\n  pkg.installed:\n    - version: '1.2'\n  service.running:\n    - order: 1\n    - watch:\n      - pkg: nginx\n"})
	high, err := c.RenderSLS(context.Background(), "web")
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(high)
	if err != nil {
		t.Fatal(err)
	}
	// Salt appends the function of a `pkg.installed:` key after its
	// arguments (_handle_state_decls), then the automatic order.
	want := `{"nginx":{"pkg":[{"version":"1.2"},"installed",{"order":10000}],"service":[{"order":1},{"watch":[{"pkg":"nginx"}]},"running"],"__sls__":"web","__env__":"base"}}`
	if string(got) != want {
		t.Errorf("high JSON\n got %s\nwant %s", got, want)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatal(err)
	}
	got, err = json.Marshal(Lowstate(chunks))
	if err != nil {
		t.Fatal(err)
	}
	// order is Salt's order_chunks value, not the position.
	want = `[{"__id__":"nginx","__sls__":"web","__env__":"base","state":"service","fun":"running","name":"nginx","order":1,"watch":[{"pkg":"nginx"}]},` +
		`{"__id__":"nginx","__sls__":"web","__env__":"base","state":"pkg","fun":"installed","name":"nginx","order":10000,"version":"1.2"}]`
	if string(got) != want {
		t.Errorf("low JSON\n got %s\nwant %s", got, want)
	}
}

// Chunks from one `names` must not share argument maps: the engine may
// change one without touching the others.
func TestNamesDoNotShareArgs(t *testing.T) {
	chunks := compileSLS(t, map[string]string{"n.sls": "x:\n  pkg.installed:\n    - refresh: false\n    - names: [a, b]\n"}, "n")
	chunks[0].Args["refresh"] = true
	if chunks[1].Args["refresh"] != false {
		t.Fatal("names chunks share their Args map")
	}
}

func TestIncludeOtherEnv(t *testing.T) {
	chunks := compileSLS(t, map[string]string{
		"top.sls":         "include:\n  - dev: tools\n  - dev: [tools]\na:\n  pkg.installed: []\n",
		"_dev/tools.sls":  "tools:\n  pkg.installed: []\n",
		"tools.sls":       "wrong:\n  pkg.installed: []\n",
		"_dev/unused.sls": "",
	}, "top")
	if len(chunks) != 2 || chunks[0].ID != "tools" || chunks[0].Env != "dev" || chunks[1].Env != "base" {
		t.Fatalf("chunks = %+v", chunks)
	}
}

func TestHighAdd(t *testing.T) {
	h := NewHigh()
	if err := h.Add(&State{ID: "a", SLS: "x", Env: "base", Pos: Pos{File: "x.sls", Line: 1},
		Decls: []*Decl{{Module: "cmd", Fun: "run", Args: []Arg{{Key: "name", Value: "true"}}}}}); err != nil {
		t.Fatal(err)
	}
	err := h.Add(&State{ID: "a", SLS: "y", Pos: Pos{File: "y.sls", Line: 4}, Decls: []*Decl{{Module: "cmd", Fun: "run"}}})
	if err == nil || !strings.Contains(err.Error(), "y.sls:4: Detected conflicting IDs, SLS IDs need to be globally unique.\n    The conflicting ID is 'a' and is found in SLS 'base:x' and SLS ':y' (x.sls:1 and y.sls:4)") {
		t.Fatalf("duplicate Add: %v", err)
	}
	chunks, err := h.Compile()
	if err != nil || len(chunks) != 1 || chunks[0].Name != "true" || chunks[0].Func() != "cmd.run" {
		t.Fatalf("Compile = %+v, %v", chunks, err)
	}
}

// bigTree is an SLS tree of n states in n/50 files, each requiring the
// state before it, half of them across files.
func bigTree(n int) map[string]string {
	files := map[string]string{}
	per := 50
	var top strings.Builder
	top.WriteString("include:\n")
	for f := 0; f < n/per; f++ {
		fmt.Fprintf(&top, "  - big.f%d\n", f)
		var b strings.Builder
		for i := f * per; i < (f+1)*per; i++ {
			fmt.Fprintf(&b, "state-%d:\n  file.managed:\n    - name: /etc/big/%d.conf\n    - mode: 0644\n    - user: root\n    - contents: hello %d\n", i, i, i)
			if i > 0 {
				fmt.Fprintf(&b, "    - require:\n      - file: state-%d\n", i-1)
			}
			if i%10 == 0 {
				b.WriteString("    - order: 5\n")
			}
		}
		files[fmt.Sprintf("big/f%d.sls", f)] = b.String()
	}
	files["big/init.sls"] = top.String()
	return files
}

func bigHigh(t testing.TB, n int) *High {
	c := writeTree(t, bigTree(n))
	high, err := c.RenderSLS(context.Background(), "big")
	if err != nil {
		t.Fatal(err)
	}
	return high
}

func BenchmarkCompile1000(b *testing.B) {
	high := bigHigh(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := high.Compile(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRender1000(b *testing.B) {
	c := writeTree(b, bigTree(1000))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.RenderSLS(context.Background(), "big"); err != nil {
			b.Fatal(err)
		}
	}
}

// Empty lists and mappings mean "none"; nothing at all is refused, as
// Salt's render_state refuses it (TestErrors).
func TestEmptyListsMeanNone(t *testing.T) {
	chunks := compileSLS(t, map[string]string{"e.sls": "include: []\nexclude: []\nextend: {}\na:\n  cmd.run:\n    - require: []\n    - watch: []\n"}, "e")
	if len(chunks) != 1 || len(chunks[0].Requisites) != 0 {
		t.Fatalf("chunks = %+v", chunks)
	}
}

func TestEngineGlobalsStayInArgs(t *testing.T) {
	c := writeTree(t, map[string]string{"g.sls": "a:\n  cmd.run:\n    - failhard: true\n    - unless: test -e /x\n    - onlyif: [true]\n    - creates: /x\n    - order: 3\n    - name: echo\n"})
	chunks, err := c.LowState(context.Background(), []string{"g"})
	if err != nil {
		t.Fatal(err)
	}
	args := chunks[0].Args
	for _, k := range []string{"failhard", "unless", "onlyif", "creates"} {
		if _, ok := args[k]; !ok {
			t.Errorf("%s missing from Args %v", k, args)
		}
	}
	for _, k := range []string{"name", "order"} {
		if _, ok := args[k]; ok {
			t.Errorf("%s should not be in Args", k)
		}
	}
}

func TestTopRefPos(t *testing.T) {
	c := writeTree(t, map[string]string{"a.sls": ""})
	_, err := c.Compose(context.Background(), []Ref{{Name: "a"}, {Name: "gone", Pos: Pos{File: "top.sls", Line: 4}}})
	want := "top.sls:4: No matching sls found for 'gone' in env 'base'"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %v; want %q", err, want)
	}
}

// Files that include each other, or themselves, are each read once.
func TestIncludeLoops(t *testing.T) {
	chunks := compileSLS(t, map[string]string{
		"a.sls": "include: [b, a]\na1:\n  cmd.run: []\n",
		"b.sls": "include: [a]\nb1:\n  cmd.run: []\n",
	}, "a", "b", "a")
	var ids []string
	for _, c := range chunks {
		ids = append(ids, c.ID)
	}
	if got := strings.Join(ids, " "); got != "b1 a1" {
		t.Fatalf("chunks = %q; want \"b1 a1\"", got)
	}
}

// A `names` entry's arguments update its chunk, as Salt's
// compile_high_data does: a requisite there replaces the state's of its
// kind; an _in there binds nothing, as Salt's requisite_in never looks
// inside names.
func TestRequisitesInNamesEntries(t *testing.T) {
	chunks := compileSLS(t, map[string]string{"n.sls": "svc:\n  service.running: []\n" +
		"confs:\n  file.managed:\n    - names:\n      - /etc/a:\n        - watch_in:\n          - service: svc\n        - require:\n          - service: svc\n      - /etc/b\n" +
		"    - require:\n      - file: other\n    - onchanges:\n      - file: other\nother:\n  file.managed: []\n"}, "n")
	got := map[string]string{}
	for _, c := range chunks {
		got[c.Name] = reqs(c)
	}
	want := map[string]string{
		"svc":    "",
		"/etc/a": "onchanges:file_|-other_|-other_|-managed require:service_|-svc_|-svc_|-running",
		"/etc/b": "require:file_|-other_|-other_|-managed onchanges:file_|-other_|-other_|-managed",
		"other":  "",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s requisites = %q; want %q", name, got[name], w)
		}
	}
}

// Salt moves the `mod.fun:` keys of an ID after its `mod: [fun]` ones
// before it numbers them, so a mixed ID runs its plain ones first.
func TestMixedDeclOrder(t *testing.T) {
	chunks := compileSLS(t, map[string]string{"m.sls": "x:\n  service.running: []\n  pkg:\n    - installed\n  file.managed: []\n  cmd:\n    - run\ny:\n  file.managed: []\n  pkg.installed: []\n"}, "m")
	var got []string
	for _, c := range chunks {
		got = append(got, c.ID+"/"+c.State)
	}
	if g, want := strings.Join(got, " "), "x/pkg x/cmd x/service x/file y/file y/pkg"; g != want {
		t.Errorf("run order = %q; want %q", g, want)
	}
}

// Salt's verify_high (salt/state.py) refuses a require, watch, prereq or
// onchanges that is not a list: "The require statement in state 'B' in
// SLS 'x' needs to be formed as a list" (its issue #8235 test). A bare
// string, a single mapping and null are all refused, in extends too.
func TestRequisiteMustBeList(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"null", "a:\n  cmd.run:\n    - require:\n", "r.sls:3: The require statement in state 'a' in SLS 'r' needs to be formed as a list"},
		{"string", "a:\n  cmd.run:\n    - watch: b\nb:\n  cmd.run: []\n", "r.sls:3: The watch statement in state 'a' in SLS 'r' needs to be formed as a list"},
		{"mapping", "a:\n  cmd.run:\n    - onchanges:\n        cmd: b\nb:\n  cmd.run: []\n", "r.sls:3: The onchanges statement in state 'a' in SLS 'r' needs to be formed as a list"},
		{"prereq", "a:\n  cmd.run:\n    - prereq: b\nb:\n  cmd.run: []\n", "r.sls:3: The prereq statement in state 'a' in SLS 'r' needs to be formed as a list"},
		{"extend", "b:\n  cmd.run: []\nextend:\n  b:\n    cmd:\n      - require: x\n", "r.sls:6: The require statement in state 'b' in SLS 'r' needs to be formed as a list"},
	}
	for _, tt := range tests {
		c := writeTree(t, map[string]string{"r.sls": tt.src})
		_, err := c.LowState(context.Background(), []string{"r"})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v; want %q", tt.name, err, tt.want)
		}
	}
}

// TestLowstateSaltOrder: show_lowstate's order is the value Salt's
// order_chunks gives each chunk (salt/state.py): the automatic order from
// 10000, a names entry's place / 10000 added to it, last past the
// largest order (cap + 1000000), first 0, and an order as written.
func TestLowstateSaltOrder(t *testing.T) {
	c := writeTree(t, map[string]string{"low.sls": "a:\n  test.nop:\n    - names:\n      - n1\n      - n2\n" +
		"b:\n  test.nop:\n    - order: 5\nc:\n  test.nop:\n    - order: last\nd:\n  test.nop: []\n" +
		"e:\n  test.nop:\n    - order: first\nf:\n  test.nop:\n    - order: 2.5\n"})
	high, err := c.RenderSLS(context.Background(), "low")
	if err != nil {
		t.Fatal(err)
	}
	chunks, err := high.Compile()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	var names []string
	for _, ch := range chunks {
		got[ch.Name] = ch.SaltOrder
		names = append(names, ch.Name)
	}
	want := map[string]any{"e": 0, "f": 2.5, "b": 5, "n1": 10000.0001, "n2": 10000.0002, "d": 10001, "c": 1010100}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("orders = %v; want %v", got, want)
	}
	if strings.Join(names, " ") != "e f b n1 n2 d c" {
		t.Errorf("run order = %v", names)
	}
}

// Globs in include and in the names asked for match the environment's
// SLS names with fnmatch, as Salt's render_state and render_highstate
// do: web.sub.* is web.sub.a and web.sub.b, not web.sub itself.
func TestGlobIncludesAndNames(t *testing.T) {
	files := map[string]string{
		"g.sls":              "include: ['web.sub.*']\ng:\n  cmd.run: []\n",
		"web/sub/init.sls":   "sub:\n  cmd.run: []\n",
		"web/sub/a.sls":      "a:\n  cmd.run: []\n",
		"web/sub/b/init.sls": "b:\n  cmd.run: []\n",
		"app/x.sls":          "x:\n  cmd.run: []\n",
		"app/y.sls":          "y:\n  cmd.run: []\n",
	}
	ids := func(chunks []Chunk) string {
		var out []string
		for _, c := range chunks {
			out = append(out, c.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(compileSLS(t, files, "g")); got != "a b g" {
		t.Errorf("include web.sub.* = %q; want \"a b g\"", got)
	}
	if got := ids(compileSLS(t, files, "app.*")); got != "x y" {
		t.Errorf("app.* = %q; want \"x y\"", got)
	}
	c := writeTree(t, files)
	if _, err := c.HighState(context.Background(), []string{"nothing.*"}); err == nil || !strings.Contains(err.Error(), "No matching sls found for 'nothing.*'") {
		t.Errorf("a glob that matches nothing: %v", err)
	}
}

func withoutPrerequired(rs []Requisite) []Requisite {
	var out []Requisite
	for _, r := range rs {
		if r.Kind != "prerequired" {
			out = append(out, r)
		}
	}
	return out
}

// TestPrerequired is Salt's requisite_in for prereq: the target of a
// prereq (written, or turned around from prereq_in) gets a prerequired
// naming the state that holds the prereq, as show_lowstate shows.
func TestPrerequired(t *testing.T) {
	for name, body := range map[string]string{
		"prereq":    "src:\n  cmd.run:\n    - prereq:\n      - file: other\n",
		"prereq_in": "other:\n  file.managed:\n    - prereq_in:\n      - cmd: src\n",
	} {
		chunks := compileSLS(t, map[string]string{"main.sls": body + map[string]string{
			"prereq":    "other:\n  file.managed: []\n",
			"prereq_in": "src:\n  cmd.run: []\n",
		}[name]}, "main")
		for _, c := range chunks {
			var pr []string
			for _, r := range c.Requisites {
				if r.Kind == "prerequired" {
					pr = append(pr, r.Module+": "+r.Ref+" -> "+strings.Join(r.Targets, ","))
				}
			}
			want := ""
			if c.ID == "other" {
				want = "cmd: src -> cmd_|-src_|-src_|-run"
			}
			if got := strings.Join(pr, " "); got != want {
				t.Errorf("%s: %s prerequired %q; want %q", name, c.ID, got, want)
			}
		}
	}
}

// TestNameNotAString is Salt's compile_high_data: a name that is not a
// string after YAML (a number, a boolean, null, a list) is taken for no
// name, and the state's name is its ID.
func TestNameNotAString(t *testing.T) {
	tests := []struct{ value, want string }{
		{"42", "A"},
		{"'42'", "42"},
		{"yes", "A"},
		{"~", "A"},
		{"1.5", "A"},
		{"[a, b]", "A"},
		{"/etc/motd", "/etc/motd"},
	}
	for _, tc := range tests {
		chunks := compileSLS(t, map[string]string{"x.sls": "A:\n  test.nop:\n    - name: " + tc.value + "\n"}, "x")
		if len(chunks) != 1 || chunks[0].Name != tc.want {
			t.Errorf("name: %s gave %v; want the name %q", tc.value, chunks, tc.want)
		}
	}
}

// TestRequisiteMatchesItself is Salt's check_requisite, which matches
// every chunk, the state itself included: `- sls:` of its own SLS or a
// glob that matches it names it too (the run then reports the loop).
func TestRequisiteMatchesItself(t *testing.T) {
	chunks := compileSLS(t, map[string]string{"m.sls": "a:\n  test.nop: []\n" +
		"b:\n  test.nop:\n    - require:\n      - sls: m\n" +
		"nginx-conf:\n  test.nop:\n    - require:\n      - test: 'nginx*'\n"}, "m")
	got := map[string]string{}
	for _, c := range chunks {
		got[c.ID] = reqs(c)
	}
	if w := "require:test_|-a_|-a_|-nop,test_|-b_|-b_|-nop,test_|-nginx-conf_|-nginx-conf_|-nop"; got["b"] != w {
		t.Errorf("b requisites = %q; want %q", got["b"], w)
	}
	if w := "require:test_|-nginx-conf_|-nginx-conf_|-nop"; got["nginx-conf"] != w {
		t.Errorf("nginx-conf requisites = %q; want %q", got["nginx-conf"], w)
	}
}
