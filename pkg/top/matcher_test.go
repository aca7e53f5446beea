package top

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/brine-cm/brine/pkg/py/fnmatch"
	"github.com/brine-cm/brine/pkg/pyfmt"
)

// web01 is a Debian web server with the grain shapes Salt produces.
var web01 = Minion{
	ID: "web01.example.com",
	Grains: map[string]any{
		"id":             "web01.example.com",
		"os":             "Debian",
		"os_family":      "Debian",
		"osmajorrelease": 12,
		"osrelease":      "12",
		"virtual":        "kvm",
		"selinux":        map[string]any{"enabled": false},
		"num_cpus":       4,
		"mem_total":      3934.0,
		"roles":          []any{"web", "cache"},
		"ipv4":           []any{"10.1.2.3", "127.0.0.1"},
		"ipv6":           []any{"::1", "fe80::5054:ff:fe12:3456"},
		"ip4_interfaces": map[string]any{"eth0": []any{"10.1.2.3"}, "lo": []any{"127.0.0.1"}},
		"ip6_interfaces": map[string]any{"eth0": []any{"fe80::5054:ff:fe12:3456"}},
		"empty":          map[string]any{},
		"disks":          []any{map[string]any{"name": "vda", "size": 20}, map[string]any{"name": "vdb", "size": 100}},
		"locale_info":    map[string]any{"defaultencoding": "UTF-8", "timezone": "UTC"},
		"kernelparams":   "console=ttyS0:115200",
		"nothing":        nil,
		"dotted.key":     "x",
		"nested":         map[string]any{"a": map[string]any{"b": "deep"}},
		"json_int":       float64(12),
		"ratio":          0.5,
	},
	Pillar: map[string]any{
		"role":  "frontend",
		"app":   map[string]any{"version": "1.2.3", "env": "prod"},
		"users": []any{"alice", "bob"},
		"Mixed": "Value",
	},
	Data: map[string]any{"role": "web", "tags": []any{"Blue", "green"}, "kv": map[string]any{"a": 1}},
}

var db1 = Minion{
	ID: "db1",
	Grains: map[string]any{
		"os": "Rocky", "os_family": "RedHat", "osmajorrelease": 9,
		"roles": []any{"db"},
		"ipv4":  []string{"10.1.9.5", "127.0.0.1"},
	},
	Pillar: map[string]any{"role": "database"},
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pat, id string
		want    bool
	}{
		{"*", "web01.example.com", true},
		{"web*", "web01.example.com", true},
		{"web0?.example.com", "web01.example.com", true},
		{"web0?", "web01.example.com", false},
		{"*.example.com", "web01.example.com", true},
		{"WEB*", "web01.example.com", false}, // case-sensitive on POSIX
		{"web[0-9]1*", "web01.example.com", true},
		{"web[!0]1*", "web01.example.com", false},
		{"web[!x]1*", "web01.example.com", true},
		{"db[12]", "db1", true},
		{"db[12]", "db3", false},
		{"db[2-1]", "db1", false}, // reversed range matches nothing
		{"db[", "db[", true},      // unclosed bracket is literal
		{"db[", "db1", false},
		{"a.b", "axb", false}, // dot is literal
		{"a+b", "a+b", true},
		{`a\*`, `a\x`, true}, // no backslash escape in fnmatch
		{"*", "a/b", true},   // * crosses slashes, unlike path.Match
		{"[]]", "]", true},
		{"[!]]", "a", true},
		{"[a-]", "-", true},
		{"[]", "]", false},
		{"x[^]y", "x^y", true},
		{"héllo*", "héllo-wörld", true},
		{"h?llo", "héllo", true}, // ? is one character, é is one character
		{"h?llo", "hxllo", true},
		{"h??llo", "héllo", false},
	}
	for _, tt := range tests {
		got, err := Match(tt.pat, "glob", Minion{ID: tt.id}, nil)
		if err != nil {
			t.Errorf("Match(%q, glob, %q): %v", tt.pat, tt.id, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Match(%q, glob, %q) = %v; want %v (regexp %s)", tt.pat, tt.id, got, tt.want, fnmatch.Translate(tt.pat))
		}
	}
	// "" is glob
	if ok, _ := Match("db?", "", db1, nil); !ok {
		t.Errorf(`Match("db?", "", db1) = false; want true`)
	}
}

func TestPCRE(t *testing.T) {
	tests := []struct {
		pat  string
		m    Minion
		want bool
	}{
		{`web\d+`, web01, true},
		{`web`, web01, true},      // re.match: anchored at start only
		{`example`, web01, false}, // not a search
		{`.*example\.com$`, web01, true},
		{`web\d+$`, web01, false},
		{`(web|db)\d`, db1, true},
		{`WEB`, web01, false}, // case-sensitive
		{`(?i)WEB`, web01, true},
		{`db1\Z`, db1, true}, // Python's \Z is RE2's \z
		{`db\Z`, db1, false},
		{`db\\Z`, Minion{ID: `db\Z`}, true}, // an escaped backslash stays one
	}
	for _, tt := range tests {
		got, err := Match(tt.pat, "pcre", tt.m, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, pcre, %s) = %v, %v; want %v", tt.pat, tt.m.ID, got, err, tt.want)
		}
	}
	for _, bad := range []string{`(`, `a(?=b)`, `(a)\1`} {
		if _, err := Match(bad, "pcre", web01, nil); err == nil {
			t.Errorf("Match(%q, pcre) = nil error; want one", bad)
		}
	}
}

func TestList(t *testing.T) {
	tests := []struct {
		expr string
		m    Minion
		want bool
	}{
		{"db1", db1, true},
		{"db1,db2", db1, true},
		{"db0,db1", db1, true},
		{"db0,db1,db2", db1, true},
		{"db10,db11", db1, false},
		{"db", db1, false},
		{"web01.example.com,db1", web01, true},
		{"web*", web01, false}, // no globbing in lists
		{",db1,", db1, true},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "list", tt.m, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, list, %s) = %v, %v; want %v", tt.expr, tt.m.ID, got, err, tt.want)
		}
	}
	if _, err := Match(",,", "list", db1, nil); err == nil {
		t.Errorf(`Match(",,", list) = nil error; want one`)
	}
}

func TestGrain(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"os:Debian", true},
		{"os:debian", true}, // Salt lowercases both sides
		{"os:DEB*", true},
		{"os:RedHat", false},
		{"os_family:Deb?an", true},
		{"osmajorrelease:12", true}, // ints compare as str()
		{"osmajorrelease:1*", true},
		{"osmajorrelease:11", false},
		{"mem_total:3934.0", true}, // floats as Python prints them
		{"mem_total:3934", true},   // and integral ones as ints too: JSON has no ints
		{"mem_total:3934.5", false},
		{"json_int:12", true},
		{"json_int:12.0", true},
		{"ratio:0.5", true},
		{"ratio:0", false},
		{"selinux:enabled:False", true}, // bools as True/False
		{"selinux:enabled:false", true},
		{"selinux:enabled:True", false},
		{"nothing:None", true},
		{"roles:web", true}, // any list member
		{"roles:cache", true},
		{"roles:db", false},
		{"roles:c*", true},
		{"ipv4:10.1.*", true},
		{"ip4_interfaces:eth0:10.1.2.3", true}, // nested key, list value
		{"ip4_interfaces:eth0:10.9.*", false},
		{"ip4_interfaces:eth0", true}, // dict key present
		{"ip4_interfaces:wlan0", false},
		{"ip4_interfaces:*", true},                            // dict exists
		{"ip6_interfaces:eth0:fe80::5054:ff:fe12:3456", true}, // value holds the delimiter
		{"ipv6:fe80::5054:*", true},
		{"kernelparams:console=ttyS0:115200", true}, // value with ':' at top level
		{"kernelparams:console=ttyS0:*", true},
		{"disks:name:vdb", true},   // key through dicts inside a list
		{"disks:0:name:vda", true}, // numeric index into a list
		{"disks:1:name:vda", false},
		{"disks:-1:name:vdb", true}, // Python negative index
		{"disks:5:name:vdb", false},
		{"disks:size:100", true},
		{"locale_info:*:UTF-8", true}, // *: searches every value
		{"locale_info:*:utc", true},
		{"locale_info:*:nope", false},
		{"nested:a:b:deep", true},
		{"nested:*:deep", false}, // only one level: the b dict is not a value match
		{"nested:a:b", true},
		{"empty:*", false}, // an empty dict is "not found" in Salt
		{"missing:x", false},
		{"missing:*", false},
		{"os:*", true},
		{"dotted.key:x", true},
		{"*:Debian", true}, // top-level wildcard
		{"*:Rocky", false},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "grain", web01, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, grain, web01) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
	if _, err := Match("os", "grain", web01, nil); err == nil {
		t.Errorf(`Match("os", grain) = nil error; want one (no delimiter)`)
	}
	// A minion without grains matches nothing and does not crash.
	if ok, err := Match("os:*", "grain", Minion{ID: "bare"}, nil); ok || err != nil {
		t.Errorf(`Match("os:*", grain, bare) = %v, %v; want false, nil`, ok, err)
	}
}

func TestGrainPCRE(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"os:Deb", true}, // re.match: prefix
		{"os:deb.*", true},
		{"os:(Debian|Ubuntu)", true},
		{"os:ian", false},
		{"os:.*ian$", true},
		{`osmajorrelease:1\d`, true},
		{`osmajorrelease:\D`, false}, // \D stays \D (Salt's lowercasing would make it \d)
		{"roles:ca", true},
		{"ip6_interfaces:eth0:fe80::.*", true},
		{"os:(", false}, // the only candidate fails: error, see below
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "grain_pcre", web01, nil)
		if tt.expr == "os:(" {
			if err == nil {
				t.Errorf("Match(%q, grain_pcre) = nil error; want one", tt.expr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, grain_pcre, web01) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
}

func TestPillar(t *testing.T) {
	tests := []struct {
		expr, kind string
		want       bool
	}{
		{"role:front*", "pillar", true},
		{"role:backend", "pillar", false},
		{"app:version:1.2.*", "pillar", true},
		{"app:env:PROD", "pillar", true},
		{"users:bob", "pillar", true},
		{"Mixed:value", "pillar", true},
		{"app:version:1\\.2", "pillar_pcre", true},
		{"app:version:2", "pillar_pcre", false},
		{"role:fr", "pillar_pcre", true},
		{"role:frontend", "pillar_exact", true},
		{"role:FRONTEND", "pillar_exact", true},
		{"role:front*", "pillar_exact", false},
		{"role:front", "pillar_exact", false},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, tt.kind, web01, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, %s, web01) = %v, %v; want %v", tt.expr, tt.kind, got, err, tt.want)
		}
	}
}

func TestIPCIDR(t *testing.T) {
	tests := []struct {
		expr string
		m    Minion
		want bool
	}{
		{"10.1.2.3", web01, true},
		{"10.1.2.4", web01, false},
		{"10.1.0.0/16", web01, true},
		{"10.1.0.0/16", db1, true},
		{"10.1.2.0/24", db1, false},
		{"127.0.0.0/8", db1, true},
		{"0.0.0.0/0", web01, true},
		{"::1", web01, true},
		{"fe80::/10", web01, true},
		{"fe80::/10", db1, false}, // no ipv6 grain
		{"2001:db8::/32", web01, false},
		{"10.1.2.3", Minion{ID: "x"}, false},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "ipcidr", tt.m, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, ipcidr, %s) = %v, %v; want %v", tt.expr, tt.m.ID, got, err, tt.want)
		}
	}
	for _, bad := range []string{"10.1.2.3/24", "10.1.2", "web", "10.0.0.0/33"} {
		if _, err := Match(bad, "ipcidr", web01, nil); err == nil {
			t.Errorf("Match(%q, ipcidr) = nil error; want one", bad)
		}
	}
}

func TestData(t *testing.T) {
	tests := []struct {
		expr string
		want bool
	}{
		{"role:web", true},
		{"role:w*", true},
		{"role:db", false},
		{"tags:blue", true}, // list members compare lowercased
		{"tags:GREEN", true},
		{"kv:a", true}, // dict: key present
		{"kv:b", false},
		{"missing:x", false},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "data", web01, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, data, web01) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
	if _, err := Match("role", "data", web01, nil); err == nil {
		t.Errorf(`Match("role", data) = nil error; want one`)
	}
}

func TestUnknownKind(t *testing.T) {
	_, err := Match("x", "regex", web01, nil)
	if err == nil || !strings.Contains(err.Error(), "unknown target kind") {
		t.Errorf(`Match("x", "regex") error = %v; want unknown target kind`, err)
	}
}

func TestTargets(t *testing.T) {
	db2 := Minion{ID: "db2", Grains: map[string]any{"os": "Debian", "roles": []any{"db"}}}
	minions := []Minion{db2, web01, db1, db1}
	tests := []struct {
		expr, kind string
		want       []string
	}{
		{"*", "", []string{"db1", "db2", "web01.example.com"}},
		{"db*", "glob", []string{"db1", "db2"}},
		{"os:Debian", "grain", []string{"db2", "web01.example.com"}},
		{"G@roles:db and not G@os:Debian", "compound", []string{"db1"}},
		{"db1,nosuch", "list", []string{"db1"}},
		{"nomatch*", "glob", []string{}},
		{"dbs", "nodegroup", []string{"db1", "db2"}},
	}
	ng := map[string]string{"dbs": "G@roles:db"}
	for _, tt := range tests {
		got, err := Targets(tt.expr, tt.kind, minions, ng)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Targets(%q, %q) = %v, %v; want %v", tt.expr, tt.kind, got, err, tt.want)
		}
	}
	if _, err := Targets("a and", "compound", minions, nil); err == nil {
		t.Errorf("Targets(malformed) = nil error; want one")
	}
}

// TestTargetsJSONGrains: the master's grains cache crossed JSON, so every
// number is a float64; targets written with integers must still match.
func TestTargetsJSONGrains(t *testing.T) {
	var grains map[string]any
	if err := json.Unmarshal([]byte(`{"os":"Debian","osmajorrelease":12,"osrelease_info":[12,4],"ipv4":["10.0.0.9"]}`), &grains); err != nil {
		t.Fatal(err)
	}
	minions := []Minion{{ID: "deb12", Grains: grains}}
	for _, q := range []struct{ expr, kind string }{
		{"osmajorrelease:12", "grain"}, {"osrelease_info:4", "grain"},
		{"G@osmajorrelease:1? and S@10.0.0.0/24", "compound"}, {`osmajorrelease:\d+$`, "grain_pcre"},
	} {
		got, err := Targets(q.expr, q.kind, minions, nil)
		if err != nil || !reflect.DeepEqual(got, []string{"deb12"}) {
			t.Errorf("Targets(%q, %s) = %v, %v; want [deb12]", q.expr, q.kind, got, err)
		}
	}
}

func TestNodegroupsFromConfig(t *testing.T) {
	got, err := NodegroupsFromConfig(map[string]any{
		"web":  "G@role:web or web*",
		"list": []any{"db1", "db2"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"web": "G@role:web or web*", "list": "db1 db2"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NodegroupsFromConfig = %v; want %v", got, want)
	}
	if ok, _ := Match("list", "nodegroup", db1, got); !ok {
		t.Errorf("nodegroup from a list does not match db1")
	}
	if _, err := NodegroupsFromConfig(map[string]any{"bad": 3}); err == nil {
		t.Errorf("NodegroupsFromConfig(int) = nil error; want one")
	}
}

func TestExprErrorIsTyped(t *testing.T) {
	_, err := Compile("G@os:Debian and", "compound", nil)
	var ee *ExprError
	if !errors.As(err, &ee) {
		t.Fatalf("error %v is not an *ExprError", err)
	}
	if ee.Pos != len("G@os:Debian and") {
		t.Errorf("Pos = %d; want %d", ee.Pos, len("G@os:Debian and"))
	}
}

func TestPyStr(t *testing.T) {
	tests := []struct {
		v    any
		want string
	}{
		{nil, "None"}, {true, "True"}, {false, "False"}, {12, "12"}, {int64(-3), "-3"},
		{12.0, "12.0"}, {0.5, "0.5"}, {1e20, "1e+20"}, {"s", "s"},
		{[]any{"a", 1}, "['a', 1]"}, {map[string]any{"b": 2, "a": "x"}, "{'a': 'x', 'b': 2}"},
	}
	for _, tt := range tests {
		if got := pyfmt.Str(tt.v); got != tt.want {
			t.Errorf("pyfmt.Str(%#v) = %q; want %q", tt.v, got, tt.want)
		}
	}
}

// TestPathologicalGrainIsBounded: Salt's split-point search grows with the
// number of delimiters times the depth of the data; brine caps the work.
// The work is counted in the walk's steps (each charges for the bytes it
// handles), so the bound is checked on the count, not on a clock.
func TestPathologicalGrainIsBounded(t *testing.T) {
	expr := "G@" + strings.Repeat("*:", 400) + "x"
	m, err := Compile(expr, "compound", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.Match(web01) {
		t.Errorf("Match(%.20q…) = true; want false", expr)
	}
	s, err := newSubdict(strings.TrimPrefix(expr, "G@"), ":", modeGlob)
	if err != nil {
		t.Fatal(err)
	}
	w := &walk{}
	if s.subdictMatch(w, web01.Grains, s.expr, s.delim, 0) {
		t.Errorf("subdictMatch(%.20q…) = true; want false", expr)
	}
	// Past the cap every call stops at its first charge, so the count
	// ends a little above maxSteps; without the cap it runs to millions.
	if w.steps > 2*maxSteps {
		t.Errorf("subdictMatch(%.20q…) took %d steps; want about %d at most", expr, w.steps, maxSteps)
	}
}

// TestMatcherConcurrent: one compiled matcher serves many goroutines (run
// with -race).
func TestMatcherConcurrent(t *testing.T) {
	m, err := Compile("( G@os:deb* or P@os:Rock. ) and not N@dbs or G@locale_info:*:utc", "compound", map[string]string{"dbs": "db1 db2"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if !m.Match(web01) || m.Match(db1) {
					t.Error("wrong answer under concurrency")
					return
				}
			}
		}()
	}
	wg.Wait()
}
