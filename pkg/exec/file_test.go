package exec

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// fileRoot is a host whose --root holds a small tree.
func fileRoot(t *testing.T) (*Host, string) {
	t.Helper()
	h := testHost(t)
	root := h.Root
	for p, content := range map[string]string{
		"etc/app.conf":      "port = 80\nhost = a\n",
		"etc/motd":          "hello",
		"etc/conf.d/a.conf": "a\n",
		"etc/conf.d/B.CONF": "b\n",
		"etc/passwd":        "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n",
		"etc/group":         "root:x:0:\nalice:x:1000:\n",
	} {
		hp := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(hp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(hp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A link that would lead out of the root resolves inside it.
	if err := os.Symlink("/etc/app.conf", filepath.Join(root, "etc/link")); err != nil {
		t.Fatal(err)
	}
	return h, root
}

func TestFileFunctions(t *testing.T) {
	tests := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"file.file_exists", []string{"/etc/app.conf"}, true, 0},
		{"file.file_exists", []string{"/etc"}, false, 0},
		{"file.file_exists", []string{"/nope"}, false, 0},
		{"file.directory_exists", []string{"/etc"}, true, 0},
		{"file.directory_exists", []string{"/etc/app.conf"}, false, 0},
		{"file.contains", []string{"/etc/app.conf", "host = a"}, true, 0},
		{"file.contains", []string{"/etc/app.conf", "nope"}, false, 0},
		{"file.contains", []string{"/etc/app.conf", `text="a\n\n"`}, true, 0}, // Salt strips the text
		{"file.contains", []string{"/nope", "x"}, false, 0},
		{"file.search", []string{"/etc/app.conf", "^port = \\d+$"}, true, 0},
		{"file.search", []string{"/etc/app.conf", "PORT", "flags=[IGNORECASE]"}, true, 0},
		{"file.search", []string{"/etc/app.conf", "PORT"}, false, 0},
		{"file.search", []string{"/nope", "x"}, "/nope: File not found", 1},
		{"file.search", []string{"/nope", "x", "ignore_if_missing=True"}, false, 0},
		{"file.read", []string{"/etc/motd"}, "hello", 0},
		{"file.read", []string{"/etc/link"}, "port = 80\nhost = a\n", 0},
		{"file.get_hash", []string{"/etc/motd"}, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", 0},
		{"file.get_hash", []string{"/etc/motd", "form=md5"}, "5d41402abc4b2a76b9719d911017c592", 0},
		{"file.find", []string{"/etc", "name=*.conf"}, []string{"/etc/app.conf", "/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "iname=*.conf", "type=f"}, []string{"/etc/app.conf", "/etc/conf.d/B.CONF", "/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "type=d"}, []string{"/etc", "/etc/conf.d"}, 0},
		{"file.find", []string{"/etc", "type=l"}, []string{"/etc/link"}, 0},
		{"file.find", []string{"/etc", "name=*.conf", "maxdepth=1"}, []string{"/etc/app.conf"}, 0},
		{"file.find", []string{"/etc", "regex=(a|B)\\.", "mindepth=2"}, []string{"/etc/conf.d/B.CONF", "/etc/conf.d/a.conf"}, 0},
		// Salt's find: a regex matches at the start of the base name, a
		// glob's ? is one character or none.
		{"file.find", []string{"/etc", "regex=a", "type=f"}, []string{"/etc/app.conf", "/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "name=a?conf"}, []string{"/etc/conf.d/a.conf"}, 0},
		// grep searches regular files' contents with a Python pattern.
		{"file.find", []string{"/etc", "grep=host = (?P<h>a)"}, []string{"/etc/app.conf"}, 0},
		{"file.find", []string{"/etc", "grep=^host"}, []string{}, 0}, // re.search without MULTILINE: ^ is the file's start
		{"file.find", []string{"/etc", "grep=^a", "name=*.conf"}, []string{"/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "type=f", "size=-2"}, []string{"/etc/conf.d/B.CONF", "/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "type=f", "size=+19b"}, []string{"/etc/app.conf", "/etc/group", "/etc/passwd"}, 0},
		{"file.find", []string{"/etc", "type=f", "size=5"}, []string{"/etc/motd"}, 0},
		{"file.find", []string{"/etc", "type=f", "size=1k"}, []string{}, 0}, // 1,024 to 2,047 bytes
		{"file.find", []string{"/etc", "type=f", "size=0k", "name=*.conf"}, []string{"/etc/app.conf", "/etc/conf.d/a.conf"}, 0},
		{"file.find", []string{"/etc", "type=f", "mtime=-1h", "name=motd"}, []string{"/etc/motd"}, 0},
		// print=: a value a match, or a list of them; sorted as Python sorts.
		{"file.find", []string{"/etc", "name=*.conf", "print=name"}, []any{"a.conf", "app.conf"}, 0},
		{"file.find", []string{"/etc", "iname=*.conf", "print=size,name"}, []any{[]any{int64(2), "B.CONF"}, []any{int64(2), "a.conf"},
			[]any{int64(19), "app.conf"}}, 0},
		{"file.find", []string{"/etc", "name=motd", "print=type md5"}, []any{[]any{"f", "5d41402abc4b2a76b9719d911017c592"}}, 0},
		{"file.find", []string{"/etc", "print=owner"}, "file.find: argument \"print\": unknown field \"owner\": want some of group, md5, mode, mtime, name, path, size, type, user", 1},
		{"file.find", []string{"/etc", "type=f", "mtime=1h", "name=motd"}, []string{}, 0},
		{"file.find", []string{"/etc", "grep=(?=x)"}, "file.find: argument \"grep\": pattern \"(?=x)\": lookahead (?=…) is not supported by Go's RE2; match the text and keep it with a group in repl", 1},
		{"file.remove", []string{"/nope"}, false, 0},
		{"file.symlink", []string{"/etc/motd", "/etc/app.conf"}, "ERROR: File exists: /etc/app.conf", 1}, // a CommandExecutionError
	}
	for _, tt := range tests {
		h, _ := fileRoot(t)
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != tt.code {
			t.Errorf("%s %q = %#v (retcode %d); want %#v (retcode %d)", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want, tt.code)
		}
	}
}

func TestFileArgErrors(t *testing.T) {
	h, _ := fileRoot(t)
	for _, words := range [][]string{
		{"file.read", "etc/motd"},                 // not absolute
		{"file.read", "/etc/motd", "binray=True"}, // a typo
		{"file.chmod", "/etc/motd", "mode=rwx"},
		{"file.find", "/etc", "type=x"},
		{"file.get_hash", "/etc/motd", "form=crc"},
	} {
		ret := callWords(t, h, words[0], words[1:]...)
		if ret.Retcode != RetError {
			t.Errorf("%q = %#v; want an error", words, ret.Value)
		}
	}
	ret := callWords(t, h, "file.read", "/etc/motd", "binray=True")
	if msg, _ := ret.Value.(string); !strings.Contains(msg, "did you mean binary?") {
		t.Errorf("typo = %q; want a suggestion", msg)
	}
}

func TestFileWrites(t *testing.T) {
	h, root := fileRoot(t)
	read := func(p string) string {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	check := func(fun string, want any, words ...string) {
		t.Helper()
		ret := callWords(t, h, fun, words...)
		if !reflect.DeepEqual(ret.Value, want) || ret.Retcode != 0 {
			t.Fatalf("%s %q = %#v (%d); want %#v", fun, words, ret.Value, ret.Retcode, want)
		}
	}
	if err := os.Chmod(filepath.Join(root, "etc/motd"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("file.append", `Wrote 2 lines to "/etc/motd"`, "/etc/motd", "one", "two")
	if got := read("etc/motd"); got != "hello\none\ntwo\n" {
		t.Errorf("append: %q", got)
	}
	if fi, _ := os.Stat(filepath.Join(root, "etc/motd")); fi.Mode().Perm() != 0o600 {
		t.Errorf("append changed the mode to %v", fi.Mode())
	}
	check("file.write", `Wrote 1 lines to "/etc/new"`, "/etc/new", "only")
	if got := read("etc/new"); got != "only\n" {
		t.Errorf("write: %q", got)
	}
	// Through a link that points out of the root: the root's file changes.
	check("file.replace", "--- \n+++ \n@@ -1,2 +1,2 @@\n-port = 80\n+port = 8080\n host = a\n", "/etc/link", `^port = (\d+)$`, `port = \g<1>80`)
	if got := read("etc/app.conf"); got != "port = 8080\nhost = a\n" {
		t.Errorf("replace: %q", got)
	}
	if got := read("etc/app.conf.bak"); got != "port = 80\nhost = a\n" {
		t.Errorf("replace backup: %q", got)
	}
	check("file.replace", "", "/etc/app.conf", "^nothing$", "x")
	check("file.replace", true, "/etc/app.conf", "^user = .*$", "user = app", "append_if_not_found=True", "show_changes=False", "backup=False")
	if got := read("etc/app.conf"); got != "port = 8080\nhost = a\nuser = app\n" {
		t.Errorf("append_if_not_found: %q", got)
	}
	check("file.replace", true, "/etc/app.conf", "host", "x", "dry_run=True", "show_changes=False")
	check("file.replace", true, "/etc/app.conf", "host", "x", "search_only=True")
	if got := read("etc/app.conf"); strings.Contains(got, "x") {
		t.Errorf("dry_run changed the file: %q", got)
	}
	check("file.chmod", "0640", "/etc/new", "0640")
	check("file.mkdir", true, "/srv/app/data", "mode=0750")
	if fi, err := os.Stat(filepath.Join(root, "srv/app/data")); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("mkdir: %v %v", fi, err)
	}
	check("file.touch", true, "/srv/app/stamp", "mtime=1000000000")
	if fi, err := os.Stat(filepath.Join(root, "srv/app/stamp")); err != nil || fi.ModTime().Unix() != 1000000000 {
		t.Errorf("touch: %v %v", fi, err)
	}
	check("file.symlink", true, "/etc/app.conf", "/srv/app/current")
	check("file.symlink", true, "/etc/motd", "/srv/app/current", "force=True", "atomic=True")
	if l, _ := os.Readlink(filepath.Join(root, "srv/app/current")); l != "/etc/motd" {
		t.Errorf("symlink: %q", l)
	}
	ret := callWords(t, h, "file.stats", "/srv/app/current")
	st, _ := ret.Value.(map[string]any)
	if st["type"] != "file" || st["target"] != "/etc/motd" || st["mode"] != "0600" {
		t.Errorf("stats = %v", st)
	}
	ret = callWords(t, h, "file.stats", "/srv/app/current", "follow_symlinks=False", "hash_type=sha1")
	st, _ = ret.Value.(map[string]any)
	if st["type"] != "link" || st["sum"] == nil {
		t.Errorf("stats of the link = %v", st)
	}
	check("file.remove", true, "/srv/app")
	if _, err := os.Lstat(filepath.Join(root, "srv/app")); !os.IsNotExist(err) {
		t.Errorf("remove left %v", err)
	}
	if ret := callWords(t, h, "file.remove", "/"); ret.Retcode == 0 {
		t.Errorf("file.remove / = %v; want it refused", ret.Value)
	}
	if os.Getuid() == 0 {
		check("file.chown", nil, "/etc/new", "alice", "alice")
		ret = callWords(t, h, "file.stats", "/etc/new")
		if st, _ := ret.Value.(map[string]any); st["user"] != "alice" || st["uid"] != 1000 {
			t.Errorf("chown: stats = %v", st)
		}
	}
	// Salt's chown returns what it could not do as its value.
	for _, tt := range []struct {
		words []string
		want  string
	}{
		{[]string{"/etc/new", "nobody", ""}, "User does not exist\n"},
		{[]string{"/etc/new", "nobody", "nogroup"}, "User does not exist\nGroup does not exist\n"},
		{[]string{"/nope", "root", "root"}, "File not found"},
	} {
		if ret := callWords(t, h, "file.chown", tt.words...); ret.Retcode != 0 || ret.Value != tt.want {
			t.Errorf("file.chown %q = %#v (%d); want %q", tt.words, ret.Value, ret.Retcode, tt.want)
		}
	}
	if os.Getuid() == 0 {
		// Through a link, as os.chown: the file it points to changes.
		if err := os.Symlink("/etc/new", filepath.Join(root, "etc/newlink")); err != nil {
			t.Fatal(err)
		}
		check("file.chown", nil, "/etc/newlink", "root", "root")
		if st, _ := callWords(t, h, "file.stats", "/etc/new").Value.(map[string]any); st["uid"] != 0 {
			t.Errorf("chown through a link: the file's stats = %v", st)
		}
	}
}

// TestFileReplacePython: file.replace and file.search take Python's
// patterns and replacements, as the file.replace state does (pyre), and
// add not_found_content as Salt's does.
func TestFileReplacePython(t *testing.T) {
	h := testHost(t)
	p := filepath.Join(h.Root, "etc/a.conf")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		content string
		words   []string
		want    string
	}{
		{"Port 22\n", []string{`^(?P<k>Port) (\d+)$`, `\g<k> 2\2`}, "Port 222\n"},
		{"cost 5\n", []string{`cost (\d)`, `cost $\1`}, "cost $5\n"},
		{"a\n", []string{`a\Z`, "b"}, "a\n"}, // \Z is the very end, after the newline
		{"a\n", []string{`a$`, `x\1`, "backslash_literal=True"}, "x\\1\n"},
		{"install tipc /bin/true\n", []string{`^blacklist\s+tipc$`, "blacklist tipc", "append_if_not_found=True",
			"not_found_content=# Set per rule X\nblacklist tipc\n"}, "install tipc /bin/true\n# Set per rule X\nblacklist tipc\n\n"},
		{"#blacklist tipc2\n", []string{`^blacklist\s+tipc$`, "blacklist tipc", "prepend_if_not_found=True"}, "blacklist tipc\n#blacklist tipc2\n"},
		{"blacklist tipc\n", []string{`^blacklist\s+tipc$`, "blacklist tipc", "append_if_not_found=True"}, "blacklist tipc\n"},
	} {
		if err := os.WriteFile(p, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		words := append([]string{"/etc/a.conf"}, tt.words...)
		if ret := callWords(t, h, "file.replace", append(words, "backup=False")...); ret.Retcode != 0 {
			t.Fatalf("file.replace %q = %v", words, ret.Value)
		}
		if b, _ := os.ReadFile(p); string(b) != tt.want {
			t.Errorf("file.replace %q on %q: %q; want %q", tt.words, tt.content, b, tt.want)
		}
	}
	if ret := callWords(t, h, "file.search", "/etc/a.conf", `(?P<x>tipc)\Z`); ret.Value != false {
		t.Errorf("file.search (?P<x>tipc)\\Z = %v; want False (\\Z is after the final newline)", ret.Value)
	}
	ret := callWords(t, h, "file.replace", "/etc/a.conf", `(?=x)`, "y")
	if ret.Retcode == 0 || !strings.Contains(fmt.Sprint(ret.Value), "pattern") {
		t.Errorf("file.replace with a lookahead = %v; want an error that names pattern", ret.Value)
	}
}
