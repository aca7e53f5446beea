package proto

import (
	"encoding/json"
	"reflect"
	"testing"
)

var idListCases = []string{
	`["m1"]`, `["m1","web-01.example.org","db_2"]`, `[]`, `null`, `[""]`, `["",""]`,
	`[ "m1" ]`, `["m1", "m2"]`, `["\u00fcber"]`, `["üb"]`, `["a\"b"]`, `["a\\b"]`,
	`["a","b",]`, `["a"`, `"a"`, `["a",1]`, `[1]`, `{"a":1}`, `["a","\ud800"]`,
	"[\"\xff\"]", `["a""b"]`, `["a",,"b"]`, `[","]`, `["]"]`, `["a,"]`, `["\","]`,
	`["~","!"]`, `[null]`, `["a",null]`,
}

// TestIDListIsStrings: an IDList reads any JSON as a []string does,
// and refuses what it refuses.
func TestIDListIsStrings(t *testing.T) {
	for _, in := range idListCases {
		checkIDList(t, []byte(in))
	}
	// Inside a job, as a minion reads it.
	var j Job
	if err := json.Unmarshal([]byte(`{"v":1,"minions":["m1","m2"]}`), &j); err != nil || !reflect.DeepEqual([]string(j.Minions), []string{"m1", "m2"}) || !j.For("m2") {
		t.Errorf("job minions %q, %v", j.Minions, err)
	}
}

func checkIDList(t *testing.T, in []byte) {
	t.Helper()
	var want []string
	werr := json.Unmarshal(in, &want)
	var got IDList
	gerr := json.Unmarshal(in, &got)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("%q: IDList error %v, []string error %v", in, gerr, werr)
	}
	if werr == nil && !reflect.DeepEqual([]string(got), want) {
		t.Fatalf("%q: IDList %q; []string %q", in, got, want)
	}
}

func FuzzIDList(f *testing.F) {
	for _, in := range idListCases {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, in []byte) { checkIDList(t, in) })
}
