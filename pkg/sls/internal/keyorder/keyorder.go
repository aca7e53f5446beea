// Package keyorder is how the renderer keeps the order of the dicts it
// works on: its Jinja evaluator and YAML loader use Go maps, which forget
// order, and record it here, by map identity, for as long as one run.
// The data leaves the renderer (and comes into it) as odict.Map values,
// which carry their order themselves: ToOdict and FromOdict convert. It
// is internal, so that nothing outside the renderer knows of it.
package keyorder

import (
	"reflect"
	"sort"
	"sync"
	"unsafe"

	"github.com/brine-cm/brine/pkg/odict"
	"gopkg.in/yaml.v3"
)

// KeyOrder remembers the order in which the keys of dicts were first
// written, which Go maps forget and Python dicts keep. Salt loops over
// pillar, defaults.yaml and dict literals in that order, so an SLS that
// declares one state per entry of a pillar dict declares them in the
// order of the pillar file; a template that loops over the same dict
// writes its lines in that order.
//
// Dicts are told apart by identity: the order belongs to one map value,
// and every copy or merge made here records its own. A map whose order
// is unknown (built by Go code that did not record it) iterates in sorted
// key order; keys added to a known map by such code come after the known
// ones, sorted.
//
// The table holds the maps it knows alive, so it is meant to live as long
// as one render or one state run, not longer. It is safe for concurrent
// use.
type KeyOrder struct {
	mu   sync.Mutex
	keys map[unsafe.Pointer]*keyList
}

type keyList struct {
	keys  []string
	has   map[string]bool
	odict bool // a Python OrderedDict in Salt: the yaml filter keeps its order
}

// New returns an empty table.
func New() *KeyOrder { return &KeyOrder{keys: map[unsafe.Pointer]*keyList{}} }

func mapID(m map[string]any) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// Set records keys as the order of m, replacing what was known.
func (o *KeyOrder) Set(m map[string]any, keys []string) { o.set(m, keys, false) }

// SetOrderedDict is Set for a dict that is an OrderedDict in Salt: SLS
// and pillar data, which Salt's YAML renderer builds as OrderedDicts.
// Salt's yaml filter writes those in their order and other dicts sorted.
func (o *KeyOrder) SetOrderedDict(m map[string]any, keys []string) { o.set(m, keys, true) }

// OrderedDict reports whether m was recorded with SetOrderedDict (or is a
// copy of such a dict).
func (o *KeyOrder) OrderedDict(m map[string]any) bool {
	if o == nil || m == nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.keys[mapID(m)]
	return l != nil && l.odict
}

// SetAs is Set, or SetOrderedDict when isOdict: a copy keeps what its
// original was.
func (o *KeyOrder) SetAs(m map[string]any, keys []string, isOdict bool) { o.set(m, keys, isOdict) }

func (o *KeyOrder) set(m map[string]any, keys []string, isOdict bool) {
	if o == nil || m == nil {
		return
	}
	l := &keyList{keys: make([]string, 0, len(keys)), has: make(map[string]bool, len(keys)), odict: isOdict}
	for _, k := range keys {
		if !l.has[k] {
			l.has[k] = true
			l.keys = append(l.keys, k)
		}
	}
	o.mu.Lock()
	o.keys[mapID(m)] = l
	o.mu.Unlock()
}

// Add records that key is about to be written to m: a key m does not
// have yet goes last. Call it before the write.
func (o *KeyOrder) Add(m map[string]any, key string) {
	if o == nil || m == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.keys[mapID(m)]
	if l == nil {
		// The keys m had before were never recorded: they come first,
		// sorted, as Keys would have listed them.
		l = &keyList{has: map[string]bool{}}
		for _, k := range sortedKeys(m) {
			l.keys = append(l.keys, k)
			l.has[k] = true
		}
		o.keys[mapID(m)] = l
	}
	if !l.has[key] {
		l.has[key] = true
		l.keys = append(l.keys, key)
	}
}

// Remove forgets key, so that writing it again puts it last, as a Python
// dict does after del or pop.
func (o *KeyOrder) Remove(m map[string]any, key string) {
	if o == nil || m == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	l := o.keys[mapID(m)]
	if l == nil || !l.has[key] {
		return
	}
	delete(l.has, key)
	for i, k := range l.keys {
		if k == key {
			l.keys = append(l.keys[:i:i], l.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the keys of m in insertion order: the recorded keys that m
// still has, then any others sorted. A nil table gives sorted keys.
func (o *KeyOrder) Keys(m map[string]any) []string {
	if o == nil || len(m) == 0 {
		return sortedKeys(m)
	}
	o.mu.Lock()
	l := o.keys[mapID(m)]
	var rec []string
	if l != nil {
		rec = append(rec, l.keys...)
	}
	o.mu.Unlock()
	if rec == nil {
		return sortedKeys(m)
	}
	out := make([]string, 0, len(m))
	for _, k := range rec {
		if _, ok := m[k]; ok {
			out = append(out, k)
		}
	}
	if len(out) < len(m) {
		seen := make(map[string]bool, len(out))
		for _, k := range out {
			seen[k] = true
		}
		var rest []string
		for k := range m {
			if !seen[k] {
				rest = append(rest, k)
			}
		}
		sort.Strings(rest)
		out = append(out, rest...)
	}
	return out
}

// Known reports whether the order of m was recorded.
func (o *KeyOrder) Known(m map[string]any) bool {
	if o == nil || m == nil {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.keys[mapID(m)] != nil
}

// Extend records, after src was merged into dst (pillar files merged in
// turn, defaults under overrides), that the keys dst gained from src come
// after the ones it had, in src's order; dicts merged into dicts are
// followed down. It may be called after the merge: keys dst already
// knew keep their place.
func (o *KeyOrder) Extend(dst, src map[string]any) { o.extend(dst, src, 0) }

func (o *KeyOrder) extend(dst, src map[string]any, depth int) {
	if o == nil || dst == nil || src == nil || depth > 100 || mapID(dst) == mapID(src) {
		return
	}
	if !o.Known(dst) {
		// Nothing says where dst's own keys were: src's order is the
		// best guess (for a dict built by merging into an empty one, it
		// is exact), the others follow sorted.
		o.Set(dst, o.Keys(src))
	}
	for _, k := range o.Keys(src) {
		if _, ok := dst[k]; !ok {
			continue
		}
		o.Add(dst, k)
		dm, dOK := dst[k].(map[string]any)
		sm, sOK := src[k].(map[string]any)
		if dOK && sOK {
			o.extend(dm, sm, depth+1)
		}
	}
}

// FromYAML records the key order of every mapping in a decoded YAML
// document: v is what node decoded to, as map[string]any, []any and
// scalars. Merge keys (<<) place the merged keys where the << was.
func (o *KeyOrder) FromYAML(node *yaml.Node, v any) { o.fromYAML(node, v, 0) }

func (o *KeyOrder) fromYAML(n *yaml.Node, v any, depth int) {
	if o == nil || n == nil || depth > 200 {
		return
	}
	n = deAlias(n)
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) > 0 {
			o.fromYAML(n.Content[0], v, depth+1)
		}
	case yaml.SequenceNode:
		l, ok := v.([]any)
		if !ok {
			return
		}
		for i, c := range n.Content {
			if i < len(l) {
				o.fromYAML(c, l[i], depth+1)
			}
		}
	case yaml.MappingNode:
		m, ok := v.(map[string]any)
		if !ok {
			return
		}
		keys := o.yamlKeys(n, m, depth)
		o.Set(m, keys)
	}
}

// yamlKeys lists a mapping's keys in the order PyYAML inserts them and
// records the order of the values below. PyYAML puts merged (<<) keys
// before the mapping's own, and a key given both ways keeps the merged
// place with the mapping's own value.
func (o *KeyOrder) yamlKeys(n *yaml.Node, m map[string]any, depth int) []string {
	var merged, own []string
	ownSet := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := deAlias(n.Content[i]); k.Kind == yaml.ScalarNode && k.Tag != "!!merge" {
			ownSet[k.Value] = true
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := deAlias(n.Content[i]), n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
			val = deAlias(val)
			srcs := []*yaml.Node{val}
			if val.Kind == yaml.SequenceNode {
				srcs = val.Content
			}
			for _, s := range srcs {
				if s = deAlias(s); s.Kind != yaml.MappingNode || depth >= 200 {
					continue
				}
				for j := 0; j+1 < len(s.Content); j += 2 {
					if mk := deAlias(s.Content[j]); mk.Kind == yaml.ScalarNode && mk.Tag != "!!merge" && !ownSet[mk.Value] {
						if sub, ok := m[mk.Value]; ok {
							o.fromYAML(s.Content[j+1], sub, depth+1)
						}
					}
				}
				merged = append(merged, o.yamlKeys(s, map[string]any{}, depth+1)...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			continue
		}
		own = append(own, k.Value)
		if sub, ok := m[k.Value]; ok {
			o.fromYAML(val, sub, depth+1)
		}
	}
	return append(merged, own...)
}

func deAlias(n *yaml.Node) *yaml.Node {
	for hops := 0; n.Kind == yaml.AliasNode && n.Alias != nil && hops < 100; hops++ {
		n = n.Alias
	}
	return n
}

// ToOdict returns v with every dict in it an odict.Map in the table's
// order: data leaving the renderer (decoded pillar) keeps its order as a
// property of the value.
func (o *KeyOrder) ToOdict(v any) any { return o.toOdict(v, 0) }

func (o *KeyOrder) toOdict(v any, depth int) any {
	if depth > 200 {
		return nil
	}
	switch x := v.(type) {
	case map[string]any:
		keys := o.Keys(x)
		out := odict.New(len(keys))
		for _, k := range keys {
			out.Set(k, o.toOdict(x[k], depth+1))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = o.toOdict(e, depth+1)
		}
		return out
	}
	return v
}

// FromOdict returns v with every odict.Map in it a map[string]any whose
// order the table records: data coming into the renderer (a run's
// pillar). The dicts are recorded as plain dicts, not OrderedDicts: pillar
// reaches a Salt minion through msgpack as dicts, which the yaml filter
// writes sorted. Lists are copied; map[string]any dicts are copied too,
// their order left unknown (sorted).
func (o *KeyOrder) FromOdict(v any) any { return o.fromOdict(v, false, 0) }

// FromOdictLocal is FromOdict for pillar compiled in this process, as
// salt-call --local compiles it: Salt's pillar is then a plain dict at
// the top (Pillar.render_pillar merges every file into {}) whose dict
// values are the YAML loader's OrderedDicts, never sent through msgpack,
// so the yaml filter writes those in their order.
func (o *KeyOrder) FromOdictLocal(v any) any { return o.fromOdict(v, true, 0) }

func (o *KeyOrder) fromOdict(v any, local bool, depth int) any {
	if depth > 200 {
		return nil
	}
	switch x := v.(type) {
	case *odict.Map:
		keys := x.Keys()
		out := make(map[string]any, len(keys))
		for _, k := range keys {
			e, _ := x.Get(k)
			out[k] = o.fromOdict(e, local, depth+1)
		}
		o.SetAs(out, keys, local && depth > 0)
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = o.fromOdict(e, local, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = o.fromOdict(e, local, depth+1)
		}
		return out
	}
	return v
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
