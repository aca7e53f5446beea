package odict

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestSetDeleteOrder(t *testing.T) {
	m := New(0)
	for _, k := range []string{"zed", "amy", "kim"} {
		m.Set(k, len(k))
	}
	m.Set("zed", 9) // an existing key keeps its place
	if got, want := m.Keys(), []string{"zed", "amy", "kim"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys() = %v; want %v", got, want)
	}
	m.Delete("zed")
	m.Set("zed", 1) // written again after a delete: last, as in Python
	if got, want := m.Keys(), []string{"amy", "kim", "zed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("after Delete and Set: %v; want %v", got, want)
	}
	if v, ok := m.Get("zed"); !ok || v != 1 {
		t.Errorf("Get(zed) = %v, %v", v, ok)
	}
	var zero Map
	zero.Set("a", 1)
	if zero.Len() != 1 {
		t.Errorf("zero Map: Len = %d", zero.Len())
	}
	var nilMap *Map
	if nilMap.Len() != 0 || nilMap.Keys() != nil || len(nilMap.PlainMap()) != 0 {
		t.Errorf("nil Map is not empty")
	}
	if _, ok := nilMap.Get("a"); ok {
		t.Errorf("nil Map has a key")
	}
}

// Merge is Salt's pillar merge: dicts into dicts, anything else
// replaces; keys the destination has keep their place, new ones follow in
// the source's order.
func TestMerge(t *testing.T) {
	var a, b Map
	if err := json.Unmarshal([]byte(`{"pkgs": {"vim": 1, "curl": 2}, "role": "web", "list": [1]}`), &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(`{"pkgs": {"zsh": 3, "curl": 4, "atop": 5}, "extra": 1, "list": [2], "role": {"x": 1}}`), &b); err != nil {
		t.Fatal(err)
	}
	a.Merge(&b)
	got, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"pkgs":{"vim":1,"curl":4,"zsh":3,"atop":5},"role":{"x":1},"list":[2],"extra":1}`; string(got) != want {
		t.Errorf("merged = %s\nwant     %s", got, want)
	}
	// A dict merged where there was none is a copy: merging into the
	// result again does not change the source.
	c := New(0)
	c.Merge(&b)
	pk, _ := c.Get("pkgs")
	pk.(*Map).Set("new", 1)
	if bp, _ := b.Get("pkgs"); bp.(*Map).Len() != 3 {
		t.Errorf("merge shared the source's dict")
	}
	// map[string]any values merge too, their keys sorted.
	d := From(map[string]any{"a": map[string]any{"z": 1, "b": 2}})
	d.Merge(From(map[string]any{"a": map[string]any{"c": 3}}))
	if got, _ := json.Marshal(d); string(got) != `{"a":{"b":2,"z":1,"c":3}}` {
		t.Errorf("From and Merge = %s", got)
	}
}

func TestJSON(t *testing.T) {
	in := `{"b": {"y": 1, "x": [{"q": 1.5, "p": null}]}, "a": true, "n": 12345678901234567890, "b2": "s"}`
	var m Map
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	if got, want := m.Keys(), []string{"b", "a", "n", "b2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("Keys() = %v; want %v", got, want)
	}
	// Numbers stay json.Number: a big integer is not rounded.
	if n, _ := m.Get("n"); n != json.Number("12345678901234567890") {
		t.Errorf("n = %#v", n)
	}
	out, err := json.Marshal(map[string]any{"pillar": &m})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"pillar":{"b":{"y":1,"x":[{"q":1.5,"p":null}]},"a":true,"n":12345678901234567890,"b2":"s"}}`; string(out) != want {
		t.Errorf("Marshal = %s\nwant      %s", out, want)
	}
	// A duplicate key keeps its first place and its last value, as a
	// Python dict built from the pairs would.
	var dup Map
	if err := json.Unmarshal([]byte(`{"a": 1, "b": 2, "a": 3}`), &dup); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(&dup); string(got) != `{"a":3,"b":2}` {
		t.Errorf("duplicate = %s", got)
	}
	for _, bad := range []string{`[1]`, `{"a": }`, `{"a": 1} {}`, `"s"`, `{"x": ` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`} {
		var m Map
		if err := m.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("UnmarshalJSON(%.20s): no error", bad)
		}
	}
}

func TestPlain(t *testing.T) {
	var m Map
	if err := json.Unmarshal([]byte(`{"b": {"y": [ {"k": 1} ]}, "a": 2}`), &m); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"b": map[string]any{"y": []any{map[string]any{"k": json.Number("1")}}}, "a": json.Number("2")}
	if got := m.PlainMap(); !reflect.DeepEqual(got, want) {
		t.Errorf("PlainMap() = %#v; want %#v", got, want)
	}
	if got := From(want); !reflect.DeepEqual(got.PlainMap(), want) || !reflect.DeepEqual(got.Keys(), []string{"a", "b"}) {
		t.Errorf("From(…) = %v keys %v", got.PlainMap(), got.Keys())
	}
}

// The OrderedDict mark, Clone, All, At, Has and Clear: a walk sees the
// keys in order, a key deleted before its turn is skipped, and a clone
// is apart from its original but keeps its order and mark.
func TestWalkAndClone(t *testing.T) {
	m := New(0)
	for _, k := range []string{"z", "a", "m"} {
		m.Set(k, k+"1")
	}
	m.SetOrderedDict(true)
	c := m.Clone()
	c.Set("b", "b1")
	c.Delete("z")
	if got := c.Keys(); !reflect.DeepEqual(got, []string{"a", "m", "b"}) || !c.OrderedDict() {
		t.Errorf("clone keys %v, OrderedDict %v; want [a m b], true", got, c.OrderedDict())
	}
	if got := m.Keys(); !reflect.DeepEqual(got, []string{"z", "a", "m"}) || m.Has("b") {
		t.Errorf("original keys %v after the clone changed; want [z a m]", got)
	}
	var seen []string
	for k, v := range m.All() {
		seen = append(seen, k+"="+v.(string))
		if k == "z" {
			m.Delete("a")
		}
	}
	if want := []string{"z=z1", "m=m1"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("All() saw %v; want %v", seen, want)
	}
	if k, v := m.At(1); k != "m" || v != "m1" {
		t.Errorf("At(1) = %s, %v; want m, m1", k, v)
	}
	m.Clear()
	if m.Len() != 0 || m.Has("z") || !m.OrderedDict() {
		t.Errorf("after Clear: len %d, has z %v, OrderedDict %v", m.Len(), m.Has("z"), m.OrderedDict())
	}
	var nilMap *Map
	if nilMap.OrderedDict() || nilMap.Has("x") || nilMap.Clone().Len() != 0 {
		t.Error("a nil Map is not an empty plain dict")
	}
	for range nilMap.All() {
		t.Error("All() of a nil Map yields")
	}
}

func TestDecodeJSON(t *testing.T) {
	v, err := DecodeJSON([]byte(`[{"b": 1, "a": {"y": 2, "x": 3}}, 4]`))
	if err != nil {
		t.Fatal(err)
	}
	l, ok := v.([]any)
	if !ok || len(l) != 2 {
		t.Fatalf("DecodeJSON = %#v; want a list of two", v)
	}
	if got, _ := json.Marshal(l[0]); string(got) != `{"b":1,"a":{"y":2,"x":3}}` {
		t.Errorf("first item = %s; want the keys in order", got)
	}
	if l[1] != json.Number("4") {
		t.Errorf("second item = %#v; want json.Number 4", l[1])
	}
	for _, bad := range []string{``, `{"a": 1} 2`, `{1: 2}`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeJSON(%q): no error", bad)
		}
	}
}

// TestMarshalYAML: a Map writes its keys in its order through yaml.v3,
// nested ones too, where a struct of unexported fields would write {}.
func TestMarshalYAML(t *testing.T) {
	inner := New(2)
	inner.Set("z", 1)
	inner.Set("a", []any{"x"})
	m := New(2)
	m.Set("b", inner)
	m.Set("a", "v")
	out, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := "b:\n    z: 1\n    a:\n        - x\na: v\n"
	if string(out) != want {
		t.Errorf("yaml.Marshal = %q; want %q", out, want)
	}
}

// A key written as a number keeps its kind through Clone and Merge, and
// loses it when deleted or cleared; Set of a new key makes it text.
func TestTypedKeys(t *testing.T) {
	m := New(0)
	m.SetTyped("80", 80, "web")
	m.Set("name", "x")
	m.SetTyped("~", nil, "n")
	for _, c := range []struct {
		key       string
		typed     any
		wantTyped bool
	}{{"80", 80, true}, {"name", nil, false}, {"~", nil, true}, {"absent", nil, false}} {
		got, ok := m.Typed(c.key)
		if ok != c.wantTyped || got != c.typed {
			t.Errorf("Typed(%q) = %v, %v; want %v, %v", c.key, got, ok, c.typed, c.wantTyped)
		}
	}
	if _, ok := m.Clone().Typed("80"); !ok {
		t.Error("Clone lost the kind of 80")
	}
	dst := New(0)
	dst.Set("name", "y")
	dst.Merge(m)
	if v, ok := dst.Typed("80"); !ok || v != 80 {
		t.Errorf("Merge: Typed(80) = %v, %v; want 80, true", v, ok)
	}
	if _, ok := dst.Typed("name"); ok {
		t.Error("Merge gave the text key name a kind")
	}
	m.Set("80", "tls") // an existing key keeps its kind
	if _, ok := m.Typed("80"); !ok {
		t.Error("Set on an existing key dropped its kind")
	}
	m.Delete("80")
	m.Set("80", "again")
	if _, ok := m.Typed("80"); ok {
		t.Error("a key deleted and set again as text kept its kind")
	}
	m.Clear()
	if m.HasTyped() {
		t.Error("Clear left kinds")
	}
}
