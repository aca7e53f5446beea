package jinja

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestRandomFuncsAgainstPython: random.seed (the cron-minute idiom, seeded
// with the minion id by default), random.rand_int with a seed, and the
// seeded random_sample/random_shuffle filters give, for each id and seed,
// the numbers Python's random gives where Salt computes them.
func TestRandomFuncsAgainstPython(t *testing.T) {
	ids := []string{"web1", "web1.example.org", "db-02", "minion", "ünï"}
	type tc struct {
		src  string
		id   string
		kind string
		args []any
	}
	var cases []tc
	for _, id := range ids {
		cases = append(cases,
			tc{`{{ salt['random.seed'](60) }}`, id, "seed", []any{60, id}},
			tc{`{{ salt['random.seed']() }}`, id, "seed", []any{10, id}},
			tc{`{{ salt['random.seed'](24, hash='x' ~ grains.id) }}`, id, "seed", []any{24, "x" + id}},
			tc{`{{ salt['random.seed'](range=7, hash=12345) }}`, id, "seed", []any{7, 12345}},
			tc{`{{ salt['random.rand_int'](1, 100, seed=grains.id) }}`, id, "rand_int", []any{1, 100, id}},
			tc{`{{ [1, 2, 3, 4, 5, 6, 7, 8] | random_sample(3, seed=grains.id) | join(',') }}`, id, "sample", []any{[]any{1, 2, 3, 4, 5, 6, 7, 8}, 3, id}},
			tc{`{{ ['a', 'b', 'c', 'd'] | random_shuffle(seed=grains.id) | join(',') }}`, id, "sample", []any{[]any{"a", "b", "c", "d"}, 4, id}},
			tc{`{{ salt['random.shuffle'](['a', 'b', 'c', 'd'], grains.id) | join(',') }}`, id, "sample", []any{[]any{"a", "b", "c", "d"}, 4, id}},
		)
	}
	in := make([][]any, len(cases))
	for i, c := range cases {
		in[i] = []any{c.kind, c.args}
	}
	var py []json.RawMessage
	pyref.Run(t, "testdata/salt_random_ref.py", nil, in, &py)
	for i, c := range cases {
		var v any
		if err := json.Unmarshal(py[i], &v); err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprint(v)
		if l, ok := v.([]any); ok {
			parts := make([]string, len(l))
			for j, e := range l {
				parts[j] = fmt.Sprint(e)
			}
			want = strings.Join(parts, ",")
		}
		ctx := SaltContext{ID: c.id, Grains: map[string]any{"id": c.id}}
		got, err := Render("t.sls", []byte(c.src), SaltVars(ctx, "t", "t.sls", "base"), Options{})
		if err != nil {
			t.Errorf("id %s: %s: %v", c.id, c.src, err)
			continue
		}
		if got != want {
			t.Errorf("id %s: %s = %q; Salt (Python) gives %q", c.id, c.src, got, want)
		}
	}
}

func TestRandomFuncs(t *testing.T) {
	ctx := SaltContext{ID: "web1", Grains: map[string]any{"id": "web1"}}
	render := func(src string) (string, error) {
		return Render("t.sls", []byte(src), SaltVars(ctx, "t", "t.sls", "base"), Options{})
	}
	for src, want := range map[string]string{
		`{{ salt['random.hash']('I am a string', 'md5') }}`:                              "1710528bf976601a5d203cbc289e1a76",
		`{{ salt['random.hash']('abc') | length }}`:                                      "128",
		`{{ salt['random.str_encode']('I am a new string') }}`:                           "SSBhbSBhIG5ldyBzdHJpbmc=",
		`{{ salt['random.get_str'](32) | length }}`:                                      "32",
		`{{ salt['random.get_str'](5, chars='a') }}`:                                     "aaaaa",
		`{{ salt['random.get_str'](40, punctuation=False) is match('^[A-Za-z0-9]+$') }}`: "True",
		`{% set n = salt['random.rand_int'](3, 5) %}{{ n >= 3 and n <= 5 }}`:             "True",
	} {
		got, err := render(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if got != want {
			t.Errorf("%s = %q; want %q", src, got, want)
		}
	}
	for _, src := range []string{
		`{{ salt['random.hash']('x', 'nohash') }}`,
		`{{ salt['random.seed'](0) }}`,
		`{{ salt['random.seed'](5, hash=[1]) }}`,
		`{{ [1] | random_sample(2, seed='x') }}`,
		`{{ [1] | random_sample(1, seed=5) }}`,
	} {
		if out, err := render(src); err == nil {
			t.Errorf("%s = %q; want an error", src, out)
		}
	}
}
