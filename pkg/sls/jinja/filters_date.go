package jinja

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/brine-cm/brine/pkg/py/pystrftime"
)

// dateFilters adds Salt's strftime and date_format (one function under two
// names, salt/utils/dateutils.py): date_cast(value).strftime(format).
func dateFilters() {
	filters["strftime"] = fStrftime
	filters["date_format"] = fStrftime
}

// fStrftime formats a time as Salt's filter does: none is now; a number,
// or text of digits or of a float, is a Unix time read in the local zone
// (datetime.fromtimestamp). Other text needs the timelib module, which
// Salt's packages do not carry, so it fails with Salt's message.
func fStrftime(_ *env, v any, args []any, kw map[string]any) (any, error) {
	format, err := toStr(arg(args, kw, 0, "format", "%Y-%m-%d"))
	if err != nil {
		return nil, err
	}
	t, err := dateCast(v)
	if err != nil {
		return nil, err
	}
	return pystrftime.Format(t, format), nil
}

func dateCast(v any) (time.Time, error) {
	var secs float64
	switch x := normalize(v).(type) {
	case nil:
		return time.Now(), nil
	case bool:
		if x {
			secs = 1
		}
	case int:
		secs = float64(x)
	case float64:
		secs = x
	case string:
		s := strings.TrimSpace(x)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || s == "" || strings.ContainsAny(s, "xXpP_") {
			return time.Time{}, fmt.Errorf("Unable to parse %s. Consider installing timelib", x)
		}
		secs = f
	default:
		return time.Time{}, fmt.Errorf("Unable to parse %s. Consider installing timelib", typeName(v))
	}
	if math.IsNaN(secs) || math.IsInf(secs, 0) || math.Abs(secs) > 1e14 {
		return time.Time{}, fmt.Errorf("Unable to parse %v. Consider installing timelib", v)
	}
	whole, frac := math.Modf(secs)
	return time.Unix(int64(whole), int64(math.Round(frac*1e6))*1000), nil
}
