package pyrandom

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// TestAgainstPython draws from generators seeded with minion ids, ints
// (small, negative, wider than 32 bits) and bools, and compares every
// draw with CPython's for the same seed.
func TestAgainstPython(t *testing.T) {
	seeds := []any{"web1", "minion1", "web1.example.org", "", "ünïcode-id", 0, 1, -7, 12345678901234, true}
	type tc struct {
		seed any
		op   string
		args []int
	}
	var cases []tc
	for _, s := range seeds {
		cases = append(cases,
			tc{s, "randrange", []int{60}}, tc{s, "randrange", []int{10}}, tc{s, "randrange", []int{1}},
			tc{s, "randrange", []int{1 << 40}},
			tc{s, "randint", []int{1, 10}}, tc{s, "randint", []int{-5, 1000}},
			tc{s, "getrandbits", []int{7}}, tc{s, "getrandbits", []int{32}}, tc{s, "getrandbits", []int{53}},
			tc{s, "shuffle", []int{10}}, tc{s, "sample", []int{10, 3}}, tc{s, "sample", []int{100, 7}}, tc{s, "sample", []int{5, 5}})
	}
	in := make([][]any, len(cases))
	for i, c := range cases {
		in[i] = []any{c.seed, c.op, c.args}
	}
	var py []json.RawMessage
	pyref.Run(t, "testdata/random_ref.py", nil, in, &py)
	if len(py) != len(cases) {
		t.Fatalf("python returned %d results for %d cases", len(py), len(cases))
	}
	for i, c := range cases {
		var want []int64
		if err := json.Unmarshal(py[i], &want); err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got, err := draw(c.seed, c.op, c.args)
		if err != nil {
			t.Errorf("seed %#v %s%v: %v", c.seed, c.op, c.args, err)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("seed %#v %s%v = %v; Python gives %v", c.seed, c.op, c.args, got, want)
		}
	}
}

func draw(seed any, op string, args []int) ([]int64, error) {
	r, err := New(seed)
	if err != nil {
		return nil, err
	}
	var out []int64
	switch op {
	case "randrange":
		for range 5 {
			v, err := r.RandRange(0, int64(args[0]))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case "randint":
		for range 5 {
			v, err := r.RandInt(int64(args[0]), int64(args[1]))
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case "getrandbits":
		for range 3 {
			out = append(out, int64(r.GetRandBits(args[0])))
		}
	case "shuffle":
		for i := range args[0] {
			out = append(out, int64(i))
		}
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	case "sample":
		idx, err := r.Sample(args[0], args[1])
		if err != nil {
			return nil, err
		}
		for _, i := range idx {
			out = append(out, int64(i))
		}
	default:
		return nil, fmt.Errorf("unknown op %s", op)
	}
	return out, nil
}

func TestBadSeedAndRange(t *testing.T) {
	if _, err := New([]any{1}); err == nil {
		t.Error("New(list) = nil error; want ErrSeedType as Python's TypeError")
	}
	r, _ := New("x")
	if _, err := r.RandRange(5, 5); err == nil {
		t.Error("RandRange(5, 5) = nil error; want empty range")
	}
	if _, err := r.Sample(3, 4); err == nil {
		t.Error("Sample(3, 4) = nil error; want sample larger than population")
	}
}

// get_str draws from the classes asked, chars alone when given, and
// printable over everything, as Salt's secure_password.
func TestGetStrClasses(t *testing.T) {
	for _, tt := range []struct {
		c       StrClasses
		allowed string
	}{
		{StrClasses{Chars: "xy"}, "xy"},
		{StrClasses{Chars: "xy", Printable: true}, pyDigits + asciiLowercase + asciiUppercase + pyPunctuation + pyWhitespace},
		{StrClasses{Digits: true}, pyDigits},
		{StrClasses{Lowercase: true, Whitespace: true}, asciiLowercase + pyWhitespace},
	} {
		s, err := GetStr(200, tt.c)
		if err != nil || len([]rune(s)) != 200 {
			t.Fatalf("GetStr(200, %+v) = %q, %v", tt.c, s, err)
		}
		for _, r := range s {
			if !strings.ContainsRune(tt.allowed, r) {
				t.Errorf("GetStr(%+v) drew %q, not in %q", tt.c, r, tt.allowed)
				break
			}
		}
	}
	if _, err := GetStr(5, StrClasses{}); err == nil {
		t.Error("GetStr with no class = nil error")
	}
}
