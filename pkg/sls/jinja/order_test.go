package jinja

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func decodeOrdered(t *testing.T, o *KeyOrder, text string) map[string]any {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(text), &n); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	o.FromYAML(&n, v)
	return v
}

func TestKeyOrderYAML(t *testing.T) {
	o := NewKeyOrder()
	v := decodeOrdered(t, o, `
base: &base {q: 1, p: 2}
users:
  zed: {uid: 3}
  amy: {uid: 1}
  kim: {uid: 2, <<: *base}
`)
	users := v["users"].(map[string]any)
	if got, want := o.Keys(users), []string{"zed", "amy", "kim"}; !reflect.DeepEqual(got, want) {
		t.Errorf("users: %v, want %v", got, want)
	}
	// PyYAML inserts merged keys before the mapping's own.
	if got, want := o.Keys(users["kim"].(map[string]any)), []string{"q", "p", "uid"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kim: %v, want %v", got, want)
	}
}

func TestKeyOrderEdits(t *testing.T) {
	o := NewKeyOrder()
	m := map[string]any{"b": 1, "a": 2}
	if got := o.Keys(m); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("unknown map: %v, want sorted", got)
	}
	o.Add(m, "c")
	m["c"] = 3
	o.Add(m, "a") // already there: keeps its place
	if got := o.Keys(m); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("after Add: %v", got)
	}
	o.Remove(m, "a")
	o.Add(m, "a")
	if got := o.Keys(m); !reflect.DeepEqual(got, []string{"b", "c", "a"}) {
		t.Errorf("after Remove and Add: %v", got)
	}
	m["d"] = 4 // written by code that did not record it
	if got := o.Keys(m); !reflect.DeepEqual(got, []string{"b", "c", "a", "d"}) {
		t.Errorf("unrecorded key: %v", got)
	}
	var nilOrder *KeyOrder
	if got := nilOrder.Keys(m); !reflect.DeepEqual(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("nil table: %v", got)
	}
}

// Pillar files merged in turn: the keys a later file adds come after
// the earlier ones, in the later file's order.
func TestKeyOrderExtend(t *testing.T) {
	o := NewKeyOrder()
	out := map[string]any{}
	for _, text := range []string{"pkgs: {vim: 1, curl: 2}\nrole: web\n", "pkgs: {zsh: 3, curl: 4, atop: 5}\nextra: 1\n"} {
		src := decodeOrdered(t, o, text)
		merge(out, src)
		o.Extend(out, src)
	}
	if got, want := o.Keys(out), []string{"pkgs", "role", "extra"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top: %v, want %v", got, want)
	}
	if got, want := o.Keys(out["pkgs"].(map[string]any)), []string{"vim", "curl", "zsh", "atop"}; !reflect.DeepEqual(got, want) {
		t.Errorf("pkgs: %v, want %v", got, want)
	}
}

// merge is pillar's deep merge, as a stand-in for the caller's.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

// A template loops over pillar in the order its file gave when the
// caller hands the table in SaltContext.Order, and sorted otherwise.
func TestPillarLoopOrder(t *testing.T) {
	src := []byte("{% for name, u in pillar.users.items() %}{{ name }}:{{ u.uid }} {% endfor %}")
	for _, tc := range []struct {
		ordered bool
		want    string
	}{{true, "zed:3 amy:1 kim:2 "}, {false, "amy:1 kim:2 zed:3 "}} {
		o := NewKeyOrder()
		pillar := decodeOrdered(t, o, "users:\n  zed: {uid: 3}\n  amy: {uid: 1}\n  kim: {uid: 2}\n")
		ctx := SaltContext{Pillar: pillar}
		if tc.ordered {
			ctx.Order = o
		}
		out, err := Render("t.sls", src, SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if out != tc.want {
			t.Errorf("ordered=%v: %q, want %q", tc.ordered, out, tc.want)
		}
	}
}

// Tables are per render unless shared: two renders never see each
// other's dicts, and concurrent renders are safe (run with -race).
func TestKeyOrderConcurrent(t *testing.T) {
	src := []byte("{% set d = {'z': 1, 'a': 2} %}{% do d.update({'m': 3}) %}{{ d | list | join(',') }}")
	done := make(chan string, 8)
	for range 8 {
		go func() {
			out, err := Render("c.sls", src, SaltVars(SaltContext{}, "c", "c.sls", "base"), Options{})
			if err != nil {
				out = err.Error()
			}
			done <- out
		}()
	}
	for range 8 {
		if got := <-done; !strings.EqualFold(got, "z,a,m") {
			t.Errorf("got %q, want z,a,m", got)
		}
	}
}

// Pillar crosses the wire in order: Ordered writes dicts in the table's
// order, and FromJSON records it again on the other side, for numbers
// decoded with UseNumber too.
func TestKeyOrderJSON(t *testing.T) {
	src := NewKeyOrder()
	pillar := decodeOrdered(t, src, "users:\n  zed: {uid: 3, shell: zsh}\n  amy: {uid: 1}\nlist: [{b: 1, a: 2}]\n")
	msg, err := json.Marshal(map[string]any{"version": 1, "pillar": src.Ordered(pillar)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"pillar":{"users":{"zed":{"uid":3,"shell":"zsh"},"amy":{"uid":1}},"list":[{"b":1,"a":2}]},"version":1}`; string(msg) != want {
		t.Errorf("wire: %s\nwant %s", msg, want)
	}
	var got struct {
		Pillar map[string]any `json:"pillar"`
	}
	dec := json.NewDecoder(strings.NewReader(string(msg)))
	dec.UseNumber()
	if err := dec.Decode(&got); err != nil {
		t.Fatal(err)
	}
	dst := NewKeyOrder()
	if err := dst.FromJSON(msg, "pillar", got.Pillar); err != nil {
		t.Fatal(err)
	}
	users := got.Pillar["users"].(map[string]any)
	if k := dst.Keys(users); !reflect.DeepEqual(k, []string{"zed", "amy"}) {
		t.Errorf("users after the wire: %v", k)
	}
	if k := dst.Keys(users["zed"].(map[string]any)); !reflect.DeepEqual(k, []string{"uid", "shell"}) {
		t.Errorf("zed after the wire: %v", k)
	}
	if k := dst.Keys(got.Pillar["list"].([]any)[0].(map[string]any)); !reflect.DeepEqual(k, []string{"b", "a"}) {
		t.Errorf("list item after the wire: %v", k)
	}
	if err := dst.FromJSON(msg, "nope", got.Pillar); err == nil {
		t.Errorf("FromJSON with a missing member: no error")
	}
}

// markOrderedDicts makes every dict in v an OrderedDict, as Salt's YAML
// renderer makes pillar and SLS data.
func markOrderedDicts(o *KeyOrder, v any) {
	switch x := v.(type) {
	case map[string]any:
		o.SetOrderedDict(x, o.Keys(x))
		for _, e := range x {
			markOrderedDicts(o, e)
		}
	case []any:
		for _, e := range x {
			markOrderedDicts(o, e)
		}
	}
}

// Salt's yaml filter writes OrderedDicts (pillar, SLS data) in their
// order and plain dicts (literals, import_yaml) sorted, as PyYAML with
// Salt's SafeOrderedDumper does; json always sorts.
func TestYAMLFilterOrder(t *testing.T) {
	o := NewKeyOrder()
	pillar := decodeOrdered(t, o, "app:\n  zeta: 1\n  alpha: {y: 1, x: 2}\n")
	markOrderedDicts(o, pillar)
	tests := []struct{ expr, want string }{
		{"pillar.app | yaml", "{zeta: 1, alpha: {y: 1, x: 2}}"},
		{"pillar.app | json", `{"alpha": {"x": 2, "y": 1}, "zeta": 1}`},
		{"{'zeta': 1, 'alpha': 2} | yaml", "{alpha: 2, zeta: 1}"},
		{"pillar.app.copy() | yaml", "{zeta: 1, alpha: {y: 1, x: 2}}"},
		{"salt['slsutil.merge'](pillar.app, {'beta': 3}) | yaml", "{zeta: 1, alpha: {y: 1, x: 2}, beta: 3}"},
		{"salt['pillar.get']('nope', default={'b': 1, 'a': 2}, merge=True) | yaml", "{a: 2, b: 1}"},
	}
	for _, tt := range tests {
		out, err := Render("t.sls", []byte("{{ "+tt.expr+" }}"), SaltVars(SaltContext{Pillar: pillar, Order: o}, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("%s: %v", tt.expr, err)
			continue
		}
		if out != tt.want {
			t.Errorf("%s = %q; want %q", tt.expr, out, tt.want)
		}
	}
}
