package states

import (
	"fmt"
	"strconv"
	"strings"
)

// fstabEntry is one mount line of fstab(5): fs_spec fs_file fs_vfstype
// fs_mntops fs_freq fs_passno. Fields are decoded (\040 is a space).
type fstabEntry struct {
	Device, Name, FSType string
	Opts                 []string
	Dump, Pass           int
}

// fstabLine is one line of an fstab file as read: Raw is kept so that an
// unchanged line is written back byte for byte. Entry is nil for blank
// lines and comments. spans are the byte ranges of the fields in Raw, so
// an update can replace fields and keep the spacing between them.
type fstabLine struct {
	Raw   string // without the newline
	Entry *fstabEntry
	spans [][2]int
}

// fstabParse reads an fstab file. A line with fewer than four fields, or
// a dump or pass that is not a number, is an error naming file and line.
func fstabParse(file string, data []byte) ([]fstabLine, error) {
	var out []fstabLine
	for i, raw := range linesSplit(data) {
		l := fstabLine{Raw: raw}
		t := strings.TrimSpace(raw)
		if t == "" || t[0] == '#' {
			out = append(out, l)
			continue
		}
		l.spans = fstabFieldSpans(raw)
		f := make([]string, len(l.spans))
		for j, s := range l.spans {
			f[j] = fstabUnescape(raw[s[0]:s[1]])
		}
		if len(f) < 4 || len(f) > 6 {
			return nil, fmt.Errorf("%s:%d: want 4 to 6 fields (device, mount point, type, options, dump, pass), got %d in %q", file, i+1, len(f), raw)
		}
		e := &fstabEntry{Device: f[0], Name: f[1], FSType: f[2], Opts: strings.Split(f[3], ",")}
		for j, dst := range []*int{&e.Dump, &e.Pass} {
			if len(f) > 4+j {
				n, err := strconv.Atoi(f[4+j])
				if err != nil {
					return nil, fmt.Errorf("%s:%d: field %d (%s) is not a number: %q", file, i+1, 5+j, []string{"dump", "pass"}[j], f[4+j])
				}
				*dst = n
			}
		}
		l.Entry = e
		out = append(out, l)
	}
	return out, nil
}

// fstabFieldSpans returns where each whitespace-separated field is.
func fstabFieldSpans(s string) [][2]int {
	var spans [][2]int
	start := -1
	for i := 0; i < len(s); i++ {
		ws := s[i] == ' ' || s[i] == '\t' || s[i] == '\r'
		if !ws && start < 0 {
			start = i
		}
		if ws && start >= 0 {
			spans = append(spans, [2]int{start, i})
			start = -1
		}
	}
	if start >= 0 {
		spans = append(spans, [2]int{start, len(s)})
	}
	return spans
}

// fstabUnescape decodes the octal escapes fstab and mountinfo use for
// space, tab, newline and backslash.
func fstabUnescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// fstabEscape is fstabUnescape's inverse for the characters that would
// split a field.
func fstabEscape(s string) string {
	r := strings.NewReplacer(`\`, `\134`, " ", `\040`, "\t", `\011`, "\n", `\012`)
	return r.Replace(s)
}

func (e *fstabEntry) fields() []string {
	return []string{fstabEscape(e.Device), fstabEscape(e.Name), fstabEscape(e.FSType),
		fstabEscape(strings.Join(e.Opts, ",")), strconv.Itoa(e.Dump), strconv.Itoa(e.Pass)}
}

// fstabMatch reports whether a line's entry is the one the state manages,
// comparing the fields named in matchOn.
func fstabMatch(have, want *fstabEntry, matchOn []string) bool {
	for _, k := range matchOn {
		switch k {
		case "name":
			if have.Name != want.Name {
				return false
			}
		case "device":
			if have.Device != want.Device {
				return false
			}
		case "fstype":
			if have.FSType != want.FSType {
				return false
			}
		case "opts":
			if strings.Join(have.Opts, ",") != strings.Join(want.Opts, ",") {
				return false
			}
		}
	}
	return true
}

// fstabEqual reports whether an entry already says what is wanted.
func fstabEqual(a, b *fstabEntry) bool {
	return a.Device == b.Device && a.Name == b.Name && a.FSType == b.FSType &&
		strings.Join(a.Opts, ",") == strings.Join(b.Opts, ",") && a.Dump == b.Dump && a.Pass == b.Pass
}

// fstabSet returns the file with want in place: the first matching entry
// is rewritten field by field, keeping the spacing between fields (and
// any later duplicate is left alone), or a new line is appended, aligned
// on the columns of the last entry. It returns "present", "update" or
// "new", as Salt's set_fstab does.
func fstabSet(data []byte, lines []fstabLine, want *fstabEntry, matchOn []string) ([]byte, string) {
	var last *fstabLine
	for i := range lines {
		l := &lines[i]
		if l.Entry == nil {
			continue
		}
		last = l
		if !fstabMatch(l.Entry, want, matchOn) {
			continue
		}
		if fstabEqual(l.Entry, want) {
			return data, "present"
		}
		lines2 := append([]fstabLine{}, lines...)
		lines2[i].Raw = fstabRewrite(l, want.fields())
		return fstabJoin(lines2, data), "update"
	}
	out := append([]byte{}, data...)
	if len(out) > 0 && out[len(out)-1] != '\n' {
		out = append(out, '\n')
	}
	out = append(out, fstabFormatNew(want.fields(), last)...)
	out = append(out, '\n')
	return out, "new"
}

// fstabRemove drops every matching entry line, keeping every other byte.
// It reports how many lines it removed.
func fstabRemove(data []byte, lines []fstabLine, want *fstabEntry, matchOn []string) ([]byte, int) {
	var kept []fstabLine
	n := 0
	for _, l := range lines {
		if l.Entry != nil && fstabMatch(l.Entry, want, matchOn) {
			n++
			continue
		}
		kept = append(kept, l)
	}
	if n == 0 {
		return data, 0
	}
	return fstabJoin(kept, data), n
}

// fstabJoin writes lines back, ending the file the way the original did.
func fstabJoin(lines []fstabLine, orig []byte) []byte {
	return linesJoin(lines, func(l fstabLine) string { return l.Raw }, orig)
}

// fstabRewrite replaces the fields of a line, keeping the whitespace
// between them; when a field grows it pushes the rest to the right but
// keeps at least one space.
func fstabRewrite(l *fstabLine, fields []string) string {
	var b strings.Builder
	prev := 0
	for i, f := range fields {
		if i < len(l.spans) {
			sep := l.Raw[prev:l.spans[i][0]]
			if i > 0 && sep == "" {
				sep = " "
			}
			b.WriteString(sep)
			prev = l.spans[i][1]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(f)
	}
	b.WriteString(l.Raw[prev:]) // trailing spaces
	return b.String()
}

// fstabFormatNew lays out a new line on the columns of the last entry,
// so that an aligned file stays aligned; with no entry to follow, or one
// laid out with tabs, it is Salt's _fstab_entry line:
// "device<TAB><TAB>name<TAB>fstype<TAB>opts<TAB>dump pass".
func fstabFormatNew(fields []string, last *fstabLine) string {
	if last == nil || len(last.spans) < 4 || strings.Contains(last.Raw, "\t") {
		if len(fields) == 6 {
			return fields[0] + "\t\t" + strings.Join(fields[1:4], "\t") + "\t" + fields[4] + " " + fields[5]
		}
		return strings.Join(fields, "\t")
	}
	var b strings.Builder
	for i, f := range fields {
		if i > 0 {
			col := -1
			if i < len(last.spans) {
				col = last.spans[i][0]
			}
			pad := col - b.Len()
			if pad < 1 {
				pad = 1
			}
			b.WriteString(strings.Repeat(" ", pad))
		}
		b.WriteString(f)
	}
	return b.String()
}
