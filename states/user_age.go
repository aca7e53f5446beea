package states

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The password ageing fields of /etc/shadow, in the file's order: lstchg,
// min, max, warn, inact, expire. An empty field reads as -1, as Python's
// spwd (and so Salt's shadow.info) gives it.
const (
	ageLstchg = iota
	ageMin
	ageMax
	ageWarn
	ageInact
	ageExpire
	ageFields
)

// shadowAgeKeys are shadow.info's names for the fields, used in changes.
var shadowAgeKeys = [ageFields]string{"lstchg", "min", "max", "warn", "inact", "expire"}

// ageArg ties a user.present argument to its field and chage flag, in
// the order of Salt's _changes.
type ageArg struct {
	arg   string
	field int
	flag  string
	what  string // for "User X created but failed to set ..."
}

var ageArgs = []ageArg{
	{"date", ageLstchg, "-d", "last change date"},
	{"mindays", ageMin, "-m", "minimum days"},
	{"maxdays", ageMax, "-M", "maximum days"},
	{"inactdays", ageInact, "-I", "inactive days"},
	{"warndays", ageWarn, "-W", "warn days"},
	{"expire", ageExpire, "-E", "expire days"},
}

func parseAge(f []string) [ageFields]int {
	var out [ageFields]int
	for i := range out {
		out[i] = -1
		if i+2 < len(f) {
			if n, err := strconv.Atoi(strings.TrimSpace(f[i+2])); err == nil {
				out[i] = n
			}
		}
	}
	return out
}

// userAgeArgs reads the ageing arguments: days since 1970 (date, expire)
// or counts of days; -1 clears inactdays and expire.
func userAgeArgs(a *Args) (map[string]int, error) {
	out := map[string]int{}
	for _, g := range ageArgs {
		if !a.Has(g.arg) || argNull(a, g.arg) {
			continue
		}
		n := a.Int(g.arg, 0)
		if err := a.Err(); err != nil {
			return nil, err
		}
		if n < -1 {
			return nil, &ArgError{Arg: g.arg, Err: fmt.Errorf("want a number of days >= -1, got %d", n)}
		}
		out[g.arg] = n
	}
	return out, nil
}

// ageChanges is the ageing part of Salt's _changes: date whenever given,
// the others when given and non-zero (Salt tests them for truth).
func ageChanges(sh shadowEntry, want map[string]int) []change {
	var ch []change
	for _, g := range ageArgs {
		v, ok := want[g.arg]
		if !ok || (v == 0 && g.arg != "date") {
			continue
		}
		if sh.Age[g.field] != v {
			ch = append(ch, change{g.arg, v})
		}
	}
	return ch
}

// shadowDiff is Salt's report of shadow.info before and after: the
// fields that differ, with the hash redacted.
func shadowDiff(pre, post shadowEntry) map[string]any {
	out := map[string]any{}
	if pre.Passwd != post.Passwd {
		out["passwd"] = redacted
	}
	for i, k := range shadowAgeKeys {
		if pre.Age[i] != post.Age[i] {
			out[k] = post.Age[i]
		}
	}
	return out
}

// today is the shadow file's date for now: days since 1970-01-01 (UTC).
func today() int { return int(time.Now().Unix() / 86400) }
