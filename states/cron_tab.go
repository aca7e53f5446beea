package states

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// A user's crontab, read and edited as Salt's cron module does
// (salt/modules/cron.py), so that a crontab Salt has managed keeps working:
// brine manages only the lines below Salt's marker line, finds a job by the
// "SALT_CRON_IDENTIFIER:id" in the comment line above it, or by its command,
// and writes the same shapes back. Unlike Salt, which re-renders the whole
// managed part (dropping blank lines and lines it cannot parse, and
// reordering the rest), brine replaces, adds or removes only the lines of
// the entry it is asked about; every other byte stays.

const (
	cronTag      = "# Lines below here are managed by Salt, do not edit"
	cronIDMarker = "SALT_CRON_IDENTIFIER"
	cronDisabled = "#DISABLED#"
)

// cronSpecials are the @keywords cron(8) knows.
var cronSpecials = []string{"@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

type cronKind int8

const (
	cronOther   cronKind = iota // before the marker, blank, or not understood: never touched
	cronMarker                  // Salt's marker line
	cronComment                 // a comment below the marker
	cronEnv                     // NAME=value below the marker
	cronJob                     // five time fields and a command
	cronSpecial                 // @keyword and a command
)

// cronLine is one line of a crontab, classified as Salt's list_tab does.
type cronLine struct {
	Raw  string
	Kind cronKind
	// cronComment: the text after the leading #s and spaces, without the
	// identifier; ID is the identifier, when the line carries one.
	Text, ID string
	// cronEnv
	Name, Value string
	// cronJob and cronSpecial
	Commented bool
	Fields    [5]string // minute, hour, daymonth, month, dayweek
	Spec      string
	Cmd       string
}

// cronEntry is a job or special line with the comment lines Salt reads as
// its comment: those since the previous job below the marker.
type cronEntry struct {
	Line     int   // index of the job line
	Comments []int // indexes of its comment lines
	Comment  *string
	ID       string
}

// cronTab is a parsed crontab. Lines is the whole file, in order.
type cronTab struct {
	Lines  []cronLine
	Marker int // index of the first marker line, -1 when there is none
}

// cronParse reads crontab text. It never fails: a line brine does not
// understand is kept as it is, as cron would report it, not brine.
func cronParse(data []byte) *cronTab {
	t := &cronTab{Marker: -1}
	for _, raw := range linesSplit(data) {
		l := cronLine{Raw: raw}
		line := strings.TrimRight(raw, " \t\r")
		switch {
		case line == cronTag:
			l.Kind = cronMarker
			if t.Marker < 0 {
				t.Marker = len(t.Lines)
			}
		case t.Marker < 0:
		default:
			cronClassify(&l, line)
		}
		t.Lines = append(t.Lines, l)
	}
	return t
}

// cronClassify follows list_tab's order of tests, with one change: fields
// are split on any run of blanks, where Salt splits on single spaces.
func cronClassify(l *cronLine, line string) {
	if rest, ok := strings.CutPrefix(line, cronDisabled); ok {
		line, l.Commented = rest, true
	}
	switch {
	case strings.HasPrefix(line, "@"):
		f := strings.Fields(line)
		if len(f) < 2 {
			return
		}
		l.Kind, l.Spec = cronSpecial, f[0]
		l.Cmd = strings.TrimSpace(strings.TrimPrefix(strings.TrimLeft(line, " \t"), f[0]))
	case strings.HasPrefix(line, "#"):
		l.Kind = cronComment
		text := strings.TrimLeft(line, "# ")
		if before, after, ok := strings.Cut(text, cronIDMarker); ok {
			text = strings.TrimRight(before, " \t")
			// Salt takes what follows the marker and one character (the
			// colon), up to a second marker if any.
			after, _, _ = strings.Cut(after, cronIDMarker)
			if len(after) > 1 {
				l.ID = after[1:]
			}
		}
		l.Text = text
		l.Commented = false
	case strings.Index(line, "=") > 0 && (!strings.Contains(line, " ") || strings.Index(line, "=") < strings.Index(line, " ")):
		l.Kind = cronEnv
		l.Name, l.Value, _ = strings.Cut(line, "=")
	default:
		f := strings.Fields(line)
		if len(f) < 6 {
			return
		}
		l.Kind = cronJob
		copy(l.Fields[:], f[:5])
		rest := line
		for i := 0; i < 5; i++ {
			rest = strings.TrimLeft(rest, " \t")
			rest = rest[len(f[i]):]
		}
		l.Cmd = strings.TrimSpace(rest)
	}
}

// Entries returns the jobs (special false) or @special lines (special
// true) below the marker, each with its comment.
func (t *cronTab) Entries(special bool) []cronEntry {
	var out []cronEntry
	var comments []int
	var comment *string
	id := ""
	for i, l := range t.Lines {
		switch l.Kind {
		case cronComment:
			comments = append(comments, i)
			if l.ID != "" {
				id = l.ID
			}
			if comment == nil {
				c := l.Text
				comment = &c
			} else {
				c := *comment + "\n" + l.Text
				comment = &c
			}
		case cronJob, cronSpecial:
			if (l.Kind == cronSpecial) == special {
				out = append(out, cronEntry{Line: i, Comments: comments, Comment: comment, ID: id})
			}
			comments, comment, id = nil, nil, ""
		}
	}
	return out
}

// Match reports whether an entry is the one a state with this command and
// identifier manages: the same identifier, or no identifier and the same
// command (Salt's _cron_matched, for the identifier a state always has).
func (t *cronTab) Match(e cronEntry, cmd, id string) bool {
	if e.ID != "" {
		return id != "" && e.ID == id
	}
	return t.Lines[e.Line].Cmd == cmd
}

// cronWant is the entry a cron.present state asks for.
type cronWant struct {
	Cmd       string
	Fields    [5]string // lower case; "random" and "a:b" pick a value
	Spec      string    // "@hourly"… for a special; then Fields are unused
	Comment   *string   // nil: leave the entry's comment alone
	Commented bool
	ID        string
}

// cronFieldNeedsChange is Salt's _needs_change for a time field, except
// that a range "a:b" is met by any value in it (Salt rewrites it every run).
func cronFieldNeedsChange(old, want string) bool {
	if old == want {
		return false
	}
	if want == "random" {
		return old == "*"
	}
	if lo, hi, ok := cronRange(want); ok {
		n, err := strconv.Atoi(old)
		return err != nil || n < lo || n > hi
	}
	return true
}

func cronRange(v string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(v, ":")
	if !found {
		return 0, 0, false
	}
	x, err1 := strconv.Atoi(a)
	y, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if x > y {
		x, y = y, x
	}
	return x, y, true
}

// cronPick turns random and a:b into a value, as Salt's _get_cron_date_time.
func cronPick(field int, v, month string) string {
	if lo, hi, ok := cronRange(v); ok {
		return strconv.Itoa(lo + rand.IntN(hi-lo+1))
	}
	if v != "random" {
		return v
	}
	switch field {
	case 0:
		return strconv.Itoa(rand.IntN(60))
	case 1:
		return strconv.Itoa(rand.IntN(24))
	case 2:
		max := 28 // February, and any month not given as a number
		switch month {
		case "1", "3", "5", "7", "8", "10", "12":
			max = 31
		case "4", "6", "9", "11":
			max = 30
		}
		return strconv.Itoa(1 + rand.IntN(max))
	case 3:
		return strconv.Itoa(1 + rand.IntN(12))
	}
	return strconv.Itoa(rand.IntN(7))
}

// cronNormComment is a comment as it reads back once written: each line
// without leading #s and blanks, the whole without trailing blanks.
func cronNormComment(c string) string {
	lines := strings.Split(strings.TrimRight(c, " \t\r\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(strings.TrimLeft(l, "# "), " \t\r")
	}
	return strings.Join(lines, "\n")
}

// cronNeedsChange compares an entry with what is asked, field by field as
// Salt's _check_cron does.
func (t *cronTab) cronNeedsChange(e cronEntry, w cronWant) (bool, bool) {
	l := t.Lines[e.Line]
	lineChange := l.Cmd != w.Cmd || l.Commented != w.Commented
	if w.Spec != "" {
		lineChange = lineChange || l.Spec != w.Spec
	} else {
		for i := range l.Fields {
			lineChange = lineChange || cronFieldNeedsChange(l.Fields[i], w.Fields[i])
		}
	}
	commentChange := e.ID != w.ID && w.ID != "" ||
		w.Comment != nil && (e.Comment == nil || *e.Comment != *w.Comment)
	return lineChange, commentChange
}

// cronRenderComment writes Salt's comment line(s) for an entry: "# text
// SALT_CRON_IDENTIFIER:id", a multi-line text as several # lines.
func cronRenderComment(comment *string, id string) []string {
	if comment == nil && id == "" {
		return nil
	}
	s := "#"
	if comment != nil && *comment != "" {
		s += " " + strings.ReplaceAll(*comment, "\n", "\n# ")
	}
	if id != "" {
		s += " " + cronIDMarker + ":" + id
	}
	return strings.Split(s, "\n")
}

func cronRenderLine(commented bool, fields [5]string, spec, cmd string) string {
	p := ""
	if commented {
		p = cronDisabled
	}
	if spec != "" {
		return p + spec + " " + cmd
	}
	return p + strings.Join(fields[:], " ") + " " + cmd
}

// SetJob makes the crontab hold the wanted job (or special) and reports
// "present", "new" or "updated". It works on t in place.
func (t *cronTab) SetJob(w cronWant) string {
	for _, e := range t.Entries(w.Spec != "") {
		if !t.Match(e, w.Cmd, w.ID) {
			continue
		}
		lineChange, commentChange := t.cronNeedsChange(e, w)
		if !lineChange && !commentChange {
			return "present"
		}
		old := t.Lines[e.Line]
		// As Salt's set_job: a field that needs no change keeps its
		// value, so a random minute stays what it was drawn as.
		fields := old.Fields
		for i := range fields {
			if cronFieldNeedsChange(old.Fields[i], w.Fields[i]) {
				fields[i] = cronPick(i, w.Fields[i], w.Fields[3])
			}
		}
		repl := []string{cronRenderLine(w.Commented, fields, w.Spec, w.Cmd)}
		if !lineChange {
			repl[0] = old.Raw
		}
		drop := map[int]bool{}
		if commentChange {
			comment := e.Comment
			if w.Comment != nil {
				comment = w.Comment
			}
			id := w.ID
			if id == "" {
				id = e.ID
			}
			repl = append(cronRenderComment(comment, id), repl...)
			for _, c := range e.Comments {
				drop[c] = true
			}
		}
		t.replace(e.Line, repl, drop)
		return "updated"
	}
	var fields [5]string
	for i := range fields {
		fields[i] = cronPick(i, w.Fields[i], w.Fields[3])
	}
	lines := append(cronRenderComment(w.Comment, w.ID), cronRenderLine(w.Commented, fields, w.Spec, w.Cmd))
	t.appendManaged(lines)
	return "new"
}

// RmJob removes every job (or, with spec set, every special line of that
// keyword) that the command and identifier match, with
// its comment lines, and reports "removed" or "absent".
func (t *cronTab) RmJob(cmd, id, spec string) string {
	return t.rmEntries(spec != "", cmd, id, spec)
}

// RmOtherKind removes the entries of the kind a cron.present state does
// not ask for (the @special lines when it asks for a timed job, the timed
// jobs when it asks for a special) that the command and identifier match,
// as Salt's present() does (rm_special before set_job, rm_job before
// set_special), so that a job moved between the two kinds is not left
// running both ways. It reports "removed" or "absent".
func (t *cronTab) RmOtherKind(special bool, cmd, id string) string {
	return t.rmEntries(!special, cmd, id, "")
}

// rmEntries removes the entries of one kind that match, with their
// comment lines; spec, when set, narrows the specials to one keyword.
func (t *cronTab) rmEntries(special bool, cmd, id, spec string) string {
	drop := map[int]bool{}
	for _, e := range t.Entries(special) {
		if !t.Match(e, cmd, id) || spec != "" && t.Lines[e.Line].Spec != spec {
			continue
		}
		drop[e.Line] = true
		for _, c := range e.Comments {
			drop[c] = true
		}
	}
	if len(drop) == 0 {
		return "absent"
	}
	t.replace(-1, nil, drop)
	return "removed"
}

// cronEnvLine renders NAME=value; an empty value is written "", as Salt does.
func cronEnvLine(name, value string) string {
	if value == "" {
		value = `""`
	}
	return name + "=" + value
}

// SetEnv makes every NAME= line below the marker give value, or adds one
// after the last of them (after the marker when none): a variable applies
// to the jobs below it.
func (t *cronTab) SetEnv(name, value string) string {
	want := cronEnvLine(name, value)
	found, changed, last := false, false, -1
	for i, l := range t.Lines {
		if l.Kind != cronEnv {
			continue
		}
		last = i
		if l.Name != name {
			continue
		}
		found = true
		if cronEnvLine(l.Name, strings.TrimSpace(l.Value)) != want {
			t.Lines[i] = cronLine{Raw: want, Kind: cronEnv, Name: name, Value: value}
			changed = true
		}
	}
	switch {
	case changed:
		return "updated"
	case found:
		return "present"
	}
	if last < 0 && t.Marker < 0 {
		t.appendManaged([]string{want})
		return "new"
	}
	if last < 0 {
		last = t.Marker
	}
	t.replace(last, []string{t.Lines[last].Raw, want}, nil)
	return "new"
}

// RmEnv removes every NAME= line below the marker.
func (t *cronTab) RmEnv(name string) string {
	drop := map[int]bool{}
	for i, l := range t.Lines {
		if l.Kind == cronEnv && l.Name == name {
			drop[i] = true
		}
	}
	if len(drop) == 0 {
		return "absent"
	}
	t.replace(-1, nil, drop)
	return "removed"
}

// appendManaged adds lines at the end of the file, after Salt's marker
// (added first when the file has none).
func (t *cronTab) appendManaged(raws []string) {
	if t.Marker < 0 {
		t.Marker = len(t.Lines)
		t.Lines = append(t.Lines, cronLine{Raw: cronTag, Kind: cronMarker})
	}
	for _, r := range raws {
		l := cronLine{Raw: r}
		cronClassify(&l, r)
		t.Lines = append(t.Lines, l)
	}
}

// replace puts raws in place of line at (at -1: nowhere) and drops the
// lines in drop; the marker index follows.
func (t *cronTab) replace(at int, raws []string, drop map[int]bool) {
	out := make([]cronLine, 0, len(t.Lines)+len(raws))
	t2 := &cronTab{Marker: -1}
	for i, l := range t.Lines {
		if drop[i] {
			continue
		}
		if i != at {
			out = append(out, l)
			continue
		}
		for _, r := range raws {
			if r == l.Raw {
				out = append(out, l)
				continue
			}
			nl := cronLine{Raw: r}
			cronClassify(&nl, r)
			out = append(out, nl)
		}
	}
	t2.Lines = out
	for i, l := range out {
		if l.Kind == cronMarker {
			t2.Marker = i
			break
		}
	}
	*t = *t2
}

// Bytes writes the crontab back. Kept lines come back byte for byte; the
// file always ends in a newline, since cron ignores a last line without one.
func (t *cronTab) Bytes() []byte {
	var b strings.Builder
	for _, l := range t.Lines {
		b.WriteString(l.Raw)
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// cronCheckField validates a time field: cron's own syntax (digits, names,
// * , - /), random, or a range a:b to draw from.
func cronCheckField(v string) error {
	if v == "" {
		return fmt.Errorf("empty")
	}
	if v == "random" {
		return nil
	}
	if _, _, ok := cronRange(v); ok {
		return nil
	}
	for _, r := range v {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z', r == '*', r == ',', r == '-', r == '/':
		default:
			return fmt.Errorf("%q is not a cron time field (digits, names, * , - / or random)", v)
		}
	}
	return nil
}
