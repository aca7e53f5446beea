package sls

import (
	"context"
	"github.com/brine-cm/brine/pkg/odict"
	"math"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
	"github.com/brine-cm/brine/states"
)

func decodeOne(t *testing.T, src string) (any, error) {
	t.Helper()
	root, err := parseYAML([]byte(src), Pos{File: "t.sls"}, true)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return nil, nil
	}
	d := &decoder{pos: Pos{File: "t.sls"}}
	return d.value(root, 0)
}

func TestDecodeScalars(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		// Salt's loader drops leading zeros (construct_scalar): 0644 is 644.
		{"v: 0644", 644},
		{"v: 0755", 755},
		{"v: 00", 0},
		{"v: -0644", -420}, // signed: PyYAML's octal
		{"v: 0o644", "0o644"},
		{"v: 644", 644},
		{"v: 0", 0},
		{"v: -12", -12},
		{"v: 0x1F", 31},
		{"v: 1_000", 1000},
		{"v: '0644'", "0644"},
		{"v: !!str 0644", "0644"},
		// PyYAML (YAML 1.1) booleans.
		{"v: yes", true},
		{"v: no", false},
		{"v: on", true},
		{"v: off", false},
		{"v: No", false},
		{"v: [yes, off]", []any{true, false}},
		{"v: y", "y"},
		{"v: true", true},
		{"v: True", true},
		{"v: FALSE", false},
		{"v: 1.5", 1.5},
		// PyYAML's floats need a dot and a signed exponent.
		{"v: 1e3", "1e3"},
		{"v: 1.5e+3", 1500.0},
		{"v: 08", "08"},
		{"v: 1:30", 90}, // base 60, as PyYAML reads times
		{"v: '1:30'", "1:30"},
		{"v: .inf", math.Inf(1)},
		{"v: -.Inf", math.Inf(-1)},
		{"v: ~", nil},
		{"v: null", nil},
		{"v:", nil},
		{"v: 2024-01-02", "2024-01-02"},
		{"v: 18446744073709551615", uint64(18446744073709551615)},
		{"v: 99999999999999999999999", bigInt("99999999999999999999999")}, // exact, as Python's int
		{"v: !!str 12", "12"},
		{"v: !!python/unicode x", "x"},
		{"v: 'yes'", "yes"},
		{"v: |\n  a\n  b\n", "a\nb\n"},
	}
	for _, tt := range tests {
		got, err := decodeOne(t, tt.src)
		if err != nil {
			t.Errorf("decode(%q): %v", tt.src, err)
			continue
		}
		v := got.(map[string]any)["v"]
		if !reflect.DeepEqual(v, tt.want) {
			t.Errorf("decode(%q) = %#v (%T); want %#v (%T)", tt.src, v, v, tt.want, tt.want)
		}
	}
}

// Values must read back through states.Args the way Salt means them.
func TestDecodedValuesThroughArgs(t *testing.T) {
	got, err := decodeOne(t, "mode: 0644\nmode2: 755\nmode3: '0600'\nb1: yes\nb2: off\nb3: True\nn: 3\n")
	if err != nil {
		t.Fatal(err)
	}
	args := states.NewArgs(got.(map[string]any))
	for key, want := range map[string]uint32{"mode": 0o644, "mode2": 0o755, "mode3": 0o600} {
		if m, ok := args.Mode(key); !ok || uint32(m) != want {
			t.Errorf("Mode(%s) = %o, %v; want %o", key, m, ok, want)
		}
	}
	if !args.Bool("b1", false) || args.Bool("b2", true) || !args.Bool("b3", false) || args.Int("n", 0) != 3 {
		t.Errorf("bools/ints read wrong")
	}
	if err := args.Err(); err != nil {
		t.Fatal(err)
	}
}

func TestDecodeStructures(t *testing.T) {
	tests := []struct {
		src  string
		want any
	}{
		{"a: [1, x]", map[string]any{"a": []any{1, "x"}}},
		{"base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n", map[string]any{
			"base": map[string]any{"x": 1, "y": 2}, "c": map[string]any{"x": 1, "y": 3}}},
		{"p: &p {x: 1}\nq: &q {z: 2}\nc:\n  <<: [*p, *q]\n", map[string]any{
			"p": map[string]any{"x": 1}, "q": map[string]any{"z": 2}, "c": map[string]any{"x": 1, "z": 2}}},
		{"l: &l [1, 2]\nm: *l\n", map[string]any{"l": []any{1, 2}, "m": []any{1, 2}}},
		{"80: x\n0644: y\n", map[string]any{"80": "x", "0644": "y"}},
		{"", nil},
		{"# only a comment\n", nil},
	}
	for _, tt := range tests {
		got, err := decodeOne(t, tt.src)
		if err != nil {
			t.Errorf("decode(%q): %v", tt.src, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("decode(%q) = %#v; want %#v", tt.src, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"a: 1\nb: 2\na: 3\n", "t.sls:3: duplicate key 'a' (first at line 1)"},
		{"a:\n  x: 1\n  y: 2\n  x: 3\n", "t.sls:4: duplicate key 'x' (first at line 2)"},
		{"a:\n  b: 1\n c: 2\n", "t.sls:3: YAML: "},
		{"a: [1, 2\n", "t.sls:1: YAML: "},
		{"a: b: c\n", "t.sls:1: YAML: mapping values are not allowed"},
		{"a: *nope\n", "t.sls:1: YAML: unknown anchor 'nope'"},
		{"? [a, b]\n: 1\n", "t.sls:1: a mapping key must be a plain value, got a list"},
		{"a: &a [*a]\n", "nested deeper than"},
		// Salt's SafeLoader constructs no other tag.
		{"v: !custom thing\n", "t.sls:1: YAML: could not determine a constructor for the tag '!custom'"},
		{"a: 1\nv: !!python/object:os.system x\n", "t.sls:2: YAML: could not determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"},
		{"v:\n  - !aggregate [1]\n", "t.sls:2: YAML: could not determine a constructor for the tag '!aggregate'"},
		// Salt's flatten_mapping drops only the merged keys the mapping
		// writes itself; two merge sources sharing a key leave it twice,
		// which construct_mapping refuses ("found conflicting ID").
		{"a: &a {u: 1, g: 2}\nb: &b {g: 3}\nc: {<<: [*a, *b]}\n", "t.sls:3: duplicate key 'g' merged in with << (from lines 2 and 1)"},
		{"a: &a {u: 1}\nc:\n  <<: *a\n  x: 1\n  <<: {u: 2}\n", "t.sls:3: duplicate key 'u' merged in with << (from lines 1 and 5)"},
		{"a: &a {u: 1}\nc: {<<: [*a, 3]}\n", "t.sls:2: expected a mapping for merging, but found the value 3"},
		{"c: {<<: 3}\n", "t.sls:1: expected a mapping or list of mappings for merging, but found the value 3"},
	}
	for _, tt := range tests {
		_, err := decodeOne(t, tt.src)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decode(%q) error = %v; want it to contain %q", tt.src, err, tt.want)
		}
	}
}

// An alias bomb must stop at the node budget, not eat the memory.
func TestDecodeAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	_, err := decodeOne(t, b.String())
	if err == nil || !strings.Contains(err.Error(), "alias bomb") {
		t.Fatalf("error = %v; want the node budget to stop it", err)
	}
}

// fakeJinja stands in for the Jinja renderer in unit tests: it records its
// inputs and returns the source with "{{ x }}" lines replaced by the
// value of x, and "{% drop %}" lines removed, so that rendered lines move.
type fakeJinja struct {
	calls []string
	vars  map[string]any
}

func (f *fakeJinja) render(name string, src []byte, vars map[string]any, opts jinja.Options) (string, error) {
	f.calls = append(f.calls, name)
	f.vars = vars
	var out []string
	for _, line := range strings.SplitAfter(string(src), "\n") {
		switch {
		case strings.Contains(line, "{% drop %}"), strings.HasPrefix(line, "{#"):
			continue
		case strings.Contains(line, "{% include_file %}"):
			b, err := opts.Loader.Load("lib/part.txt")
			if err != nil {
				return "", &jinja.Error{File: name, Line: 1, Err: err}
			}
			line = string(b)
		case strings.Contains(line, "{% fail %}"):
			return "", &jinja.Error{File: name, Line: 7, Err: errString("boom")}
		}
		for k, v := range vars {
			if s, ok := v.(string); ok {
				line = strings.ReplaceAll(line, "{{ "+k+" }}", s)
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, ""), nil
}

type errString string

func (e errString) Error() string { return string(e) }

func TestRenderedLinesAreMarked(t *testing.T) {
	c := writeTree(t, map[string]string{"web/init.sls": "{% drop %}\n{% drop %}\nnginx:\n  pkg.installed: []\nnginx:\n  pkg.removed: []\n"})
	f := &fakeJinja{}
	c.jinja = f.render
	_, err := c.RenderSLS(context.Background(), "web")
	want := "web/init.sls:3 (rendered): duplicate key 'nginx' (first at line 1)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v; want %q", err, want)
	}
	c = writeTree(t, map[string]string{"web/init.sls": "{% drop %}\nnginx:\n  pkg.installed:\n    - a: 1\n   - b: 2\n"})
	c.jinja = f.render
	_, err = c.RenderSLS(context.Background(), "web")
	for _, want := range []string{"web/init.sls:4 (rendered): YAML: did not find expected key", "\n    4 |    - b: 2"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error = %v; want %q", err, want)
		}
	}
}

func TestJinjaOnlyWhenMarked(t *testing.T) {
	c := writeTree(t, map[string]string{
		"plain.sls":   "a:\n  pkg.installed:\n    - note: 'no { markup } here %'\n",
		"jinja.sls":   "b:\n  pkg.installed:\n    - name: {{ sls }}-{{ tpldir }}\n",
		"comment.sls": "{# hello #}\nc:\n  pkg.installed: []\n",
	})
	f := &fakeJinja{}
	c.jinja = f.render
	if _, err := c.HighState(context.Background(), []string{"plain", "jinja", "comment"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"jinja.sls", "comment.sls"}; !reflect.DeepEqual(f.calls, want) {
		t.Errorf("renderer called for %v; want %v", f.calls, want)
	}
}

func TestJinjaVars(t *testing.T) {
	c := writeTree(t, map[string]string{"web/nginx/init.sls": "a:\n  cmd.run:\n    - name: {{ slspath }}\n"})
	f := &fakeJinja{}
	c.jinja = f.render
	var gotSLS, gotTpl string
	c.Vars = func(sls, tpl string) map[string]any {
		gotSLS, gotTpl = sls, tpl
		return map[string]any{"grains": map[string]any{"os": "Debian"}, "sls": "overridden"}
	}
	high, err := c.RenderSLS(context.Background(), "web.nginx")
	if err != nil {
		t.Fatal(err)
	}
	if gotSLS != "web.nginx" || gotTpl != "web/nginx/init.sls" {
		t.Errorf("Vars(%q, %q); want (web.nginx, web/nginx/init.sls)", gotSLS, gotTpl)
	}
	want := map[string]any{
		"sls": "web.nginx", "slspath": "web/nginx", "sls_path": "web_nginx", "slsdotpath": "web.nginx",
		"slscolonpath": "web:nginx", "tplfile": "web/nginx/init.sls", "tpldir": "web/nginx", "tpldot": "web.nginx",
		"saltenv": "base",
	}
	for k, v := range want {
		if f.vars[k] != v {
			t.Errorf("var %s = %v; want %v", k, f.vars[k], v)
		}
	}
	if f.vars["grains"] == nil {
		t.Error("the caller's vars are missing")
	}
	if name, _ := high.States[0].Decls[0].Arg("name"); name != "web/nginx" {
		t.Errorf("rendered name = %v", name)
	}
}

func TestJinjaErrorNamesFile(t *testing.T) {
	c := writeTree(t, map[string]string{"web.sls": "{% fail %}\n"})
	c.jinja = (&fakeJinja{}).render
	_, err := c.RenderSLS(context.Background(), "web")
	// The file and line, then Salt's words, then the renderer's.
	if err == nil || !strings.Contains(err.Error(), "web.sls:7: Rendering SLS 'base:web' failed: Jinja: boom") {
		t.Fatalf("error = %v; want web.sls:7: Rendering SLS 'base:web' failed: Jinja: boom", err)
	}
}

func TestRenderFileAndLoader(t *testing.T) {
	c := writeTree(t, map[string]string{
		"tpl/motd":     "Hello {{ who }}\n{% include_file %}",
		"lib/part.txt": "part\n",
		"plain.txt":    "as is {\n",
		"_dev/x.txt":   "dev {{ saltenv }}\n",
	})
	c.jinja = (&fakeJinja{}).render
	ctx := context.Background()
	out, err := c.RenderFile(ctx, "salt://tpl/motd", map[string]any{"who": "world"})
	if err != nil || string(out) != "Hello world\npart\n" {
		t.Errorf("RenderFile(motd) = %q, %v", out, err)
	}
	out, err = c.RenderFile(ctx, "salt://plain.txt", nil)
	if err != nil || string(out) != "as is {\n" {
		t.Errorf("RenderFile(plain) = %q, %v", out, err)
	}
	out, err = c.RenderFile(ctx, "salt://x.txt?saltenv=dev", nil)
	if err != nil || string(out) != "dev dev\n" {
		t.Errorf("RenderFile(dev) = %q, %v", out, err)
	}
	if _, err := c.RenderFile(ctx, "salt://missing", nil); !states.IsNotExist(err) {
		t.Errorf("RenderFile(missing) = %v; want not-exist", err)
	}
	var r states.Renderer = c
	out, err = r.Render(ctx, "salt://tpl/motd", []byte("Hi {{ who }}\n"), map[string]any{"who": "you"})
	if err != nil || string(out) != "Hi you\n" {
		t.Errorf("Render = %q, %v", out, err)
	}
}

func TestDecodeYAML(t *testing.T) {
	v, err := DecodeYAML("pillar/web.sls", []byte("web:\n  mode: 0640\n  enable: yes\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"web": map[string]any{"mode": "0640", "enable": "yes"}}
	if !reflect.DeepEqual(v, want) {
		t.Errorf("DecodeYAML = %#v; want %#v", v, want)
	}
	_, err = DecodeYAML("pillar/web.sls", []byte("a: 1\nb: 2\na: 3\n"), true)
	if err == nil || !strings.Contains(err.Error(), "pillar/web.sls:3 (rendered): duplicate key 'a' (first at line 1)\n    3 | a: 3") {
		t.Errorf("error = %v", err)
	}
	if v, err := DecodeYAML("x", nil, false); v != nil || err != nil {
		t.Errorf("empty = %v, %v", v, err)
	}
}

// DecodeYAMLOrdered makes each mapping an odict.Map in the order PyYAML
// inserts its keys (merged keys first), for pillar loops in file order.
func TestDecodeYAMLOrdered(t *testing.T) {
	v, err := DecodeYAMLOrdered("p.sls", []byte("defs: &d {y: 1, x: 2}\nusers:\n  zed: {<<: *d, uid: 3}\n  amy: {uid: 1}\nlist: [{b: 1, a: 2}]\nmode: 0644\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	m := v.(*odict.Map)
	if got, want := m.Keys(), []string{"defs", "users", "list", "mode"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top: %v, want %v", got, want)
	}
	uv, _ := m.Get("users")
	users := uv.(*odict.Map)
	if got, want := users.Keys(), []string{"zed", "amy"}; !reflect.DeepEqual(got, want) {
		t.Errorf("users: %v, want %v", got, want)
	}
	zed, _ := users.Get("zed")
	if got, want := zed.(*odict.Map).Keys(), []string{"y", "x", "uid"}; !reflect.DeepEqual(got, want) {
		t.Errorf("zed: %v, want %v", got, want)
	}
	lv, _ := m.Get("list")
	if got, want := lv.([]any)[0].(*odict.Map).Keys(), []string{"b", "a"}; !reflect.DeepEqual(got, want) {
		t.Errorf("list item: %v, want %v", got, want)
	}
	// A key both merged and the mapping's own is the mapping's own, in
	// its own place: Salt's loader (SaltYamlSafeLoader.flatten_mapping)
	// drops merged keys the mapping has, then puts the rest first.
	v, err = DecodeYAMLOrdered("p.sls", []byte("defs: &d {y: 1, x: 2}\nzed: {uid: 3, <<: *d, x: 9}\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	zv, _ := v.(*odict.Map).Get("zed")
	if got, want := zv.(*odict.Map).Keys(), []string{"y", "uid", "x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("zed with an own key over a merged one: %v, want %v", got, want)
	}
	if x, _ := zv.(*odict.Map).Get("x"); x != 9 {
		t.Errorf("x = %#v; want the own 9", x)
	}
	// A list of merge sources: the last one's keys come first (Salt's
	// flatten_mapping reverses the list), then the mapping's own; a key
	// the mapping writes itself overrides any source.
	v2, err := DecodeYAMLOrdered("p.sls", []byte("a: &a {x: 1, c: 3}\nb: &b {y: 2, c: 4}\nz: {w: 0, <<: [*a, *b], c: 5}\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	zv2, _ := v2.(*odict.Map).Get("z")
	if got, want := zv2.(*odict.Map).Keys(), []string{"y", "x", "w", "c"}; !reflect.DeepEqual(got, want) {
		t.Errorf("merge list order: %v, want %v", got, want)
	}
	// An !!omap written as YAML's ordered-map sequence is refused, as
	// Salt's OrderedDict loader refuses it; a mapping tagged so is a map.
	if _, err := DecodeYAMLOrdered("p.sls", []byte("o: !!omap [{a: 1}, {b: 2}]\n"), false); err == nil || !strings.Contains(err.Error(), "p.sls:1: YAML: expected a mapping node, but found sequence") {
		t.Errorf("!!omap sequence: %v", err)
	}
	if v, err := DecodeYAMLOrdered("p.sls", []byte("o: !!omap {b: 1, a: 2}\n"), false); err != nil {
		t.Errorf("!!omap mapping: %v", err)
	} else if o, _ := v.(*odict.Map).Get("o"); !reflect.DeepEqual(o.(*odict.Map).Keys(), []string{"b", "a"}) {
		t.Errorf("!!omap mapping = %#v", o)
	}
	// Unlike DecodeYAML, it reads values as Salt does.
	if mode, _ := m.Get("mode"); mode != 644 {
		t.Errorf("mode = %#v; want 644, as Salt's loader reads 0644", mode)
	}
}

// Salt's generate_sls_context (salt/utils/templates.py) sets
// tpldir=slspath if slspath else ".", and leaves tpldot and slspath "",
// so salt://{{ tpldir }}/files/x keeps its form for a file at the root.
func TestJinjaVarsAtRoot(t *testing.T) {
	c := writeTree(t, map[string]string{"top1.sls": "a:\n  cmd.run:\n    - name: {{ tpldir }}\n"})
	f := &fakeJinja{}
	c.jinja = f.render
	if _, err := c.RenderSLS(context.Background(), "top1"); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"tpldir": ".", "tpldot": "", "slspath": "", "sls_path": "", "slsdotpath": "", "slscolonpath": "",
		"tplfile": "top1.sls",
	}
	for k, v := range want {
		if f.vars[k] != v {
			t.Errorf("var %s = %q; want %q", k, f.vars[k], v)
		}
	}
}

func bigInt(s string) *big.Int {
	b, _ := new(big.Int).SetString(s, 10)
	return b
}

// Salt's loader reads `80:`, `1.5:`, `true:` and `~:` as an int, a float,
// a bool and None: the Map keeps the text as written and the value as the
// key's kind, for templates to see (pillar['ports'][80]).
func TestDecodeYAMLOrderedTypedKeys(t *testing.T) {
	v, err := DecodeYAMLOrdered("p.sls", []byte("ports:\n  80: web\n  '443': tls\n  0x10: hex\n  1.5: f\n  true: b\n  ~: n\n  name: x\n"), false)
	if err != nil {
		t.Fatal(err)
	}
	pv, _ := v.(*odict.Map).Get("ports")
	ports := pv.(*odict.Map)
	for _, c := range []struct {
		key       string
		typed     any
		wantTyped bool
	}{{"80", 80, true}, {"443", nil, false}, {"0x10", 16, true}, {"1.5", 1.5, true}, {"true", true, true}, {"~", nil, true}, {"name", nil, false}} {
		got, ok := ports.Typed(c.key)
		if ok != c.wantTyped || got != c.typed {
			t.Errorf("Typed(%q) = %#v, %v; want %#v, %v", c.key, got, ok, c.typed, c.wantTyped)
		}
	}
}
