package top

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestCompoundLeaves(t *testing.T) {
	tests := []struct {
		expr string
		m    Minion
		want bool
	}{
		{"web*", web01, true},
		{"G@os:Debian", web01, true},
		{"G@os:Debian", db1, false},
		{"G@roles:web", web01, true},
		{"G%@ip6_interfaces%eth0%fe80::5054:ff:fe12:3456", web01, true}, // own delimiter
		{"G|@os|Debian", web01, true},
		{"G@@os@Debian", web01, true}, // '@' as the delimiter, as Salt's regex reads it
		{"P@os:(Debian|Ubuntu)", web01, true},
		{"P@os:R", db1, true},
		{"I@role:front*", web01, true},
		{"J@app:version:1\\.\\d", web01, true},
		{"L@db1,db2", db1, true},
		{"L@db2,db3", db1, false},
		{"E@db\\d", db1, true},
		{"E@web", web01, true}, // anchored at the start only
		{"S@10.1.0.0/16", db1, true},
		{"S@10.1.2.3", web01, true},
		{"S@192.168.0.0/16", web01, false},
		{"user@host", Minion{ID: "user@host"}, true}, // lowercase before @ is a glob
		{"ab@c", Minion{ID: "ab@c"}, true},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, "compound", tt.m, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, compound, %s) = %v, %v; want %v", tt.expr, tt.m.ID, got, err, tt.want)
		}
	}
}

// TestCompoundPrecedence checks Python's precedence, which Salt inherits
// by eval()-ing the expression: not > and > or, left to right.
func TestCompoundPrecedence(t *testing.T) {
	tests := precedenceCases
	m := Minion{ID: "m"}
	for _, tt := range tests {
		expr := strings.NewReplacer("T", "L@m", "F", "L@x").Replace(tt.expr)
		if strings.Contains(tt.expr, "not_a_glob") {
			expr = tt.expr
		}
		got, err := Match(expr, "compound", m, nil)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q) = %v, %v; want %v", tt.expr, got, err, tt.want)
		}
	}
}

func TestCompoundErrors(t *testing.T) {
	ng := map[string]string{
		"broken": "web* and",
		"unopen": "web* )",
		"empty":  "   ",
		"badre":  "E@(",
	}
	tests := errorCases
	for _, tt := range tests {
		_, err := Compile(tt.expr, "compound", ng)
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Errorf("Compile(%q) error = %v; want an *ExprError", tt.expr, err)
			continue
		}
		if !strings.Contains(ee.Msg, tt.msg) {
			t.Errorf("Compile(%q) = %q; want it to say %q", tt.expr, err, tt.msg)
		}
		if got := ee.Pos + 1; tt.column != 0 && got != tt.column {
			t.Errorf("Compile(%q) column = %d; want %d (%v)", tt.expr, got, tt.column, err)
		}
		if tt.column == 0 && ee.Pos != -1 {
			t.Errorf("Compile(%q) Pos = %d; want -1 (%v)", tt.expr, ee.Pos, err)
		}
		if ee.Nodegroup != "" {
			t.Errorf("Compile(%q) blamed nodegroup %q; want the target", tt.expr, ee.Nodegroup)
		}
	}

	// Faults inside a nodegroup's definition point into that definition.
	inGroup := []struct {
		expr, group, msg string
		column           int
	}{
		{"N@broken", "broken", "the expression ends where a target is expected", 9},
		{"db* or N@broken", "broken", "the expression ends where a target is expected", 9},
		{"N@unopen", "unopen", "unmatched ')'", 6},
		{"N@badre", "badre", "regular expression", 1},
	}
	for _, tt := range inGroup {
		_, err := Compile(tt.expr, "compound", ng)
		var ee *ExprError
		if !errors.As(err, &ee) {
			t.Errorf("Compile(%q) error = %v; want an *ExprError", tt.expr, err)
			continue
		}
		if ee.Nodegroup != tt.group || !strings.Contains(ee.Msg, tt.msg) || ee.Pos+1 != tt.column {
			t.Errorf("Compile(%q) = %q (group %q, column %d); want group %q, column %d, %q",
				tt.expr, err, ee.Nodegroup, ee.Pos+1, tt.group, tt.column, tt.msg)
		}
		if !strings.Contains(err.Error(), "nodegroup "+tt.group) {
			t.Errorf("Compile(%q) message %q does not name the nodegroup", tt.expr, err)
		}
	}
}

func TestNodegroups(t *testing.T) {
	ng := map[string]string{
		"web":     "web*",
		"dbs":     "db1 db2",            // plain words: L@db1,db2
		"regexy":  "db[12]",             // a regex character: E@db[12]
		"debian":  "G@os:Debian",        //
		"webdeb":  "N@web and N@debian", // nested
		"all":     "N@webdeb or N@dbs",  // nested twice
		"orgroup": "G@os:Rocky or G@os:Ubuntu",
		"notdb":   "not N@dbs",
		"cyc1":    "N@cyc2 or web*",
		"cyc2":    "N@cyc1",
		"self":    "N@self",
		"diamond": "N@dbs or N@dbs",
	}
	tests := []struct {
		expr, kind string
		m          Minion
		want       bool
	}{
		{"web", "nodegroup", web01, true},
		{"web", "nodegroup", db1, false},
		{"dbs", "nodegroup", db1, true},
		{"dbs", "nodegroup", Minion{ID: "db3"}, false},
		{"regexy", "nodegroup", db1, true},
		{"regexy", "nodegroup", Minion{ID: "db3"}, false},
		{"webdeb", "nodegroup", web01, true},
		{"webdeb", "nodegroup", Minion{ID: "web02", Grains: map[string]any{"os": "Rocky"}}, false},
		{"all", "nodegroup", web01, true},
		{"all", "nodegroup", db1, true},
		{"all", "nodegroup", Minion{ID: "mail1"}, false},
		{"notdb", "nodegroup", db1, false},
		{"notdb", "nodegroup", web01, true},
		{"diamond", "nodegroup", db1, true},
		{"N@all and not N@dbs", "compound", db1, false},
		{"N@all and not N@dbs", "compound", web01, true},
		{"N@web or N@dbs", "compound", db1, true},
		// The group stays together: (Rocky or Ubuntu) and web*. Salt would
		// splice it bare and read Rocky or (Ubuntu and web*), true for db1.
		{"N@orgroup and web*", "compound", db1, false},
		{"  web  ", "nodegroup", web01, true},
	}
	for _, tt := range tests {
		got, err := Match(tt.expr, tt.kind, tt.m, ng)
		if err != nil || got != tt.want {
			t.Errorf("Match(%q, %s, %s) = %v, %v; want %v", tt.expr, tt.kind, tt.m.ID, got, err, tt.want)
		}
	}
	cycles := []struct{ expr, kind, want string }{
		{"cyc1", "nodegroup", "nodegroup cycle: cyc1 -> cyc2 -> cyc1"},
		{"web* or N@cyc2", "compound", "nodegroup cycle: cyc2 -> cyc1 -> cyc2"},
		{"self", "nodegroup", "nodegroup cycle: self -> self"},
		{"nosuch", "nodegroup", `unknown nodegroup "nosuch"`},
		{"", "nodegroup", "empty nodegroup name"},
	}
	for _, tt := range cycles {
		_, err := Match(tt.expr, tt.kind, web01, ng)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Match(%q, %s) error = %v; want %q", tt.expr, tt.kind, err, tt.want)
		}
	}
	// Groups naming each other twice over would expand to 2^60 words if
	// spliced; compiled once each, they cost nothing.
	big := map[string]string{"g0": "a"}
	for i := 1; i <= 60; i++ {
		big["g"+strconv.Itoa(i)] = "N@g" + strconv.Itoa(i-1) + " or N@g" + strconv.Itoa(i-1)
	}
	if ok, err := Match("g60", "nodegroup", Minion{ID: "a"}, big); !ok || err != nil {
		t.Errorf("Match(g60, a) = %v, %v; want true", ok, err)
	}
	if ok, err := Match("g60", "nodegroup", Minion{ID: "b"}, big); ok || err != nil {
		t.Errorf("Match(g60, b) = %v, %v; want false", ok, err)
	}
}

var precedenceCases = []struct {
	expr string
	want bool
}{
	{"T", true},
	{"F", false},
	{"T or F and F", true}, // and binds tighter; left-to-right would give false
	{"F and F or T", true},
	{"F and T or T and T", true},
	{"F and T or T and F", false},
	{"not T or T", true}, // not binds tighter than or
	{"not F and F", false},
	{"not T and T", false},
	{"T and not F", true},
	{"T not F", true}, // Salt inserts `and` before a `not` after a target
	{"F not F", false},
	{"F or T not T", false}, // F or (T and not T)
	{"T or F not F", true},
	{"( T or F ) and F", false},
	{"T or ( F and F )", true},
	{"not ( T and F )", true},
	{"not ( F or F ) and T", true},
	{"( ( T ) )", true},
	{"T or F or F", true},
	{"F or F or F", false},
	{"T and T and T", true},
	{"T and ( F or not F )", true},
	{"( T ) not ( T )", false}, // implicit and after ')'
	{"not not_a_glob", true},   // a word that only starts with "not" is a glob
	{"T\tand\nT", true},        // any whitespace separates words
}

var errorCases = []struct {
	expr   string
	column int // 0: the error concerns the whole text
	msg    string
}{
	{"", 0, "empty expression"},
	{"   ", 0, "empty expression"},
	{"and web*", 1, `expected a target, found "and"`},
	{"or web*", 1, `expected a target, found "or"`},
	{"web* and", 9, "ends where a target is expected"},
	{"web* or or db*", 9, `expected a target, found "or"`},
	{"not", 4, "ends where a target is expected"},
	{"web* not", 9, "ends where a target is expected"},
	{"( web* or db*", 1, "'(' is never closed"},
	{"web* )", 6, "unmatched ')'"},
	{")", 1, "expected a target, found ')'"},
	{"web* db*", 6, `missing 'and' or 'or' between "web*" and "db*"`},
	{"web* ( db* )", 6, `missing 'and' or 'or' between "web*" and "("`},
	{"( web* db* )", 8, `missing 'and' or 'or' between "web*" and "db*"`},
	{"( )", 1, "empty parentheses"},
	{"( and web* )", 3, `expected a target, found "and"`},
	{"(web* or db*)", 1, "parentheses must stand apart"},
	{"web* or (db*", 9, "parentheses must stand apart"},
	{"not not web*", 5, "'not not' is not valid"},
	{"X@foo", 1, "unknown target engine X@"},
	{"web* and R@%foo", 10, "R@ (range cluster) targets are not supported"},
	{"G@os", 1, `has no ":"`},
	{"G@", 1, "G@ needs a pattern"},
	{"E@(", 1, "regular expression"},
	{"web* or S@10.0.0.1/8", 9, "host bits set"},
	{"S@nope", 1, "not an IP address"},
	{"N@", 1, "N@ needs a nodegroup name"},
	{"N@nosuch", 1, `unknown nodegroup "nosuch"`},
	{"web* or N@empty", 9, `nodegroup "empty" is empty`},
}

// compoundSeeds are the fuzz corpus, with every expression from the tables above.
var compoundSeeds = []string{
	"", "web*", "G@os:Debian and not E@db\\d", "T or F and F", "not ( T and F )",
	"( web* or db* ) and G@roles:web", "web* not G@os:Debian", "N@all and not N@dbs",
	"G%@a%b", "S@10.0.0.0/8 or S@::1", "L@a,b,c or I@role:web", "J@app:version:1\\.2",
	"P@os:(Debian|Ubuntu)", "G@disks:0:name:vda", "G@*:Debian", "not not x", "( )",
	"(web* or db*)", "X@foo", "N@cyc1", "a and", "or", ") (", "G@", "E@(", "S@1.2.3.4/8",
	"G@ip6_interfaces:eth0:fe80::5054:ff:fe12:3456", "G@locale_info:*:utf-8",
}

func FuzzCompound(f *testing.F) {
	for _, s := range compoundSeeds {
		f.Add(s)
	}
	for _, c := range precedenceCases {
		f.Add(strings.NewReplacer("T", "L@m", "F", "L@x").Replace(c.expr))
	}
	for _, c := range errorCases {
		f.Add(c.expr)
	}
	ng := map[string]string{
		"web": "web*", "dbs": "db1 db2", "all": "N@web or N@dbs",
		"cyc1": "N@cyc2", "cyc2": "N@cyc1", "broken": "a and",
	}
	f.Fuzz(func(t *testing.T, expr string) {
		m, err := Compile(expr, "compound", ng)
		if err != nil {
			if err.Error() == "" {
				t.Fatalf("Compile(%q): empty error message", expr)
			}
			return
		}
		a, b := m.Match(web01), m.Match(db1)
		// Any valid expression stays valid negated, and flips.
		n, err := Compile("not ( "+expr+" )", "compound", ng)
		if err != nil {
			t.Fatalf("Compile(not ( %q )) = %v; the inner expression compiled", expr, err)
		}
		if n.Match(web01) == a || n.Match(db1) == b {
			t.Fatalf("not ( %q ) does not flip the result", expr)
		}
	})
}
