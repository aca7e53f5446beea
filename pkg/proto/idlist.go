package proto

import (
	"encoding/json"
	"strings"
)

// IDList is a list of minion ids, as a job names them. Every minion
// decodes the list of its group (up to 32 ids) for every job it takes;
// the common shape (["a","b"], ASCII, no escapes, no spaces: what the
// master writes) is read straight from the bytes into substrings of one
// string, and any other goes through encoding/json. Either way the
// result is what json.Unmarshal into a []string gives
// (TestIDListIsStrings, FuzzIDList).
type IDList []string

// UnmarshalJSON reads the list. b is one JSON value, already checked by
// the decoder that calls it.
func (l *IDList) UnmarshalJSON(b []byte) error {
	if ids, ok := plainIDs(b); ok {
		*l = ids
		return nil
	}
	var ids []string
	if err := json.Unmarshal(b, &ids); err != nil {
		return err
	}
	*l = ids
	return nil
}

// plainIDs reads ["a","b",...] with nothing else in it: no whitespace,
// no escape, only printable ASCII in the strings. ok is false for any
// other value (null, [], an escape, a byte past 0x7e), left to
// encoding/json.
func plainIDs(b []byte) (ids []string, ok bool) {
	n := len(b)
	if n < 4 || b[0] != '[' || b[1] != '"' || b[n-1] != ']' || b[n-2] != '"' {
		return nil, false
	}
	s := string(b[1 : n-1]) // "a","b",...: every id is a substring
	ids = make([]string, 0, strings.Count(s, `","`)+1)
	for len(s) > 0 {
		if len(s) < 2 || s[0] != '"' {
			return nil, false
		}
		end := 1
		for end < len(s) && s[end] != '"' {
			if c := s[end]; c < 0x20 || c > 0x7e || c == '\\' {
				return nil, false
			}
			end++
		}
		if end == len(s) {
			return nil, false
		}
		ids = append(ids, s[1:end])
		s = s[end+1:]
		if len(s) > 0 {
			if s[0] != ',' || len(s) == 1 {
				return nil, false
			}
			s = s[1:]
		}
	}
	return ids, true
}
