package exec

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/sls/jinja"
)

// TestRandomFunctions: random.seed is seeded with the minion id by
// default, so a host gets the number Salt gives it (the values come from
// CPython: random.seed(id); random.randrange(range)); rand_int with a
// seed likewise; shadow_hash is glibc's SHA-512 crypt.
func TestRandomFunctions(t *testing.T) {
	h := &Host{ID: "web1", Grains: map[string]any{"id": "web1"}}
	db := &Host{ID: "db-02", Grains: map[string]any{}}
	tests := []struct {
		host  *Host
		fun   string
		words []string
		want  any
		code  int
	}{
		{h, "random.seed", []string{"60"}, 52, 0},
		{db, "random.seed", []string{"60"}, 38, 0},
		{h, "random.seed", []string{"60", "hash=db-02"}, 38, 0},
		{h, "random.rand_int", []string{"1", "100", "seed=7"}, 42, 0},
		{h, "random.hash", []string{"I am a string", "md5"}, "1710528bf976601a5d203cbc289e1a76", 0},
		{h, "random.hash", []string{"x", "nope"}, nil, 1},
		{h, "random.str_encode", []string{"I am a new string"}, "SSBhbSBhIG5ldyBzdHJpbmc=", 0},
		{h, "random.shadow_hash", []string{"saltstring", "Hello world!"},
			"$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1", 0},
		{h, "random.shadow_hash", []string{"s", "p", "md5"}, nil, 1},
		{h, "random.get_str", []string{"8", "chars=z"}, "zzzzzzzz", 0},
		{h, "random.seed", []string{"0"}, nil, 1},
	}
	for _, tt := range tests {
		ret := callWords(t, tt.host, tt.fun, tt.words...)
		if ret.Retcode != tt.code || (tt.want != nil && !reflect.DeepEqual(ret.Value, tt.want)) {
			t.Errorf("%s %q = %#v (%d); want %#v (%d)", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want, tt.code)
		}
	}
	if s, _ := callWords(t, h, "random.get_str").Value.(string); len(s) != 20 || strings.ContainsAny(s, " \t\n") {
		t.Errorf("random.get_str = %q; want 20 characters, no whitespace", s)
	}
	a := callWords(t, h, "random.shuffle", `["a","b","c","d"]`, "seed=web1").Value
	b := callWords(t, h, "random.shuffle", `["a","b","c","d"]`, "seed=web1").Value
	if !reflect.DeepEqual(a, b) || len(a.([]any)) != 4 {
		t.Errorf("random.shuffle with one seed = %v, then %v; want the same permutation", a, b)
	}
}

// A template hashes a password for /etc/shadow through the host's
// execution functions, as salt['random.shadow_hash'] in Salt.
func TestShadowHashInTemplate(t *testing.T) {
	h := testHost(t)
	vars := templateVars(context.Background(), h, "base", false)
	got, err := jinja.Render("t", []byte("{{ salt['random.shadow_hash']('saltstring', 'Hello world!') }}"), vars, jinja.Options{})
	want := "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1"
	if err != nil || got != want {
		t.Errorf("render = %q, %v; want %q", got, err, want)
	}
}
