package states

import (
	"fmt"
	"strings"
)

// inittabEntry is one inittab(5) entry: id:runlevels:action:process.
type inittabEntry struct {
	ID, Runlevels, Action, Process string
}

func (e inittabEntry) String() string {
	return e.ID + ":" + e.Runlevels + ":" + e.Action + ":" + e.Process
}

// inittabLine is one line as read. Entry is set for an active entry,
// Commented for a comment that holds an entry ("#1:2345:respawn:…"), so
// that it can be uncommented; both are nil for other lines.
type inittabLine struct {
	Raw       string // without the newline
	Entry     *inittabEntry
	Commented *inittabEntry
}

// inittabSplit reads id:runlevels:action:process; the process may hold
// colons of its own.
func inittabSplit(s string) (inittabEntry, bool) {
	f := strings.SplitN(s, ":", 4)
	if len(f) != 4 {
		return inittabEntry{}, false
	}
	return inittabEntry{ID: f[0], Runlevels: f[1], Action: f[2], Process: f[3]}, true
}

// inittabParse reads an inittab. A non-comment line that is not
// id:runlevels:action:process with a known action is an error naming file
// and line, as init would reject it.
func inittabParse(file string, data []byte) ([]inittabLine, error) {
	var out []inittabLine
	for i, raw := range linesSplit(data) {
		l := inittabLine{Raw: raw}
		t := strings.TrimSpace(raw)
		switch {
		case t == "":
		case t[0] == '#':
			body := strings.TrimSpace(strings.TrimLeft(t, "#"))
			if e, ok := inittabSplit(body); ok && inittabActions[e.Action] && inittabValidID(e.ID) == nil {
				l.Commented = &e
			}
		default:
			e, ok := inittabSplit(strings.TrimRight(raw, "\r"))
			if !ok {
				return nil, fmt.Errorf("%s:%d: want id:runlevels:action:process, got %q", file, i+1, raw)
			}
			if !inittabActions[e.Action] {
				return nil, fmt.Errorf("%s:%d: unknown action %q in %q", file, i+1, e.Action, raw)
			}
			if err := inittabValidID(e.ID); err != nil {
				return nil, fmt.Errorf("%s:%d: %v", file, i+1, err)
			}
			l.Entry = &e
		}
		out = append(out, l)
	}
	return out, nil
}

// inittabJoin writes lines back, ending the file the way the original did.
func inittabJoin(lines []inittabLine, orig []byte) []byte {
	return linesJoin(lines, func(l inittabLine) string { return l.Raw }, orig)
}

// inittabSet puts e in place of the first active entry with its id, or
// appends it. It returns the new file, the old line ("" when appended)
// and whether anything changed.
func inittabSet(data []byte, lines []inittabLine, e inittabEntry) ([]byte, string, bool) {
	for i, l := range lines {
		if l.Entry == nil || l.Entry.ID != e.ID {
			continue
		}
		if *l.Entry == e {
			return data, "", false
		}
		out := append([]inittabLine{}, lines...)
		out[i].Raw = e.String()
		return inittabJoin(out, data), l.Raw, true
	}
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, e.String()+"\n"...)
	return out, "", true
}

// inittabRemove drops every active entry with the id and returns the
// lines removed.
func inittabRemove(data []byte, lines []inittabLine, id string) ([]byte, []string) {
	var kept []inittabLine
	var gone []string
	for _, l := range lines {
		if l.Entry != nil && l.Entry.ID == id {
			gone = append(gone, l.Raw)
			continue
		}
		kept = append(kept, l)
	}
	if len(gone) == 0 {
		return data, nil
	}
	return inittabJoin(kept, data), gone
}

// inittabComment puts '#' before each active entry with one of the ids,
// and returns the ids it commented, in file order.
func inittabComment(data []byte, lines []inittabLine, ids []string) ([]byte, []string) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	out := append([]inittabLine{}, lines...)
	var done []string
	for i, l := range out {
		if l.Entry != nil && want[l.Entry.ID] {
			out[i].Raw = "#" + l.Raw
			done = append(done, l.Entry.ID)
		}
	}
	if len(done) == 0 {
		return data, nil
	}
	return inittabJoin(out, data), done
}

// inittabUncomment restores the first commented entry of each id that
// has no active entry, and returns the ids it restored.
func inittabUncomment(data []byte, lines []inittabLine, ids []string) ([]byte, []string) {
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	for _, l := range lines {
		if l.Entry != nil {
			delete(want, l.Entry.ID)
		}
	}
	out := append([]inittabLine{}, lines...)
	var done []string
	for i, l := range out {
		if l.Commented != nil && want[l.Commented.ID] {
			out[i].Raw = strings.TrimLeft(strings.TrimLeft(l.Raw, " \t"), "#")
			out[i].Raw = strings.TrimLeft(out[i].Raw, " \t")
			delete(want, l.Commented.ID)
			done = append(done, l.Commented.ID)
		}
	}
	if len(done) == 0 {
		return data, nil
	}
	return inittabJoin(out, data), done
}
