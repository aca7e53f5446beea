package keyorder

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
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
	o := New()
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
	o := New()
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
	o := New()
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

// Data leaves and enters the renderer as odict.Map values: ToOdict
// writes the table's order into the value, FromOdict records it again
// (as plain dicts, as pillar reaches a Salt minion), through JSON too.
func TestOdictRoundTrip(t *testing.T) {
	src := New()
	pillar := decodeOrdered(t, src, "users:\n  zed: {uid: 3, shell: zsh}\n  amy: {uid: 1}\nlist: [{b: 1, a: 2}]\n")
	om := src.ToOdict(pillar).(*odict.Map)
	msg, err := json.Marshal(om)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"users":{"zed":{"uid":3,"shell":"zsh"},"amy":{"uid":1}},"list":[{"b":1,"a":2}]}`; string(msg) != want {
		t.Errorf("wire: %s\nwant %s", msg, want)
	}
	var back odict.Map
	if err := json.Unmarshal(msg, &back); err != nil {
		t.Fatal(err)
	}
	dst := New()
	got := dst.FromOdict(&back).(map[string]any)
	users := got["users"].(map[string]any)
	if k := dst.Keys(users); !reflect.DeepEqual(k, []string{"zed", "amy"}) {
		t.Errorf("users: %v", k)
	}
	if k := dst.Keys(users["zed"].(map[string]any)); !reflect.DeepEqual(k, []string{"uid", "shell"}) {
		t.Errorf("zed: %v", k)
	}
	if k := dst.Keys(got["list"].([]any)[0].(map[string]any)); !reflect.DeepEqual(k, []string{"b", "a"}) {
		t.Errorf("list item: %v", k)
	}
	if dst.OrderedDict(users) {
		t.Errorf("pillar from outside is an OrderedDict; want a plain dict, as on a Salt minion")
	}
	local := New()
	lg := local.FromOdictLocal(&back).(map[string]any)
	if local.OrderedDict(lg) || !local.OrderedDict(lg["users"].(map[string]any)) || !local.OrderedDict(lg["list"].([]any)[0].(map[string]any)) {
		t.Errorf("local pillar: want a plain dict at the top and OrderedDicts below, as salt-call --local's")
	}
	if k := local.Keys(lg["users"].(map[string]any)); !reflect.DeepEqual(k, []string{"zed", "amy"}) {
		t.Errorf("local users: %v", k)
	}
	if users["zed"].(map[string]any)["uid"] != json.Number("3") {
		t.Errorf("uid = %#v; want json.Number 3", users["zed"].(map[string]any)["uid"])
	}
}
