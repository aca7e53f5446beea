package pyversion

import (
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

var pairs = [][2]string{
	{"1.0", "1.0"}, {"1.0", "1.0.0"}, {"1.2", "1.10"}, {"2016.11.1", "2016.3.0"}, {"3006.1", "3007"},
	{"1.0a", "1.0b"}, {"1.0", "1.0a"}, {"1.0-beta", "1.0"}, {"1.0RC1", "1.0"}, {"1.0rc1", "1.0"},
	{"2:1.0", "1:2.0"}, {"1.2.3-1ubuntu1", "1.2.3-1"}, {"7.4.0", "7.4"}, {"abc", "abd"}, {"", "1"},
	{"10", "9"}, {"1.0.0~rc1", "1.0.0"}, {"v1.2", "1.2"}, {"1.02", "1.2"}, {"123456789", "2"},
	{"1.0+dfsg", "1.0"}, {"0.9.8zh", "0.9.8"}, {"5.10.0-21-amd64", "5.10.0-9-amd64"},
}

// TestAgainstPython compares every pair with the LooseVersion ordering
// Salt computes in Python.
func TestAgainstPython(t *testing.T) {
	in := make([][]string, len(pairs))
	for i, p := range pairs {
		in[i] = []string{p[0], p[1]}
	}
	var want []int
	pyref.Run(t, "testdata/looseversion_ref.py", nil, in, &want)
	for i, p := range pairs {
		if got := Compare(p[0], p[1]); got != want[i] {
			t.Errorf("Compare(%q, %q) = %d; Salt gives %d", p[0], p[1], got, want[i])
		}
	}
}

func TestCompareOp(t *testing.T) {
	for _, tt := range []struct {
		a, op, b string
		want     bool
	}{
		{"2016.11.1", ">", "2016.3.0", true}, {"1.0", "==", "1.0.0", false}, {"1.0", "<=", "1.0", true},
		{"1.0", "!=", "1.1", true}, {"3006.1", ">=", "3007", false}, {"1.0", "<", "1.0", false},
	} {
		got, err := CompareOp(tt.a, tt.op, tt.b, nil)
		if err != nil || got != tt.want {
			t.Errorf("CompareOp(%q, %q, %q) = %v, %v; want %v", tt.a, tt.op, tt.b, got, err, tt.want)
		}
	}
	if ok, err := CompareOp("1", "=~", "1", nil); ok || err == nil {
		t.Errorf("CompareOp with =~ = %v, %v; want false and an error", ok, err)
	}
}
