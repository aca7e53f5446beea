package output

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
)

// printable stands for high data: a value whose JSON form fails on an
// infinite float, and whose PrintValue gives the tree to print.
type printable struct{ v any }

func (p printable) MarshalJSON() ([]byte, error) { return nil, errNoJSON }
func (p printable) PrintValue() any              { return p.v }

var errNoJSON = errors.New("json: unsupported value: +Inf")

// TestNonFinite: an .inf or .nan (an SLS argument Salt reads as a float)
// prints as Salt's outputters print it, through a value's PrintValue
// where its JSON form cannot hold it, and in the order of an *odict.Map.
func TestNonFinite(t *testing.T) {
	m := odict.New(3)
	m.Set("z", math.Inf(1))
	m.Set("a", math.Inf(-1))
	m.Set("n", math.NaN())
	for _, tt := range []struct {
		out  string
		want []string
	}{
		{OutJSON, []string{`"z": Infinity`, `"a": -Infinity`, `"n": NaN`}},
		{OutYAML, []string{"z: .inf", "a: -.inf", "n: .nan"}},
		{OutNested, []string{"inf", "-inf", "nan"}},
	} {
		got := render(t, "m1", printable{m}, Options{Out: tt.out})
		last := -1
		for _, w := range tt.want {
			i := strings.Index(got, w)
			if i < 0 {
				t.Errorf("--out %s: %q missing in\n%s", tt.out, w, got)
				continue
			}
			if tt.out != OutNested && i < last {
				t.Errorf("--out %s: %q out of the map's order in\n%s", tt.out, w, got)
			}
			last = i
		}
		if strings.Contains(got, "&{") {
			t.Errorf("--out %s printed a Go value:\n%s", tt.out, got)
		}
	}
}
