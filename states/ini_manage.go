package states

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/brine-cm/brine/pkg/odict"
)

func init() {
	sections := func(doc string) Param { return Param{Name: "sections", Type: Any, Doc: doc} }
	separator := Param{Name: "separator", Type: String, Default: "=", Doc: "the character between a key and its value."}
	encoding := Param{Name: "encoding", Type: String, Doc: "accepted; files are read and written as UTF-8."}
	Register("ini.options_present", iniOptionsPresent,
		Param{Name: "name", Type: String, Doc: "the path of the ini file; it is created when missing."},
		sections("a mapping of section name to a mapping of keys and values; a key whose value is not a mapping is a key outside any section."),
		separator,
		Param{Name: "strict", Type: Bool, Default: false, Doc: "also remove the keys of the sections given (and the keys outside any section) that sections does not list."},
		encoding,
		Param{Name: "no_spaces", Type: Bool, Default: false, Doc: `write "key=value" instead of "key = value".`},
	)
	Register("ini.options_absent", iniOptionsAbsent,
		Param{Name: "name", Type: String, Doc: "the path of the ini file."},
		sections("a mapping of section name to the list of keys to remove; a name whose value is not a list is a key outside any section."),
		separator, encoding,
	)
	Register("ini.sections_present", iniSectionsPresent,
		Param{Name: "name", Type: String, Doc: "the path of the ini file; it is created when missing."},
		sections("the sections to create (empty), as a list or as the keys of a mapping."),
		separator, encoding,
	)
	Register("ini.sections_absent", iniSectionsAbsent,
		Param{Name: "name", Type: String, Doc: "the path of the ini file."},
		sections("the sections to remove, with all their keys, as a list or as the keys of a mapping."),
		separator, encoding,
	)
}

// iniDoc is an ini file read as Salt's ini_manage module reads it
// (_Ini.refresh): the keys before the first section, then each section.
// It keeps the lines, so that an edit changes only the lines of the keys
// and sections it touches.
type iniDoc struct {
	lines []string
	top   *iniSect
	sects []*iniSect
	sep   string
}

// iniSect is a section (or the part before the first section, with
// header -1): its options in file order and the last line of its items.
type iniSect struct {
	name   string
	header int
	last   int // the index of its last item line; header (or -1) when none
	opts   []*iniOpt
	// comments are the lines that start with '#' and read as a key=value
	// line without it: Salt's _uncomment_if_commented puts a new key
	// there.
	comments []iniComment
}

// iniOpt is one key: its value as Salt reads it (continuation lines
// joined with "\n", the last of duplicate keys winning) and the lines it
// spans, each occurrence's.
type iniOpt struct {
	key   string
	value string
	spans [][2]int // [first, last] line of each occurrence
}

type iniComment struct {
	line int
	key  string
}

func (s *iniSect) opt(key string) *iniOpt {
	for _, o := range s.opts {
		if o.key == key {
			return o
		}
	}
	return nil
}

// values is the section as Salt's get_section returns it.
func (s *iniSect) values() map[string]any {
	m := make(map[string]any, len(s.opts))
	for _, o := range s.opts {
		m[o.key] = o.value
	}
	return m
}

func (d *iniDoc) sect(name string) *iniSect {
	for _, s := range d.sects {
		if s.name == name {
			return s
		}
	}
	return nil
}

// iniHeader reads a section header line as Salt's INI_REGX
// (^\s*\[(.+?)\]\s*$) does.
func iniHeader(line string) (string, bool) {
	t := strings.TrimRight(strings.TrimLeft(line, " \t\r\f\v"), " \t\r\f\v")
	if len(t) < 3 || t[0] != '[' || t[len(t)-1] != ']' {
		return "", false
	}
	return t[1 : len(t)-1], true
}

func iniIsSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' }

// iniOption reads a key=value line as Salt's _Section.opt_regx does:
// the key is the text up to the first separator (without the blanks
// around it), the value the rest without its leading blanks.
func iniOption(line, sep string) (indent, key, value string, ok bool) {
	i := 0
	for i < len(line) && iniIsSpace(line[i]) {
		i++
	}
	indent, rest := line[:i], line[i:]
	// The key takes at least one character: (.+?).
	for j := 1; j < len(rest); j++ {
		if !strings.HasPrefix(rest[j:], sep) {
			continue
		}
		key = strings.TrimRight(rest[:j], " \t\r\f\v")
		if key == "" {
			// (.+?)\s* with the blanks in the key: Salt keeps them there.
			key = rest[:j]
		}
		return indent, key, strings.TrimLeft(rest[j+len(sep):], " \t\r\f\v\n"), true
	}
	return "", "", "", false
}

// iniIsComment is Salt's COM_REGX: ^\s*(#|;).
func iniIsComment(line string) bool {
	t := strings.TrimLeft(line, " \t\r\f\v")
	return t != "" && (t[0] == '#' || t[0] == ';')
}

// iniRead parses ini text as Salt's _Ini.refresh and _Section.refresh do.
func iniRead(data []byte, sep string) *iniDoc {
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	d := &iniDoc{sep: sep, top: &iniSect{header: -1, last: -1}}
	if text != "" {
		d.lines = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	}
	cur := d.top
	curIndent := ""
	var prev *iniOpt // the item a more indented line continues; nil for a comment or unknown line
	hasItem := false
	for i, line := range d.lines {
		if name, ok := iniHeader(line); ok {
			if s := d.sect(name); s != nil {
				cur = s // Salt merges a repeated section into the first
			} else {
				cur = &iniSect{name: name, header: i, last: i}
				d.sects = append(d.sects, cur)
			}
			curIndent, prev, hasItem = "", nil, false
			continue
		}
		// Blank lines at the start and end of a section are not items:
		// Salt strips them from the section's text.
		if line == "" && !iniMoreItems(d.lines[i:]) {
			continue
		}
		if line == "" && !hasItem {
			continue
		}
		if iniIsComment(line) {
			if strings.HasPrefix(line, "#") {
				if _, k, _, ok := iniOption(strings.TrimLeft(line, "#"), sep); ok {
					cur.comments = append(cur.comments, iniComment{line: i, key: k})
				}
			}
			cur.last, prev, hasItem = i, nil, true
			continue
		}
		if line != "" && iniIsSpace(line[0]) {
			n := 0
			for n < len(line) && iniIsSpace(line[n]) {
				n++
			}
			if strings.ReplaceAll(line[:n], "\t", "    ") > curIndent {
				// A continuation of the item before; Salt drops one with no
				// item before it.
				if hasItem {
					if prev != nil {
						prev.value += "\n" + line
						prev.spans[len(prev.spans)-1][1] = i
					}
					cur.last = i
				}
				continue
			}
		}
		if indent, k, v, ok := iniOption(line, sep); ok {
			curIndent = strings.ReplaceAll(indent, "\t", "    ")
			o := cur.opt(k)
			if o == nil {
				o = &iniOpt{key: k}
				cur.opts = append(cur.opts, o)
			}
			o.value = v
			o.spans = append(o.spans, [2]int{i, i})
			cur.last, prev, hasItem = i, o, true
			continue
		}
		cur.last, prev, hasItem = i, nil, true
	}
	return d
}

// iniMoreItems reports whether a non-blank line follows before the next
// header or the end.
func iniMoreItems(lines []string) bool {
	for _, l := range lines {
		if _, ok := iniHeader(l); ok {
			return false
		}
		if l != "" {
			return true
		}
	}
	return false
}

// ini is Salt's get_ini: the keys outside sections and each section.
func (d *iniDoc) ini() map[string]any {
	m := d.top.values()
	for _, s := range d.sects {
		m[s.name] = s.values()
	}
	return m
}

// iniEdit collects the edits of one state: lines replaced or removed,
// lines inserted after a line, sections appended. Indexes are those of
// the lines as read.
type iniEdit struct {
	d       *iniDoc
	replace map[int]string
	drop    map[int]bool
	after   map[int][]string // -1: before the first line
	appendS [][]string
	noSp    bool
}

func newIniEdit(d *iniDoc, noSpaces bool) *iniEdit {
	return &iniEdit{d: d, replace: map[int]string{}, drop: map[int]bool{}, after: map[int][]string{}, noSp: noSpaces}
}

// line writes a key as Salt's gen_ini does.
func (e *iniEdit) line(key, value string) string {
	if e.d.sep == " " || e.noSp {
		return key + e.d.sep + value
	}
	return key + " " + e.d.sep + " " + value
}

// set gives key the value in section s (nil: a new section already
// queued), as Salt's _Section.update does: an existing key changes in
// place (its later duplicates go), a new one takes the place of a
// commented-out "#key = ..." line or comes after the section's last item.
func (e *iniEdit) set(s *iniSect, key, value string) {
	if o := s.opt(key); o != nil {
		for n, sp := range o.spans {
			for i := sp[0]; i <= sp[1]; i++ {
				e.drop[i] = true
			}
			if n == 0 {
				delete(e.drop, sp[0])
				e.replace[sp[0]] = e.line(key, value)
			}
		}
		o.value = value
		return
	}
	for i, c := range s.comments {
		if c.key == key && !e.drop[c.line] {
			if _, taken := e.replace[c.line]; !taken {
				e.replace[c.line] = e.line(key, value)
				s.comments = append(s.comments[:i:i], s.comments[i+1:]...)
				s.opts = append(s.opts, &iniOpt{key: key, value: value, spans: [][2]int{{c.line, c.line}}})
				return
			}
		}
	}
	e.after[s.last] = append(e.after[s.last], e.line(key, value))
	s.opts = append(s.opts, &iniOpt{key: key, value: value})
}

// remove takes key out of s and returns its value.
func (e *iniEdit) remove(s *iniSect, key string) (string, bool) {
	for n, o := range s.opts {
		if o.key != key {
			continue
		}
		for _, sp := range o.spans {
			for i := sp[0]; i <= sp[1]; i++ {
				e.drop[i] = true
				delete(e.replace, i)
			}
		}
		s.opts = append(s.opts[:n:n], s.opts[n+1:]...)
		return o.value, true
	}
	return "", false
}

// removeSection drops a section's header and lines, up to the next
// header; a last section takes the blank lines before it too.
func (e *iniEdit) removeSection(s *iniSect) {
	end := len(e.d.lines)
	for _, o := range e.d.sects {
		if o.header > s.header && o.header < end {
			end = o.header
		}
	}
	start := s.header
	if end == len(e.d.lines) {
		for start > 0 && e.d.lines[start-1] == "" {
			start--
		}
	}
	for i := start; i < end; i++ {
		e.drop[i] = true
	}
	for i, o := range e.d.sects {
		if o == s {
			e.d.sects = append(e.d.sects[:i:i], e.d.sects[i+1:]...)
			break
		}
	}
}

// addSection queues a new section at the end of the file.
func (e *iniEdit) addSection(name string, keys []string, vals map[string]string) {
	lines := []string{"[" + name + "]"}
	for _, k := range keys {
		lines = append(lines, e.line(k, vals[k]))
	}
	e.appendS = append(e.appendS, lines)
	e.d.sects = append(e.d.sects, &iniSect{name: name, header: -2})
}

func (e *iniEdit) changed() bool {
	return len(e.replace)+len(e.drop)+len(e.after)+len(e.appendS) > 0
}

// text is the file after the edits.
func (e *iniEdit) text() []byte {
	var out []string
	out = append(out, e.after[-1]...)
	if len(out) > 0 && len(e.d.lines) > 0 && e.d.lines[0] != "" {
		// Salt writes a blank line between the keys outside sections
		// and the first section.
		out = append(out, "")
	}
	for i, l := range e.d.lines {
		if r, ok := e.replace[i]; ok {
			out = append(out, r)
		} else if !e.drop[i] {
			out = append(out, l)
		}
		out = append(out, e.after[i]...)
	}
	for _, s := range e.appendS {
		if len(out) > 0 && out[len(out)-1] != "" {
			out = append(out, "")
		}
		out = append(out, s...)
	}
	// A file whose last section went may end in blank lines.
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	if len(out) == 0 {
		return []byte{}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

// iniEntry is one entry of the sections argument, in the SLS's order.
type iniEntry struct {
	name string
	val  any
	keys []string // val's keys in order, when it is a mapping
	dict bool
}

// iniEntries lists the sections argument: a mapping's entries in order,
// or a list's items as names with no value.
func iniEntries(req *Request) ([]iniEntry, error) {
	given := req.Args.asGiven["sections"]
	var out []iniEntry
	add := func(name string, v any) {
		e := iniEntry{name: name, val: v}
		switch m := v.(type) {
		case *odict.Map:
			e.dict, e.keys, e.val = true, m.Keys(), m.PlainMap()
		case map[string]any:
			e.dict = true
			for k := range m {
				e.keys = append(e.keys, k)
			}
			sort.Strings(e.keys)
		}
		out = append(out, e)
	}
	switch s := given.(type) {
	case nil:
	case *odict.Map:
		for i := 0; i < s.Len(); i++ {
			add(s.At(i))
		}
	case map[string]any:
		keys := make([]string, 0, len(s))
		for k := range s {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			add(k, s[k])
		}
	case []any:
		for _, v := range s {
			add(pyValue(v), nil)
		}
	case string:
		// Python iterates a string by its characters; a single name is
		// what an SLS author means.
		add(s, nil)
	default:
		return nil, &ArgError{Arg: "sections", Err: fmt.Errorf("want a mapping or a list, got %s", pyTypeName(given))}
	}
	return out, nil
}

// iniOpen reads the ini file of the request (a missing file is empty).
func iniOpen(req *Request, sep string) (string, *iniDoc, bool, error) {
	hp, err := rootPath(req, "name", req.Name, true)
	if err != nil {
		return "", nil, false, err
	}
	data, err := os.ReadFile(hp)
	exists := err == nil
	if err != nil && !IsNotExist(err) {
		return "", nil, false, fmt.Errorf("read %s: %w", req.Name, err)
	}
	return hp, iniRead(data, sep), exists, nil
}

// iniWrite writes the edited file atomically; a new file's directory
// must exist, as Salt's open() needs it.
func iniWrite(req *Request, hp string, e *iniEdit) error {
	if _, err := os.Stat(filepath.Dir(hp)); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("[Errno 2] No such file or directory: '%s'", req.Name)
		}
		return err
	}
	return sysWriteFile(hp, e.text(), 0o644)
}

func iniArgs(req *Request) (string, []iniEntry, error) {
	sep := req.Args.String("separator", "=")
	req.Args.String("encoding", "")
	if err := req.Args.Err(); err != nil {
		return "", nil, err
	}
	if sep == "" {
		return "", nil, &ArgError{Arg: "separator", Err: errors.New("empty separator")}
	}
	ents, err := iniEntries(req)
	return sep, ents, err
}

// iniResult is the end of every ini state: "Changes take effect" when
// something changed, as Salt's comments say.
func iniResult(req *Request, changes map[string]any, comment string, test bool) Result {
	if test {
		if comment == "" {
			comment = "No changes detected."
		}
		r := Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
		if len(changes) > 0 {
			r.Result = None
		}
		return r
	}
	if len(changes) > 0 {
		comment = "Changes take effect"
	}
	return Result{Name: req.Name, Result: True, Comment: comment, Changes: changes}
}

// iniSave writes the edited file, when the edit changed it.
func iniSave(req *Request, hostPath string, e *iniEdit) error {
	if !e.changed() {
		return nil
	}
	return iniWrite(req, hostPath, e)
}

func iniBeforeAfter(before, after any) map[string]any {
	return map[string]any{"before": before, "after": after}
}

// iniOptionsPresent sets keys in an ini file.
//
// Keys are found as Salt's ini_manage module reads the file: "key = value"
// with the separator given, a more indented line continuing the value
// before it, "#" and ";" lines comments, "[name]" a section. A changed
// key's line is rewritten "key = value" (or "key=value" with no_spaces);
// a new key takes the place of a "#key = ..." line that comments it out,
// or comes after the section's last line; a new section is appended at
// the end of the file. Changes are {section: {key: {before, after}}}, a
// new section {section: {before: None, after: {keys}}}, a key outside
// sections {key: {before, after}}; values are compared as Python's str()
// writes them ("True", "1").
//
// Salt: comments and changes are Salt 3006's ini.options_present; its dry
// run reports no changes, brine's the changes the real run makes; Salt
// rewrites the whole file (every line "key = value", duplicate keys and
// commented-out duplicates dropped, and no_spaces for every key), brine
// only the lines of the keys it sets; Salt creates a missing file even
// when no key is set, brine only when it writes a key.
func iniOptionsPresent(ctx context.Context, req *Request) Result {
	sep, ents, err := iniArgs(req)
	strict := req.Args.Bool("strict", false)
	noSp := req.Args.Bool("no_spaces", false)
	if err == nil {
		err = req.Args.Err()
	}
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, d, _, err := iniOpen(req, sep)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	e := newIniEdit(d, noSp)
	changes := map[string]any{}
	var comment strings.Builder
	top := map[string]bool{}
	for _, ent := range ents {
		if ent.dict {
			continue
		}
		top[ent.name] = true
		v := pyValue(ent.val)
		if o := d.top.opt(ent.name); o != nil && o.value == v {
			fmt.Fprintf(&comment, "Unchanged key %s.\n", ent.name)
			continue
		} else if o != nil {
			changes[ent.name] = iniBeforeAfter(o.value, v)
		} else {
			changes[ent.name] = iniBeforeAfter(nil, v)
		}
		fmt.Fprintf(&comment, "Changed key %s.\n", ent.name)
		e.set(d.top, ent.name, v)
	}
	if strict && len(ents) > 0 {
		for _, o := range append([]*iniOpt(nil), d.top.opts...) {
			if !top[o.key] {
				fmt.Fprintf(&comment, "Removed key %s.\n", o.key)
				before, _ := e.remove(d.top, o.key)
				changes[o.key] = iniBeforeAfter(before, nil)
			}
		}
	}
	for _, ent := range ents {
		if !ent.dict {
			continue
		}
		body := ent.val.(map[string]any)
		descr := ""
		if ent.name != "" {
			descr = " in section " + ent.name
		}
		s := d.sect(ent.name)
		if s == nil {
			vals := map[string]string{}
			after := map[string]any{}
			for _, k := range ent.keys {
				vals[k] = pyValue(body[k])
				after[k] = vals[k]
				fmt.Fprintf(&comment, "Changed key %s%s.\n", k, descr)
			}
			e.addSection(ent.name, ent.keys, vals)
			changes[ent.name] = iniBeforeAfter(nil, after)
			continue
		}
		sc := map[string]any{}
		if strict {
			for _, o := range append([]*iniOpt(nil), s.opts...) {
				if _, keep := body[o.key]; !keep {
					fmt.Fprintf(&comment, "Deleted key %s%s.\n", o.key, descr)
					before, _ := e.remove(s, o.key)
					sc[o.key] = iniBeforeAfter(before, nil)
				}
			}
		}
		for _, k := range ent.keys {
			v := pyValue(body[k])
			o := s.opt(k)
			if o != nil && o.value == v {
				fmt.Fprintf(&comment, "Unchanged key %s%s.\n", k, descr)
				continue
			}
			fmt.Fprintf(&comment, "Changed key %s%s.\n", k, descr)
			if o != nil {
				sc[k] = iniBeforeAfter(o.value, v)
			} else {
				sc[k] = iniBeforeAfter(nil, v)
			}
			e.set(s, k, v)
		}
		if len(sc) > 0 {
			changes[ent.name] = sc
		}
	}
	if req.Test {
		r := Result{Name: req.Name, Result: True, Comment: comment.String(), Changes: changes}
		if len(changes) > 0 {
			r.Result = None
		}
		return r
	}
	if err := iniSave(req, hp, e); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return iniResult(req, changes, "No anomaly detected", false)
}

// iniOptionsAbsent removes keys from an ini file.
//
// Changes are {section: {key: old value}}, and {key: old value} for a key
// outside sections (named with a value that is not a list). A key with an
// empty value counts as missing, as in Salt, though it is removed.
//
// Salt: comments and changes are Salt 3006's ini.options_absent; its dry
// run reports no changes, brine's the changes the real run makes; Salt
// rewrites the whole file (and creates a missing one, empty), brine only
// removes the keys' lines; a mapping of keys is read as the list of its
// keys in a dry run too.
func iniOptionsAbsent(ctx context.Context, req *Request) Result {
	sep, ents, err := iniArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, d, _, err := iniOpen(req, sep)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	e := newIniEdit(d, false)
	changes := map[string]any{}
	var comment strings.Builder
	for _, ent := range ents {
		keys := ent.keys
		if l, ok := ent.val.([]any); ok {
			for _, k := range l {
				keys = append(keys, pyValue(k))
			}
		} else if !ent.dict {
			// A key outside sections.
			v, ok := e.remove(d.top, ent.name)
			if !ok || v == "" {
				fmt.Fprintf(&comment, "Key %s does not exist.\n", ent.name)
				continue
			}
			fmt.Fprintf(&comment, "Deleted key %s.\n", ent.name)
			changes[ent.name] = v
			continue
		}
		descr := ""
		if ent.name != "" {
			descr = " in section " + ent.name
		}
		s := d.sect(ent.name)
		sc := map[string]any{}
		for _, k := range keys {
			v, ok := "", false
			if s != nil {
				v, ok = e.remove(s, k)
			}
			if !ok || v == "" {
				fmt.Fprintf(&comment, "Key %s%s does not exist.\n", k, descr)
				continue
			}
			fmt.Fprintf(&comment, "Deleted key %s%s.\n", k, descr)
			sc[k] = v
		}
		if len(sc) > 0 {
			changes[ent.name] = sc
		}
	}
	if req.Test {
		return iniResult(req, changes, comment.String(), true)
	}
	if err := iniSave(req, hp, e); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return iniResult(req, changes, "No anomaly detected", false)
}

// iniSectionsPresent adds empty sections to an ini file, at its end.
//
// Changes are {section: {before: None, after: {}}} for each new section.
//
// Salt: comments and changes are Salt 3006's ini.sections_present (its
// real run comments "Changes take effect" even when nothing changed);
// its dry run reports no changes, brine's the changes the real run
// makes; Salt rewrites the whole file, brine appends the sections'
// headers.
func iniSectionsPresent(ctx context.Context, req *Request) Result {
	sep, ents, err := iniArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, d, _, err := iniOpen(req, sep)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	e := newIniEdit(d, false)
	changes := map[string]any{}
	var comment strings.Builder
	for _, ent := range ents {
		if d.sect(ent.name) != nil || d.top.opt(ent.name) != nil {
			fmt.Fprintf(&comment, "Section unchanged %s.\n", ent.name)
			continue
		}
		fmt.Fprintf(&comment, "Created new section %s.\n", ent.name)
		e.addSection(ent.name, nil, nil)
		changes[ent.name] = iniBeforeAfter(nil, map[string]any{})
	}
	if req.Test {
		return iniResult(req, changes, comment.String(), true)
	}
	if err := iniSave(req, hp, e); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return Result{Name: req.Name, Result: True, Comment: "Changes take effect", Changes: changes}
}

// iniSectionsAbsent removes sections, with their keys, from an ini file.
//
// Changes are {section: {key: value}} for each section removed that had
// keys.
//
// Salt: comments and changes are Salt 3006's ini.sections_absent (an
// empty section is removed without a change); its dry run reports no
// changes, brine's the changes the real run makes; Salt rewrites the
// whole file, brine removes the sections' lines.
func iniSectionsAbsent(ctx context.Context, req *Request) Result {
	sep, ents, err := iniArgs(req)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	hp, d, _, err := iniOpen(req, sep)
	if err != nil {
		return Failf(req.Name, "%v", err)
	}
	e := newIniEdit(d, false)
	changes := map[string]any{}
	var comment strings.Builder
	for _, ent := range ents {
		s := d.sect(ent.name)
		if s == nil {
			fmt.Fprintf(&comment, "Section %s does not exist.\n", ent.name)
			continue
		}
		fmt.Fprintf(&comment, "Deleted section %s.\n", ent.name)
		if vals := s.values(); len(vals) > 0 {
			changes[ent.name] = vals
		}
		e.removeSection(s)
	}
	if req.Test {
		r := iniResult(req, changes, comment.String(), true)
		if e.changed() {
			r.Result = None
		}
		return r
	}
	if err := iniSave(req, hp, e); err != nil {
		return Failf(req.Name, "%v", err)
	}
	return iniResult(req, changes, "No anomaly detected", false)
}
