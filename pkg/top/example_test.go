package top_test

import (
	"fmt"

	"github.com/brine-cm/brine/pkg/top"
)

func Example() {
	t, err := top.Parse("top.sls", []byte(`
base:
  '*':
    - core
  'os_family:Debian':
    - match: grain
    - apt
  'web* and not G@os:Rocky':
    - nginx
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	m := top.Minion{ID: "web01", Grains: map[string]any{"os": "Debian", "os_family": "Debian"}}
	sls, err := t.SLSFor(m, nil)
	fmt.Println(sls, err)
	// Output: map[base:[core apt nginx]] <nil>
}

func ExampleTargets() {
	minions := []top.Minion{
		{ID: "db1", Grains: map[string]any{"roles": []any{"db"}}},
		{ID: "web1", Grains: map[string]any{"roles": []any{"web"}}},
		{ID: "web2", Grains: map[string]any{"roles": []any{"web", "db"}}},
	}
	ids, err := top.Targets("G@roles:db and not N@webs", "compound", minions, map[string]string{"webs": "web*"})
	fmt.Println(ids, err)
	// Output: [db1] <nil>
}

func ExampleCompile_error() {
	_, err := top.Compile("G@os:Debian and ( web* or", "compound", nil)
	fmt.Println(err)
	// Output: target "G@os:Debian and ( web* or": column 26: the expression ends where a target is expected
}
