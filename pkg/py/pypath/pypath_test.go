package pypath

import (
	"reflect"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

var paths = []string{
	"", ".", "/", "//", "///", "////x", "//a//b", "a", "a/", "/a/b/", "a/b/../c", "../a", "a/../..",
	"/../a", "/a/./b/.", "./a", "a//b", "/a/b/c.txt", "x/..", "../../", "//a/../..", "a/b/",
	"/etc/app/../map.jinja", "formula/sub/../map.jinja", "...", "a/.../b",
}

var joins = [][]string{
	{"a", "b"}, {"/a", "b", "c"}, {"/a/", "b"}, {"a", ""}, {"", "a"}, {"a", "/b", "c"}, {"/a", "../b"},
	{"a//", "b"}, {"", ""}, {"a", "b/", "c"},
}

func TestAgainstPosixpath(t *testing.T) {
	var cases [][]string
	var got []any
	for _, p := range paths {
		h, tl := Split(p)
		cases = append(cases, []string{"normpath", p}, []string{"split", p}, []string{"dirname", p}, []string{"basename", p})
		got = append(got, Normpath(p), []any{h, tl}, Dirname(p), Basename(p))
	}
	for _, j := range joins {
		cases = append(cases, append([]string{"join"}, j...))
		got = append(got, Join(j[0], j[1:]...))
	}
	var want []any
	pyref.Run(t, "testdata/posixpath_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("the reference gave %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("%s%q = %q; Python gives %q", c[0], c[1:], got[i], want[i])
		}
	}
}
