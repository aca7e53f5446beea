package pystrftime

import (
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

// Every directive on a spread of dates (leap days, year ends, week 0 and
// 53, noon and midnight) is compared with Python's own strftime.
func TestFormatMatchesPython(t *testing.T) {
	formats := []string{
		"%Y-%m-%d", "%Y%m%d%H%M%S", "%a %A %w %u", "%b %B %h %m", "%d %e %j", "%y %C %G %V",
		"%H %I %k %l %p %M %S %f", "%U %W", "%z %Z %s", "%c", "%x %X %D %F %R %r %T",
		"100%% %n%t| %Q %", "[%Y-%m-%dT%H:%M:%S.%f%z]", "",
	}
	stamps := []int64{0, 951782400, 951868799, 1009843199, 1104537600, 1230681600, 1700000000, 1709210096, 1735603200, 4102444799}
	var cases [][]any
	for _, s := range stamps {
		for _, f := range formats {
			cases = append(cases, []any{s, 123456, f})
		}
	}
	var want []string
	pyref.Run(t, "testdata/strftime_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("python gave %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		tm := time.Unix(c[0].(int64), 123456000).UTC()
		if got := Format(tm, c[2].(string)); got != want[i] {
			t.Errorf("Format(%s, %q) = %q; Python %q", tm, c[2], got, want[i])
		}
	}
}
