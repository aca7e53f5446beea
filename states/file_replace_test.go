package states

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/brine-cm/brine/pkg/py/pyre"
	"github.com/brine-cm/brine/pkg/py/pyref"
)

func TestFileRegexFlags(t *testing.T) {
	tests := []struct {
		in      any
		want    pyre.Flag
		wantErr bool
	}{
		{nil, 8, false},
		{[]any{"IGNORECASE", "multiline"}, 10, false},
		{[]any{"re.I", "S"}, 18, false},
		{"DOTALL", 16, false},
		{24, 24, false},
		{"10", 10, false},
		{[]any{"VERBOSE"}, 0, true},
		{[]any{"BOGUS"}, 0, true},
		{map[string]any{}, 0, true},
	}
	for _, tt := range tests {
		got, err := RegexFlags(tt.in, pyre.Multiline)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("RegexFlags(%v) = %d, %v; want %d (err %v)", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestFileReplace(t *testing.T) {
	const sshd = "# sshd\nPermitRootLogin yes\nPort 22\n#PasswordAuthentication yes\n"
	tests := []struct {
		name    string
		content string
		args    map[string]any
		want    string
		comment string
	}{
		{"simple", sshd, map[string]any{"pattern": `^PermitRootLogin .*$`, "repl": "PermitRootLogin no"},
			strings.Replace(sshd, "PermitRootLogin yes", "PermitRootLogin no", 1), "Changes were made"},
		{"groups", sshd, map[string]any{"pattern": `^(Port) (\d+)$`, "repl": `\1 2222 # was \2`},
			strings.Replace(sshd, "Port 22", "Port 2222 # was 22", 1), ""},
		{"named group", sshd, map[string]any{"pattern": `^(?P<k>Port) \d+`, "repl": `\g<k> 80`},
			strings.Replace(sshd, "Port 22", "Port 80", 1), ""},
		{"ignorecase flag", sshd, map[string]any{"pattern": `^port 22$`, "repl": "Port 23", "flags": []any{"IGNORECASE", "MULTILINE"}},
			strings.Replace(sshd, "Port 22", "Port 23", 1), ""},
		{"count", "a a a\n", map[string]any{"pattern": `a(\s)`, "repl": `b\1`, "count": 1}, "b a a\n", ""},
		{"backslash_literal", "path=C:\\old\n", map[string]any{"pattern": `old`, "repl": `\new`, "backslash_literal": true}, "path=C:\\\\new\n", ""},
		{"append_if_not_found", sshd, map[string]any{"pattern": `^UseDNS .*`, "repl": "UseDNS no", "append_if_not_found": true},
			sshd + "UseDNS no\n", ""},
		{"append to a file without final newline", "x", map[string]any{"pattern": `^y`, "repl": "y", "append_if_not_found": true}, "x\ny\n", ""},
		{"prepend_if_not_found with not_found_content", sshd, map[string]any{"pattern": `^UseDNS no$`, "repl": "UseDNS no",
			"prepend_if_not_found": true, "not_found_content": "# added by brine\nUseDNS no"}, "# added by brine\nUseDNS no\n" + sshd, ""},
		{"a block ending in a newline is followed by an empty line, as in Salt", "install tipc /bin/true\n", map[string]any{"pattern": `^blacklist\s+tipc$`,
			"repl": "blacklist tipc", "append_if_not_found": true, "not_found_content": "# Set per rule X\nblacklist tipc\n"},
			"install tipc /bin/true\n# Set per rule X\nblacklist tipc\n\n", ""},
		{"a longer line holding the content is not the content", "#blacklist tipc2\n", map[string]any{"pattern": `^blacklist\s+tipc$`,
			"repl": "blacklist tipc", "append_if_not_found": true}, "#blacklist tipc2\nblacklist tipc\n", ""},
		{"dollar in repl is literal", "price\n", map[string]any{"pattern": `price`, "repl": "$5"}, "$5\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			p := filepath.Join(root, "etc/ssh/sshd_config")
			fileWriteT(t, p, tt.content)
			var res Result
			if tt.name == "count" {
				// "a " still matches after one replacement: not idempotent, as in Salt
				res = fileCall(t, root, "file.replace", "/etc/ssh/sshd_config", tt.args, false)
			} else {
				res = fileCycle(t, root, "file.replace", "/etc/ssh/sshd_config", tt.args)
			}
			if got := fileReadT(t, p); got != tt.want {
				t.Errorf("content = %q; want %q", got, tt.want)
			}
			if _, ok := res.Changes["diff"].(string); !ok {
				t.Errorf("changes = %#v; want a diff", res.Changes)
			}
			if tt.comment != "" && res.Comment != tt.comment {
				t.Errorf("comment = %q; want %q", res.Comment, tt.comment)
			}
			// the default backup keeps the old content next to the file
			if got := fileReadT(t, p+".bak"); got != tt.content {
				t.Errorf(".bak = %q; want the old content", got)
			}
		})
	}
}

func TestFileReplaceNoBackupAndMissing(t *testing.T) {
	root := fileTestRoot(t)
	p := filepath.Join(root, "etc/x.conf")
	fileWriteT(t, p, "a=1\n")
	fileCycle(t, root, "file.replace", "/etc/x.conf", map[string]any{"pattern": "a=1", "repl": "a=2", "backup": false, "show_changes": false})
	if _, err := os.Stat(p + ".bak"); err == nil {
		t.Error("backup: False still wrote .bak")
	}
	for _, test := range []bool{true, false} {
		r := fileCall(t, root, "file.replace", "/etc/none.conf", map[string]any{"pattern": "a", "repl": "b"}, test)
		if r.Result != False || r.Comment != "/etc/none.conf: file not found" {
			t.Errorf("missing test=%v = %v %q", test, r.Result, r.Comment)
		}
		r = fileCall(t, root, "file.replace", "/etc/none.conf", map[string]any{"pattern": "a", "repl": "b", "ignore_if_missing": true}, test)
		if r.Result != True || len(r.Changes) != 0 {
			t.Errorf("ignore_if_missing test=%v = %v %q", test, r.Result, r.Comment)
		}
	}
	bad := []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"repl": "b"}, `argument "pattern"`},
		{map[string]any{"pattern": "(?<=a)b", "repl": "b"}, `argument "pattern": pattern "(?<=a)b": lookbehind`},
		{map[string]any{"pattern": "a"}, `argument "repl"`},
		{map[string]any{"pattern": "a", "repl": "b", "flags": []any{"X"}}, `argument "flags"`},
		{map[string]any{"pattern": "a", "repl": "b", "count": -1}, `argument "count"`},
		{map[string]any{"pattern": "(", "repl": "b"}, `argument "pattern"`},
	}
	for _, b := range bad {
		r := fileCall(t, root, "file.replace", "/etc/x.conf", b.args, true)
		if r.Result != False || !strings.Contains(r.Comment, b.want) {
			t.Errorf("replace %v = %v %q; want %q", b.args, r.Result, r.Comment, b.want)
		}
	}
	r := fileCall(t, root, "file.replace", "/etc/x.conf", map[string]any{"pattern": "a=2", "search_only": true}, false)
	if r.Result != True || !reflect.DeepEqual(r.Changes, map[string]any{}) {
		t.Errorf("search_only = %v %#v", r.Result, r.Changes)
	}
}

// TestAddIfNotFoundLikeSalt checks AddIfNotFound against the lines of
// Salt's file.replace it follows, run by Python's re
// (testdata/replace_notfound_ref.py).
func TestAddIfNotFoundLikeSalt(t *testing.T) {
	type tc struct {
		Data    string    `json:"data"`
		Content string    `json:"content"`
		Flags   pyre.Flag `json:"flags"`
		Prepend bool      `json:"prepend"`
	}
	var cases []tc
	for _, data := range []string{"", "x", "x\n", "install tipc /bin/true\n", "#blacklist tipc2\n", "blacklist tipc\n",
		"a\nblacklist tipc", "a\r\nblacklist tipc\r\nb\r\n", "BLACKLIST TIPC\n", "a\n# Set per rule X\nblacklist tipc\n\nz\n",
		"a\n# Set per rule X\nblacklist tipc\nz\n", " blacklist tipc\n", "blacklist tipc [x]\n"} {
		for _, content := range []string{"blacklist tipc", "# Set per rule X\nblacklist tipc\n", "blacklist tipc [x]", "a.b*c"} {
			for _, flags := range []pyre.Flag{pyre.Multiline, 0, pyre.Multiline | pyre.IgnoreCase} {
				cases = append(cases, tc{data, content, flags, false}, tc{data, content, flags, true})
			}
		}
	}
	var want []string
	pyref.Run(t, "testdata/replace_notfound_ref.py", nil, cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("replace_notfound_ref.py returned %d results for %d cases", len(want), len(cases))
	}
	for i, c := range cases {
		got, added := AddIfNotFound([]byte(c.Data), c.Content, c.Flags, c.Prepend)
		if string(got) != want[i] {
			t.Errorf("AddIfNotFound(%q, %q, flags %d, prepend %v) = %q; Salt: %q", c.Data, c.Content, c.Flags, c.Prepend, got, want[i])
		}
		if added != (want[i] != c.Data) {
			t.Errorf("AddIfNotFound(%q, %q, flags %d, prepend %v): added = %v", c.Data, c.Content, c.Flags, c.Prepend, added)
		}
	}
}

// TestFileEditHiddenDiff: with show_changes False, Salt's replace, line
// and blockreplace report the diff as True.
func TestFileEditHiddenDiff(t *testing.T) {
	root := fileTestRoot(t)
	p := filepath.Join(root, "etc/x.conf")
	fileWriteT(t, p, "a\n")
	for _, c := range []struct {
		fun  string
		args map[string]any
	}{
		{"file.replace", map[string]any{"pattern": "a", "repl": "b", "show_changes": false}},
		{"file.line", map[string]any{"mode": "replace", "match": "b", "content": "c", "show_changes": false}},
		{"file.blockreplace", map[string]any{"content": "d", "append_if_not_found": true, "show_changes": false}},
	} {
		r := fileCycle(t, root, c.fun, "/etc/x.conf", c.args)
		if r.Changes["diff"] != true {
			t.Errorf("%s changes = %#v; want diff True", c.fun, r.Changes)
		}
	}
}

// TestReplaceNotFoundDiffLikeSalt: a not_found_content of several lines
// is one item of Salt's list of new lines, and its diff shows it so.
func TestReplaceNotFoundDiffLikeSalt(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/f"), "foo\n")
	args := map[string]any{"pattern": "^bar$", "repl": "bar", "append_if_not_found": true, "not_found_content": "# bar\nbar"}
	for _, test := range []bool{true, false} {
		r := fileCall(t, root, "file.replace", "/etc/f", args, test)
		if want := "--- \n+++ \n@@ -1 +1,2 @@\n foo\n+# bar\nbar\n"; r.Changes["diff"] != want {
			t.Errorf("test=%v: diff %q; Salt's %q", test, r.Changes["diff"], want)
		}
	}
	if got := fileReadT(t, filepath.Join(root, "etc/f")); got != "foo\n# bar\nbar\n" {
		t.Errorf("file = %q", got)
	}
}
