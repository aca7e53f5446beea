package states

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyref"
)

func TestFileAppendPrepend(t *testing.T) {
	tests := []struct {
		name, fun, content string
		args               map[string]any
		want, comment      string
	}{
		{"append missing lines only", "file.append", "a\nb\n", map[string]any{"text": []any{"b", "c", "d"}}, "a\nb\nc\nd\n", "Appended 2 lines"},
		{"append one line to a file without final newline", "file.append", "a", map[string]any{"text": "b"}, "a\nb\n", ""},
		{"whitespace folded", "file.append", "alias  ll='ls -l'\n", map[string]any{"text": "alias ll='ls -l'"}, "alias  ll='ls -l'\n", ""},
		{"a multi-line chunk is added whole", "file.append", "x\n", map[string]any{"text": "[section]\nkey=1"}, "x\n[section]\nkey=1\n", ""},
		{"creates a missing file", "file.append", "", map[string]any{"text": "first"}, "first\n", ""},
		// A source is rendered with Jinja by default, as Salt's
		// append does; text is not (the SLS rendered it already).
		{"source rendered", "file.append", "", map[string]any{"source": "salt://app/app.conf.tmpl", "defaults": map[string]any{"port": 22, "host": "h"}}, "port = 22\nhost = h\nid = m001\n", ""},
		{"source as it is", "file.append", "", map[string]any{"source": "salt://app/app.conf.tmpl", "template": nil}, "port = {{ port }}\nhost = {{ host }}\nid = {{ grains.id }}\n", ""},
		{"text not rendered", "file.append", "", map[string]any{"text": "port={{ port }}", "template": "jinja"}, "port={{ port }}\n", ""},
		{"source", "file.append", "x\n", map[string]any{"source": "salt://app/app.conf"}, "x\nport = 80\n", ""},
		{"prepend", "file.prepend", "body\n", map[string]any{"text": []any{"#!/bin/sh", "set -e"}}, "#!/bin/sh\nset -e\nbody\n", "Prepended 2 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			p := filepath.Join(root, "etc/f")
			if tt.content != "" {
				fileWriteT(t, p, tt.content)
			}
			res := fileCycle(t, root, tt.fun, "/etc/f", tt.args)
			if got := fileReadT(t, p); got != tt.want {
				t.Errorf("content = %q; want %q", got, tt.want)
			}
			if tt.comment != "" && res.Comment != tt.comment {
				t.Errorf("comment = %q; want %q", res.Comment, tt.comment)
			}
		})
	}
	root := fileTestRoot(t)
	for _, args := range []map[string]any{{}, {"text": []any{map[string]any{}}}} {
		if r := fileCall(t, root, "file.append", "/etc/f", args, true); r.Result != False || !strings.Contains(r.Comment, `argument "text"`) {
			t.Errorf("append %v = %v %q", args, r.Result, r.Comment)
		}
	}
}

func TestFileLineEdit(t *testing.T) {
	lines := []string{"[main]", "  a=1", "  b=2", "[other]"}
	rx := func(s string) *linePattern {
		p, err := newLinePattern(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	// The expectations follow Salt 3006's _set_line (salt/modules/file.py).
	tests := []struct {
		name, mode, location, content string
		match, before, after          *linePattern
		lines, want                   []string
	}{
		{"replace keeps indent", "replace", "", "a=9", rx(`^\s*a=`), nil, nil, nil, []string{"[main]", "  a=9", "  b=2", "[other]"}},
		{"replace the first match only", "replace", "", "a=9", rx(`^a=`), nil, nil, []string{"a=1", "b=2", "a=3"}, []string{"a=9", "b=2", "a=3"}},
		{"delete", "delete", "", "", rx(`b=`), nil, nil, nil, []string{"[main]", "  a=1", "[other]"}},
		{"delete the lines equal to the first match", "delete", "", "", rx(`^a=`), nil, nil, []string{"a=1", "b=2", "a=3", "a=1"}, []string{"b=2", "a=3"}},
		{"insert after, indented", "insert", "", "c=3", nil, nil, rx(`b=2`), nil, []string{"[main]", "  a=1", "  b=2", "  c=3", "[other]"}},
		{"insert before", "insert", "", "z=0", nil, rx(`^\[other\]`), nil, nil, []string{"[main]", "  a=1", "  b=2", "z=0", "[other]"}},
		{"insert at start", "insert", "start", "# top", nil, nil, nil, nil, []string{"# top", "[main]", "  a=1", "  b=2", "[other]"}},
		{"insert at end, indented as the last line", "insert", "end", "tail  ", nil, nil, nil, []string{"a", "  b"}, []string{"a", "  b", "  tail"}},
		{"location wins over after", "insert", "start", "x", nil, nil, rx(`a=1`), nil, []string{"x", "[main]", "  a=1", "  b=2", "[other]"}},
		{"insert after, already next", "insert", "", "a=1", nil, nil, rx(`^\[main\]`), nil, lines},
		{"ensure after present", "ensure", "", "a=1", nil, nil, rx(`^\[main\]`), nil, lines},
		{"ensure after missing", "ensure", "", "x=1", nil, nil, rx(`b=2`), nil, []string{"[main]", "  a=1", "  b=2", "  x=1", "[other]"}},
		{"ensure between replaces the one line", "ensure", "", "a=5", nil, rx(`b=2`), rx(`^\[main\]`), nil, []string{"[main]", "a=5", "  b=2", "[other]"}},
		{"ensure between adjacent inserts", "ensure", "", "m=1", nil, rx(`b=2`), rx(`a=1`), nil, []string{"[main]", "  a=1", "  m=1", "  b=2", "[other]"}},
		{"ensure before, indented as the line above", "ensure", "", "last=1", nil, rx(`^\[other\]`), nil, nil, []string{"[main]", "  a=1", "  b=2", "  last=1", "[other]"}},
	}
	for _, tt := range tests {
		in := lines
		if tt.lines != nil {
			in = tt.lines
		}
		got, err := fileLineEdit(in, tt.mode, tt.location, tt.content, tt.match, tt.before, tt.after, true)
		if err != nil || strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: fileLineEdit = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for _, c := range []struct {
		name, mode, location string
		before, after        *linePattern
		want                 string
	}{
		{"insert after a line that is not there", "insert", "", nil, rx("nomatch"), "Neither before or after was found in file"},
		{"insert with nowhere", "insert", "", nil, nil, `On insert either "location" or "before/after" conditions are required.`},
		{"after found twice", "ensure", "", nil, rx(`=`), `Found more than expected occurrences in "after" expression`},
		{"two lines between", "ensure", "", rx(`other`), rx(`main`), `Found more than one line between boundaries "before" and "after".`},
	} {
		if _, err := fileLineEdit(lines, c.mode, c.location, "q", nil, c.before, c.after, true); err == nil || err.Error() != c.want {
			t.Errorf("%s: error %v; want %q", c.name, err, c.want)
		}
	}
}

func TestFileLine(t *testing.T) {
	root := fileTestRoot(t)
	p := filepath.Join(root, "etc/default/grub")
	fileWriteT(t, p, "GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX=\"\"\n")
	res := fileCycle(t, root, "file.line", "/etc/default/grub", map[string]any{"mode": "replace", "match": "^GRUB_TIMEOUT=", "content": "GRUB_TIMEOUT=1"})
	if got := fileReadT(t, p); got != "GRUB_TIMEOUT=1\nGRUB_CMDLINE_LINUX=\"\"\n" || res.Comment != "Changes were made" {
		t.Errorf("replace: %q %q", got, res.Comment)
	}
	fileCycle(t, root, "file.line", "/etc/default/grub", map[string]any{"mode": "insert", "location": "end", "content": "GRUB_TERMINAL=console"})
	fileCycle(t, root, "file.line", "/etc/default/grub", map[string]any{"mode": "delete", "match": "CMDLINE"})
	if got := fileReadT(t, p); got != "GRUB_TIMEOUT=1\nGRUB_TERMINAL=console\n" {
		t.Errorf("after insert and delete: %q", got)
	}
	fileCycle(t, root, "file.line", "/etc/new.conf", map[string]any{"mode": "insert", "location": "end", "content": "x=1", "create": true, "file_mode": "0600"})
	if _, _, m := fileOwner(t, filepath.Join(root, "etc/new.conf")); m.Perm() != 0o600 {
		t.Errorf("created mode %v; want 0600", m)
	}
	bad := []struct {
		name string
		args map[string]any
		want string
	}{
		{"/etc/default/grub", map[string]any{"content": "x"}, `argument "mode": required`},
		{"/etc/default/grub", map[string]any{"mode": "upsert", "content": "x"}, `argument "mode"`},
		{"/etc/default/grub", map[string]any{"mode": "insert"}, `argument "content"`},
		{"/etc/default/grub", map[string]any{"mode": "ensure", "content": "x"}, `argument "mode": ensure needs before and/or after`},
		{"/etc/default/grub", map[string]any{"mode": "insert", "content": "x", "location": "middle"}, `argument "location"`},
		{"/etc/default/grub", map[string]any{"mode": "insert", "content": "x", "after": "(?<=a)"}, `argument "after"`},
		{"/etc/none", map[string]any{"mode": "insert", "content": "x"}, "/etc/none: file not found"},
	}
	for _, b := range bad {
		r := fileCall(t, root, "file.line", b.name, b.args, true)
		if r.Result != False || !strings.Contains(r.Comment, b.want) {
			t.Errorf("line %v = %v %q; want %q", b.args, r.Result, r.Comment, b.want)
		}
	}
}

const fileInittab = `id:2:initdefault:
si::sysinit:/etc/init.d/rcS
1:2345:respawn:/sbin/getty 38400 tty1
2:23:respawn:/sbin/getty 38400 tty2
#3:23:respawn:/sbin/getty 38400 tty3
T0:23:respawn:/sbin/getty -L ttyS0 9600 vt100
`

func TestFileCommentUncomment(t *testing.T) {
	root := fileTestRoot(t)
	p := filepath.Join(root, "etc/inittab")
	fileWriteT(t, p, fileInittab)
	res := fileCycle(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `^[1-6]:`})
	want := strings.NewReplacer("1:2345", "#1:2345", "2:23:", "#2:23:").Replace(fileInittab)
	if got := fileReadT(t, p); got != want || res.Comment != "Commented lines successfully" {
		t.Errorf("comment: %q %q\nwant %q", got, res.Comment, want)
	}
	if got := fileReadT(t, p+".bak"); got != fileInittab {
		t.Errorf(".bak = %q", got)
	}
	if r := fileCall(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `^[1-6]:`}, true); r.Result != True || r.Comment != "Pattern already commented" {
		t.Errorf("recomment = %v %q", r.Result, r.Comment)
	}
	// As Salt's comment_line, only lines that start with the regex.
	if r := fileCall(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `ttyS0`}, false); r.Result != False {
		t.Errorf("comment a mid-line pattern = %v %q; want it not found, as Salt's re.match", r.Result, r.Comment)
	}
	fileCycle(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `T0:`, "char": "# "})
	if got := fileReadT(t, p); !strings.Contains(got, "\n# T0:23") || strings.Contains(got, "# # T0") {
		t.Errorf("comment with char '# ': %q", got)
	}
	fileCycle(t, root, "file.uncomment", "/etc/inittab", map[string]any{"regex": `^3:23:`})
	if got := fileReadT(t, p); !strings.Contains(got, "\n3:23:respawn") {
		t.Errorf("uncomment: %q", got)
	}
	if r := fileCall(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `^nothing`}, false); r.Result != False {
		t.Errorf("comment nothing = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.comment", "/etc/inittab", map[string]any{"regex": `^nothing`, "ignore_missing": true}, false); r.Result != True {
		t.Errorf("comment nothing, ignore_missing = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.uncomment", "/etc/inittab", map[string]any{"regex": `^si::`}, false); r.Result != True || r.Comment != "Pattern already uncommented" {
		t.Errorf("uncomment present = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.comment", "/etc/inittab", map[string]any{}, false); r.Result != False || !strings.Contains(r.Comment, `argument "regex"`) {
		t.Errorf("no regex = %v %q", r.Result, r.Comment)
	} // Salt's uncomment keeps the blank after the char and leaves an
	// indented comment alone.
	fileWriteT(t, p, "# foo\n  # foo\n##foo\n")
	fileCall(t, root, "file.uncomment", "/etc/inittab", map[string]any{"regex": `foo`}, false)
	if got := fileReadT(t, p); got != " foo\n  # foo\n##foo\n" {
		t.Errorf("uncomment foo = %q; want Salt's \" foo\\n  # foo\\n##foo\\n\"", got)
	}
}

func TestFileBlockreplace(t *testing.T) {
	const hosts = "127.0.0.1 localhost\n# BEGIN brine\nold entry\n# END brine\n::1 localhost\n"
	tests := []struct {
		name, content string
		args          map[string]any
		want          string
	}{
		{"replace between markers, the rest byte for byte", hosts,
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "10.0.0.1 db\n10.0.0.2 web"},
			"127.0.0.1 localhost\n# BEGIN brine\n10.0.0.1 db\n10.0.0.2 web\n# END brine\n::1 localhost\n"},
		{"append_if_not_found", "127.0.0.1 localhost",
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "x", "append_if_not_found": true},
			"127.0.0.1 localhost\n# BEGIN brine\nx\n# END brine\n"},
		{"prepend_if_not_found", "a\n",
			map[string]any{"content": []any{"l1", "l2"}, "prepend_if_not_found": true},
			"#-- start managed zone --\nl1\nl2\n#-- end managed zone --\na\n"},
		{"template", hosts,
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "source": "salt://app/app.conf.tmpl", "defaults": map[string]any{"port": 1, "host": "h"}},
			"127.0.0.1 localhost\n# BEGIN brine\nport = 1\nhost = h\nid = m001\n# END brine\n::1 localhost\n"},
		// The cases below follow Salt's blockreplace line by line.
		{"empty content leaves one empty line", hosts,
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": ""},
			"127.0.0.1 localhost\n# BEGIN brine\n\n# END brine\n::1 localhost\n"},
		{"text before the end marker on its line goes", "a # BEGIN brine x\nold\nxx # END brine trailing\n",
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "new"},
			"a # BEGIN brine x\nnew\n# END brine trailing\n"},
		{"append_newline True after a newline leaves an empty line", hosts,
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "new\n", "append_newline": true},
			"127.0.0.1 localhost\n# BEGIN brine\nnew\n\n# END brine\n::1 localhost\n"},
		{"append_newline False puts the end marker on the last line", hosts,
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "new", "append_newline": false},
			"127.0.0.1 localhost\n# BEGIN brine\nnew# END brine\n::1 localhost\n"},
		{"the file's CRLF line ends", "a\r\n# BEGIN brine\r\nold\r\n# END brine\r\n",
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "n1\nn2"},
			"a\r\n# BEGIN brine\r\nn1\r\nn2\r\n# END brine\r\n"},
		{"every block of the markers", "# BEGIN brine\nold\n# END brine\nmid\n# BEGIN brine\nold2\n# END brine\n",
			map[string]any{"marker_start": "# BEGIN brine", "marker_end": "# END brine", "content": "new"},
			"# BEGIN brine\nnew\n# END brine\nmid\n# BEGIN brine\nnew\n# END brine\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			p := filepath.Join(root, "etc/hosts")
			fileWriteT(t, p, tt.content)
			fileCycle(t, root, "file.blockreplace", "/etc/hosts", tt.args)
			if got := fileReadT(t, p); got != tt.want {
				t.Errorf("content = %q; want %q", got, tt.want)
			}
		})
	}
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/hosts"), "a\n# BEGIN\nb\n")
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"content": "x"}, "Encountered error managing block: Cannot edit marked block. Markers were not found in file.. See the log for details."},
		{map[string]any{"content": "x", "marker_start": "# BEGIN", "marker_end": "# END"}, "Encountered error managing block: Unterminated marked block. End of file reached before marker_end.. See the log for details."},
		{map[string]any{"content": "x", "append_if_not_found": true, "prepend_if_not_found": true}, "Encountered error managing block: Only one of append and prepend_if_not_found is permitted. See the log for details."},
		{map[string]any{"content": "x", "marker_start": ""}, `argument "marker_start"`},
	} {
		if r := fileCall(t, root, "file.blockreplace", "/etc/hosts", tc.args, true); r.Result != False || !strings.Contains(r.Comment, tc.want) {
			t.Errorf("blockreplace %v = %v %q; want %q", tc.args, r.Result, r.Comment, tc.want)
		}
	}
}

// TestFileChunkThereLikeSalt: whether file.append finds a chunk already
// in a file, against Python running Salt's regex building.
func TestFileChunkThereLikeSalt(t *testing.T) {
	cases := [][2]string{
		{"a b", "x\na b\n"},
		{"a b", "x\n  a   b  \n"},
		{"a b", "x\nab\n"},
		{"a b", "x\na bc\n"},
		{"a\nb", "a\nb\n"},
		{"a\nb", "ab\n"},
		{"a\nb", "a\n\n\nb\n"},
		{"k = v", "k=v\n"},
		{"x.*", "xyz\n"},
		{"x.*", "x.*\n"},
		{`say "hello world"`, "say \"hello world\"\n"},
		{`it's "a b"`, "it's \"a  b\"\n"},
		{`it's "a b"`, "it's \"a b\"\n"},
		{`don't 'x`, "don't 'x\n"},
		{`a '\"b`, "a '\\\"b\n"},
		{`it's "open`, "it's \"open\n"},
		{"", "x\n"},
		{"tab\there", "tab here\n"},
	}
	var want []*bool
	pyref.Run(t, "testdata/ws_split_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("ws_split_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		got, err := fileHasChunk([]byte(c[1]), c[0], true)
		switch {
		case want[i] == nil && err == nil:
			t.Errorf("chunk %q: brine looked (%v); Salt's shlex fails on its quotes", c[0], got)
		case want[i] != nil && (err != nil || got != *want[i]):
			t.Errorf("chunk %q in %q: brine %v, %v; Salt %v", c[0], c[1], got, err, *want[i])
		}
	}
}

// TestFileAppendPrependLikeSalt pins the shapes Salt's append and
// prepend states give: append's diff of lines joined by "\n", the text
// as a regex without ignore_whitespace, prepend's header.
func TestFileAppendPrependLikeSalt(t *testing.T) {
	for _, c := range []struct {
		fun, init string
		args      map[string]any
		comment   string
		diff      string // "" for no changes
		after     string
	}{
		{"file.append", "a\nb\n", map[string]any{"text": []any{"b", "c", "d"}}, "Appended 2 lines",
			"--- \n\n+++ \n\n@@ -1,2 +1,4 @@\n\n a\n b\n+c\n+d", "a\nb\nc\nd\n"},
		{"file.append", "a", map[string]any{"text": "b"}, "Appended 1 lines",
			"--- \n\n+++ \n\n@@ -1 +1,2 @@\n\n a\n+b", "a\nb\n"},
		{"file.append", "axb\n", map[string]any{"text": "a.b", "ignore_whitespace": false}, "File /etc/f is in correct state", "", "axb\n"},
		{"file.append", "axb\n", map[string]any{"text": "a.b"}, "Appended 1 lines",
			"--- \n\n+++ \n\n@@ -1 +1,2 @@\n\n axb\n+a.b", "axb\na.b\n"},
		{"file.prepend", "x\n", map[string]any{"text": []any{"h1", "h2"}}, "Prepended 2 lines",
			"--- \n+++ \n@@ -1 +1,3 @@\n+h1\n+h2\n x\n", "h1\nh2\nx\n"},
		{"file.prepend", "h1\nh2\nx\n", map[string]any{"text": []any{"h1", "h2"}, "header": true}, "File /etc/f is in correct state", "", "h1\nh2\nx\n"},
		{"file.prepend", "x\nh1\n", map[string]any{"text": []any{"h1"}, "header": true}, "Prepended 1 lines",
			"--- \n+++ \n@@ -1,2 +1,3 @@\n+h1\n x\n h1\n", "h1\nx\nh1\n"},
	} {
		root := fileTestRoot(t)
		p := filepath.Join(root, "etc/f")
		fileWriteT(t, p, c.init)
		for _, test := range []bool{true, false} {
			r := fileCall(t, root, c.fun, "/etc/f", c.args, test)
			diff, _ := r.Changes["diff"].(string)
			comment := c.comment
			if test && c.diff != "" {
				comment = "File /etc/f is set to be updated"
			}
			if r.Comment != comment || diff != c.diff || len(r.Changes) > 1 {
				t.Errorf("%s %v on %q (test %v) = %q %#v; want %q %q", c.fun, c.args, c.init, test, r.Comment, r.Changes, comment, c.diff)
			}
		}
		if got := fileReadT(t, p); got != c.after {
			t.Errorf("%s %v on %q wrote %q; want %q", c.fun, c.args, c.init, got, c.after)
		}
	}
	// A missing file: Salt's dry run says it is to be created.
	root := fileTestRoot(t)
	r := fileCall(t, root, "file.append", "/etc/new", map[string]any{"text": "first"}, true)
	if r.Result != None || r.Comment != "File /etc/new is set to be created" || r.Changes["diff"] != "--- \n\n+++ \n\n@@ -0,0 +1 @@\n\n+first" {
		t.Errorf("append to a missing file, test = %v %q %#v", r.Result, r.Comment, r.Changes)
	}
}
