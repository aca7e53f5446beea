package states

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/brine-cm/brine/pkg/odict"
	"github.com/brine-cm/brine/pkg/rootfs"
)

func TestFileManaged(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(t *testing.T, root string)
		args        map[string]any
		wantContent string
		wantChanges map[string]any // checked exactly, except "diff" when wantDiff is set
		wantDiff    []string       // substrings of the diff
		wantComment string
	}{
		{
			name:        "new file from contents gets a newline",
			args:        map[string]any{"contents": "hello"},
			wantContent: "hello\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
			wantComment: "File /etc/app.conf updated",
		},
		{
			name:        "contents as a list of lines",
			args:        map[string]any{"contents": []any{"a", "b", 3}},
			wantContent: "a\nb\n3\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			// rabbitmq-formula's `- [Service]` (a YAML flow list where a
			// line was meant): Salt's _validate_str_list writes str(item).
			name: "contents items that are not strings are written as Python's str() of them",
			args: map[string]any{"contents": []any{[]any{"Service"}, "LimitNOFILE=infinity", true, 1.0, nil,
				odictOf("a", 1, "b", []any{"x"})}},
			wantContent: "['Service']\nLimitNOFILE=infinity\nTrue\n1.0\nNone\nOrderedDict([('a', 1), ('b', ['x'])])\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "contents that is a bool is its str()",
			args:        map[string]any{"contents": true},
			wantContent: "True\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "contents_newline false keeps the text as is",
			args:        map[string]any{"contents": "x", "contents_newline": false},
			wantContent: "x",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name: "change an existing file",
			setup: func(t *testing.T, root string) {
				fileWriteT(t, filepath.Join(root, "etc/app.conf"), "port = 8080\nkeep\n")
			},
			args:        map[string]any{"source": "salt://app/app.conf"},
			wantContent: "port = 80\n",
			wantDiff:    []string{"-port = 8080\n", "-keep\n", "+port = 80\n", "@@"},
		},
		{
			name:        "source list: the first that exists wins",
			args:        map[string]any{"source": []any{"salt://app/missing.conf", "salt://app/app.conf"}},
			wantContent: "port = 80\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "source list item with a hash",
			args:        map[string]any{"source": []any{map[string]any{"salt://app/app.conf": "md5=" + fileMD5("port = 80\n")}}},
			wantContent: "port = 80\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "local absolute source, read under the root",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "srv/local.conf"), "local\n") },
			args:        map[string]any{"source": "/srv/local.conf"},
			wantContent: "local\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "file:// source",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "srv/local.conf"), "local\n") },
			args:        map[string]any{"source": "file:///srv/local.conf"},
			wantContent: "local\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name: "jinja template: context overrides defaults",
			args: map[string]any{"source": "salt://app/app.conf.tmpl", "template": "jinja",
				"defaults": map[string]any{"port": 80, "host": "localhost"},
				"context":  []any{map[string]any{"port": 8443}}},
			wantContent: "port = 8443\nhost = localhost\nid = m001\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "contents_pillar",
			args:        map[string]any{"contents_pillar": "app:config"},
			wantContent: "from pillar\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "owner and mode from the root's passwd",
			args:        map[string]any{"contents": "secret", "user": "alice", "group": "staff", "mode": "0600"},
			wantContent: "secret\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0600", "user": "alice", "group": "staff"},
		},
		{
			name:        "mode only on a correct file",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "etc/app.conf"), "same\n") },
			args:        map[string]any{"contents": "same", "mode": 640},
			wantContent: "same\n",
			wantChanges: map[string]any{"mode": "0640"},
		},
		{
			name:        "owner by numeric id",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "etc/app.conf"), "same\n") },
			args:        map[string]any{"contents": "same", "user": "1000", "group": 4242},
			wantContent: "same\n",
			wantChanges: map[string]any{"user": "1000", "group": "4242"},
		},
		{
			name:        "replace false leaves an existing file's content",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "etc/app.conf"), "theirs\n") },
			args:        map[string]any{"contents": "ours", "replace": false},
			wantContent: "theirs\n",
			wantChanges: map[string]any{},
			wantComment: "File /etc/app.conf exists with proper permissions. No changes made.",
		},
		{
			name:        "makedirs",
			args:        map[string]any{"contents": "deep", "makedirs": true, "dir_mode": "0750"},
			wantContent: "deep\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "show_changes false hides the diff",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "etc/app.conf"), "old secret\n") },
			args:        map[string]any{"contents": "new secret", "show_changes": false},
			wantContent: "new secret\n",
			wantChanges: map[string]any{"diff": "<show_changes=False>"},
		},
		{
			name:        "show_changes false on a new file still says New file",
			args:        map[string]any{"contents": "s", "show_changes": false},
			wantContent: "s\n",
			wantChanges: map[string]any{"diff": "New file", "mode": "0644"},
		},
		{
			name:        "binary file",
			setup:       func(t *testing.T, root string) { fileWriteT(t, filepath.Join(root, "etc/app.conf"), "text\n") },
			args:        map[string]any{"source": "salt://app/bin.dat"},
			wantContent: "\x00\x01\x02",
			wantChanges: map[string]any{"diff": "Replace binary file"},
		},
		{
			name:        "no content: only creates an empty file",
			args:        map[string]any{},
			wantContent: "",
			wantChanges: map[string]any{"new": "file /etc/app.conf created", "mode": "0644"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			name := "/etc/app.conf"
			if tt.name == "makedirs" {
				name = "/opt/a/b/app.conf"
			}
			if tt.setup != nil {
				tt.setup(t, root)
			}
			res := fileCycle(t, root, "file.managed", name, tt.args)
			if got := fileReadT(t, filepath.Join(root, name)); got != tt.wantContent {
				t.Errorf("content = %q; want %q", got, tt.wantContent)
			}
			if tt.wantChanges != nil && !reflect.DeepEqual(res.Changes, tt.wantChanges) {
				t.Errorf("changes = %#v; want %#v", res.Changes, tt.wantChanges)
			}
			if tt.wantDiff != nil {
				d, _ := res.Changes["diff"].(string)
				for _, w := range tt.wantDiff {
					if !strings.Contains(d, w) {
						t.Errorf("diff %q lacks %q", d, w)
					}
				}
			}
			if tt.wantComment != "" && res.Comment != tt.wantComment {
				t.Errorf("comment = %q; want %q", res.Comment, tt.wantComment)
			}
		})
	}
}

func TestFileManagedTestComment(t *testing.T) {
	root := fileTestRoot(t)
	res := fileCall(t, root, "file.managed", "/etc/x", map[string]any{"contents": "x"}, true)
	want := "The file /etc/x is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states."
	if res.Result != None || res.Comment != want {
		t.Fatalf("test mode = %v %q; want None %q", res.Result, res.Comment, want)
	}
}

func TestFileManagedOwnerAndModeOnDisk(t *testing.T) {
	root := fileTestRoot(t)
	fileCycle(t, root, "file.managed", "/etc/secret", map[string]any{"contents": "s", "user": "alice", "group": "staff", "mode": "4750"})
	uid, gid, mode := fileOwner(t, filepath.Join(root, "etc/secret"))
	if uid != 1000 || gid != 50 || fileFmtMode(fileModeBits(mode)) != "4750" {
		t.Fatalf("owner %d:%d mode %s; want 1000:50 4750", uid, gid, fileFmtMode(fileModeBits(mode)))
	}
	// The mode is kept when a later state changes the content without one.
	fileCycle(t, root, "file.managed", "/etc/secret", map[string]any{"contents": "t"})
	uid, gid, mode = fileOwner(t, filepath.Join(root, "etc/secret"))
	if uid != 1000 || gid != 50 || fileFmtMode(fileModeBits(mode)) != "4750" {
		t.Fatalf("after content change: owner %d:%d mode %s; want 1000:50 4750 kept", uid, gid, fileFmtMode(fileModeBits(mode)))
	}
}

func TestFileManagedMakedirsMode(t *testing.T) {
	root := fileTestRoot(t)
	fileCycle(t, root, "file.managed", "/opt/a/b/f", map[string]any{"contents": "x", "makedirs": true, "dir_mode": 750, "user": "alice"})
	for _, d := range []string{"opt", "opt/a", "opt/a/b"} {
		uid, _, mode := fileOwner(t, filepath.Join(root, d))
		if mode.Perm() != 0o750 || uid != 1000 {
			t.Errorf("%s: mode %v uid %d; want 0750 and 1000", d, mode.Perm(), uid)
		}
	}
}

func TestFileManagedBackupMinion(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/app.conf"), "old\n")
	res := fileCall(t, root, "file.managed", "/etc/app.conf", map[string]any{"contents": "new", "backup": "minion"}, false)
	if res.Result != True {
		t.Fatalf("result %v: %s", res.Result, res.Comment)
	}
	matches, _ := filepath.Glob(filepath.Join(root, "var/cache/brine/file_backup/etc/app.conf_*"))
	if len(matches) != 1 {
		t.Fatalf("backups = %v; want one", matches)
	}
	if got := fileReadT(t, matches[0]); got != "old\n" {
		t.Fatalf("backup content = %q; want the old content", got)
	}
}

func TestFileManagedFollowSymlinks(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/real.conf"), "old\n")
	// An absolute link inside the image must resolve inside the image.
	if err := os.Symlink("/etc/real.conf", filepath.Join(root, "etc/link.conf")); err != nil {
		t.Fatal(err)
	}
	fileCycle(t, root, "file.managed", "/etc/link.conf", map[string]any{"contents": "new"})
	if got := fileReadT(t, filepath.Join(root, "etc/real.conf")); got != "new\n" {
		t.Fatalf("target content = %q; want new", got)
	}
	if fi, _ := os.Lstat(filepath.Join(root, "etc/link.conf")); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("link was replaced")
	}
	fileCycle(t, root, "file.managed", "/etc/link.conf", map[string]any{"contents": "own", "follow_symlinks": false})
	if fi, _ := os.Lstat(filepath.Join(root, "etc/link.conf")); !fi.Mode().IsRegular() {
		t.Fatalf("follow_symlinks false: link kept; want a file")
	}
	if got := fileReadT(t, filepath.Join(root, "etc/real.conf")); got != "new\n" {
		t.Fatalf("follow_symlinks false changed the target: %q", got)
	}
}

func TestFileManagedCreateFalse(t *testing.T) {
	root := fileTestRoot(t)
	res := fileCall(t, root, "file.managed", "/etc/none", map[string]any{"contents": "x", "create": false}, false)
	if res.Result != True || len(res.Changes) != 0 {
		t.Fatalf("create false = %v %#v", res.Result, res.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/none")); err == nil {
		t.Fatal("file was created")
	}
}

func TestFileManagedBadArgs(t *testing.T) {
	tests := []struct {
		name string
		file string
		args map[string]any
		want string
	}{
		{"mode", "/etc/x", map[string]any{"contents": "x", "mode": "rwx"}, `argument "mode": want an octal file mode such as 0644, got rwx`},
		{"relative name", "etc/x", map[string]any{"contents": "x"}, `argument "name": want an absolute path`},
		{"unknown user", "/etc/x", map[string]any{"contents": "x", "user": "bob"}, `User bob is not available`},
		{"unknown group", "/etc/x", map[string]any{"contents": "x", "group": "wheel"}, `Group wheel is not available`},
		{"template", "/etc/x", map[string]any{"contents": "x", "template": "mako"}, `argument "template"`},
		{"http source without source_hash", "/etc/x", map[string]any{"source": "http://example.com/x"}, `Unable to verify upstream hash of source file http://example.com/x, please set source_hash or set skip_verify to True`},
		{"s3 source", "/etc/x", map[string]any{"source": "s3://bucket/x"}, `argument "source"`},
		{"two contents", "/etc/x", map[string]any{"source": "salt://app/app.conf", "contents": "x"}, "'source' cannot be used in combination with 'contents', 'contents_pillar', or 'contents_grains'"},
		{"contents and contents_pillar", "/etc/x", map[string]any{"contents": "a", "contents_pillar": "app:config"}, "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted"},
		{"no source exists", "/etc/x", map[string]any{"source": []any{"salt://a", "salt://b"}}, "Unable to manage file: none of the specified sources were found"},
		{"bad hash type", "/etc/x", map[string]any{"source": "salt://app/app.conf", "source_hash": "crc=00"}, `argument "source_hash"`},
		{"hash mismatch", "/etc/x", map[string]any{"source": "salt://app/app.conf", "source_hash": "sha256=" + strings.Repeat("0", 64)}, "Specified sha256 checksum for salt://app/app.conf (" + strings.Repeat("0", 64) + ") does not match actual checksum (" + fileSHA256T("port = 80\n") + "). If the 'source_hash' value refers to a remote file with multiple possible matches, then it may be necessary to set 'source_hash_name'."},
		{"bool", "/etc/x", map[string]any{"contents": "x", "makedirs": "perhaps"}, `argument "makedirs"`},
		{"backup", "/etc/x", map[string]any{"contents": "x", "backup": "yes please"}, `argument "backup"`},
		{"missing pillar", "/etc/x", map[string]any{"contents_pillar": "app:nope"}, `Pillar app:nope does not exist`},
		{"undefined template variable", "/etc/x", map[string]any{"source": "salt://app/app.conf.tmpl", "template": "jinja"}, "template: "},
		{"no parent", "/nodir/x", map[string]any{"contents": "x"}, "Parent directory not present"},
		{"directory", "/etc", map[string]any{"contents": "x"}, "is a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, test := range []bool{true, false} {
				root := fileTestRoot(t)
				res := fileCall(t, root, "file.managed", tt.file, tt.args, test)
				if res.Result != False || !strings.Contains(res.Comment, tt.want) {
					t.Errorf("test=%v: %v %q; want False with %q", test, res.Result, res.Comment, tt.want)
				}
			}
		})
	}
}

// A user or group the system lacks fails the file states with Salt's
// _check_user text as the whole comment, both names checked, in test
// runs too (Salt 3006 does not spare test runs).
func TestFileOwnerNotAvailable(t *testing.T) {
	for _, c := range []struct {
		fun  string
		args map[string]any
		want string
	}{
		{"file.managed", map[string]any{"contents": "x", "user": "bob"}, "User bob is not available "},
		{"file.managed", map[string]any{"contents": "x", "group": "wheel"}, "Group wheel is not available"},
		{"file.managed", map[string]any{"contents": "x", "user": "bob", "group": "wheel"}, "User bob is not available Group wheel is not available"},
		{"file.managed", map[string]any{"contents": "x", "user": "root", "group": "wheel"}, "Group wheel is not available"},
		{"file.directory", map[string]any{"user": "bob", "group": "bob"}, "User bob is not available Group bob is not available"},
	} {
		for _, test := range []bool{true, false} {
			root := fileTestRoot(t)
			res := fileCall(t, root, c.fun, "/etc/x", c.args, test)
			if res.Result != False || res.Comment != c.want {
				t.Errorf("%s %v test=%v: %v %q; want False with %q", c.fun, c.args, test, res.Result, res.Comment, c.want)
			}
		}
	}
}

// file.managed's contents, contents_pillar and contents_grains give the
// file Salt 3006's managed writes: each line of each part (Python's
// splitlines, so CRLF becomes LF and an empty list item no line) ends in a
// newline, contents_newline False strips every trailing newline, a list of
// paths joins their values with newlines, contents_delimiter splits the
// path, a list in the path takes an index or the first mapping with the
// key, a None value only touches the file, an empty one fails unless
// allow_empty.
func TestFileManagedContentsLikeSalt(t *testing.T) {
	tests := []struct {
		name        string
		args        map[string]any
		wantContent string
		wantChanges map[string]any
	}{
		{"CRLF lines end in LF", map[string]any{"contents_pillar": "app:crlf"}, "a\nb\n", nil},
		{"contents_newline false strips every trailing newline", map[string]any{"contents_pillar": "app:twoeol", "contents_newline": false}, "a", nil},
		{"contents_newline false on a multi-line text", map[string]any{"contents": "l1\nl2\n", "contents_newline": false}, "l1\nl2", nil},
		{"a form feed breaks a line as in Python", map[string]any{"contents": "a\fb"}, "a\nb\n", nil},
		{"an empty list item gives no line", map[string]any{"contents": []any{"a", "", "b"}}, "a\nb\n", nil},
		{"a number is its str()", map[string]any{"contents_pillar": "app:num"}, "42\n", nil},
		{"list items from the pillar", map[string]any{"contents_pillar": "app:items"}, "x\n7\nNone\n", nil},
		{"a list of pillar paths", map[string]any{"contents_pillar": []any{"app:config", "app:crlf"}}, "from pillar\na\nb\n", nil},
		{"contents_delimiter", map[string]any{"contents_pillar": "app|config", "contents_delimiter": "|"}, "from pillar\n", nil},
		{"a list index in the path", map[string]any{"contents_pillar": "app:servers:1:db"}, "d1\n", nil},
		{"a key in a list's mappings", map[string]any{"contents_pillar": "app:servers:web"}, "w1\n", nil},
		{"contents_grains", map[string]any{"contents_grains": "os_family"}, "Debian\n", nil},
		{"contents_grains list value", map[string]any{"contents_grains": "ipv4"}, "10.0.0.5\n127.0.0.1\n", nil},
		{"a None pillar value only touches the file", map[string]any{"contents_pillar": "app:nothing"}, "",
			map[string]any{"new": "file /etc/app.conf created", "mode": "0644"}},
		{"allow_empty", map[string]any{"contents_pillar": "app:empty", "allow_empty": true}, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			res := fileCycle(t, root, "file.managed", "/etc/app.conf", tt.args)
			if got := fileReadT(t, filepath.Join(root, "/etc/app.conf")); got != tt.wantContent {
				t.Errorf("content = %q; want %q", got, tt.wantContent)
			}
			if tt.wantChanges != nil && !reflect.DeepEqual(res.Changes, tt.wantChanges) {
				t.Errorf("changes = %#v; want %#v", res.Changes, tt.wantChanges)
			}
		})
	}
}

// The failures of the contents arguments, in Salt's words (managed's
// _error comments), in dry runs as in real ones.
func TestFileManagedContentsFailures(t *testing.T) {
	for _, c := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"contents_pillar": "app:empty"}, "contents_pillar app:empty value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."},
		{map[string]any{"contents_pillar": "app:zero"}, "contents_pillar app:zero value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."},
		{map[string]any{"contents": ""}, "'contents' value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."},
		{map[string]any{"contents": []any{}}, "'contents' value would result in empty contents. Set allow_empty to True to allow the managed file to be empty."},
		{map[string]any{"contents_grains": "nope"}, "Grain nope does not exist"},
		{map[string]any{"contents_pillar": []any{"app:config", "app:nope"}}, "Pillar app:nope does not exist"},
		{map[string]any{"contents_pillar": "app:servers:5"}, "Pillar app:servers:5 does not exist"},
		{map[string]any{"contents_pillar": []any{"app:config", "app:num"}}, "An exception occurred in this state: TypeError: sequence item 1: expected str instance, int found"},
		{map[string]any{"contents": "a", "contents_grains": "os_family"}, "Only one of 'contents', 'contents_pillar', and 'contents_grains' is permitted"},
	} {
		for _, test := range []bool{true, false} {
			root := fileTestRoot(t)
			res := fileCall(t, root, "file.managed", "/etc/x", c.args, test)
			if res.Result != False || res.Comment != c.want {
				t.Errorf("%v test=%v: %v %q; want False with %q", c.args, test, res.Result, res.Comment, c.want)
			}
			if _, err := os.Stat(filepath.Join(root, "etc/x")); err == nil {
				t.Errorf("%v test=%v: the file was written", c.args, test)
			}
		}
	}
}

// A contents_pillar key the pillar lacks: Salt's comment, whole.
func TestFileManagedMissingPillarComment(t *testing.T) {
	for _, test := range []bool{true, false} {
		res := fileCall(t, fileTestRoot(t), "file.managed", "/etc/x", map[string]any{"contents_pillar": "app:nope"}, test)
		if res.Result != False || res.Comment != "Pillar app:nope does not exist" {
			t.Errorf("test=%v: %v %q", test, res.Result, res.Comment)
		}
	}
}

// A source that is not there fails with Salt's comment, in a dry run as in
// a real one: a list is file.source_list's error as file.managed wraps it,
// a single salt:// URL (with a template too: get_managed looks before it
// renders) or local path is get_managed's own.
func TestFileManagedMissingSourceComment(t *testing.T) {
	for _, tt := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"list", map[string]any{"source": []any{"salt://app/nope", "/srv/nope"}}, "Unable to manage file: none of the specified sources were found"},
		{"list of one", map[string]any{"source": []any{"salt://app/nope"}}, "Unable to manage file: none of the specified sources were found"},
		{"salt URL", map[string]any{"source": "salt://app/nope.pem"}, "Source file salt://app/nope.pem not found in saltenv 'base'"},
		{"salt URL with a template", map[string]any{"source": "salt://app/nope.tmpl", "template": "jinja"}, "Source file salt://app/nope.tmpl not found in saltenv 'base'"},
		{"local path", map[string]any{"source": "/srv/files/nope"}, "Local file source /srv/files/nope does not exist"},
		{"file URL", map[string]any{"source": "file:///srv/files/nope"}, "Local file source /srv/files/nope does not exist"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, test := range []bool{true, false} {
				res := fileCall(t, fileTestRoot(t), "file.managed", "/etc/x", tt.args, test)
				if res.Result != False || res.Comment != tt.want {
					t.Errorf("test=%v: %v %q; want False %q", test, res.Result, res.Comment, tt.want)
				}
			}
		})
	}
}

func TestFileManagedSourceHashOK(t *testing.T) {
	root := fileTestRoot(t)
	for _, h := range []string{"sha256=" + fileSHA256("port = 80\n"), fileSHA256("port = 80\n"), "md5=" + fileMD5("port = 80\n")} {
		os.Remove(filepath.Join(root, "etc/app.conf"))
		fileCycle(t, root, "file.managed", "/etc/app.conf", map[string]any{"source": "salt://app/app.conf", "source_hash": h})
	}
	res := fileCall(t, root, "file.managed", "/etc/other", map[string]any{"source": "salt://app/app.conf", "source_hash": "md5=00", "skip_verify": true}, false)
	if res.Result != True {
		t.Fatalf("skip_verify: %v %s", res.Result, res.Comment)
	}
}

// noopFiles makes n correct files under root and the file.managed
// requests that find them in place.
func noopFiles(t testing.TB, root string, n int) []*Request {
	reqs := make([]*Request, n)
	for i := range reqs {
		name := filepath.Join("/etc/many", "f"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+strconv.Itoa(i))
		fileWriteT(t, filepath.Join(root, name), strings.Repeat("line of config\n", 40))
		reqs[i] = fileReq(root, "file.managed", name, nil, false)
	}
	return reqs
}

func noopRun(t testing.TB, reqs []*Request) {
	for _, r := range reqs {
		r.Args = NewArgs(map[string]any{"contents": strings.Repeat("line of config\n", 40), "mode": "0644"})
		if res := fileManaged(context.Background(), r); res.Result != True || len(res.Changes) != 0 {
			t.Fatalf("%s: %v %v", r.Name, res.Result, res.Changes)
		}
	}
}

// TestFileManagedNoop: a correct file is left alone, with no temp file
// made on the way (its cost is BenchmarkFileManagedNoop's).
func TestFileManagedNoop(t *testing.T) {
	root := fileTestRoot(t)
	noopRun(t, noopFiles(t, root, 50))
	fileNoTemp(t, root)
}

// BenchmarkFileManagedNoop: the cost of a correct file, which should be
// a read and a compare (900 files a run).
func BenchmarkFileManagedNoop(b *testing.B) {
	root := fileTestRoot(b)
	reqs := noopFiles(b, root, 900)
	for b.Loop() {
		noopRun(b, reqs)
	}
}

// TestFileRootPath keeps every path inside --root: an absolute link in
// the image (Debian's /var/run -> /run) resolves inside the image, and a
// ".." that would climb out of it, in the path or in a relative link, is
// refused, never followed onto the host.
func TestFileRootPath(t *testing.T) {
	root := fileTestRoot(t)
	os.MkdirAll(filepath.Join(root, "run"), 0o755)
	os.MkdirAll(filepath.Join(root, "var"), 0o755)
	if err := os.Symlink("/run", filepath.Join(root, "var/run")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../../../etc/hostname", filepath.Join(root, "etc/escape")); err != nil {
		t.Fatal(err)
	}
	const escape = "escape"
	tests := []struct {
		in         string
		followLast bool
		want       string
	}{
		{"/var/run/brine-test.pid", false, "/run/brine-test.pid"},
		{"/var/run", false, "/var/run"},
		{"/var/run", true, "/run"},
		{"/etc/escape", false, "/etc/escape"},
		{"/etc/escape", true, escape},
		{"/../../x", false, escape},
		{"/new/dir/file", false, "/new/dir/file"},
	}
	req := &Request{Root: root}
	for _, tt := range tests {
		got, err := fileRootPath(req, tt.in, tt.followLast)
		var esc *rootfs.EscapeError
		if tt.want == escape {
			if !errors.As(err, &esc) {
				t.Errorf("fileRootPath(%q, %v) = %q, %v; want an EscapeError", tt.in, tt.followLast, got, err)
			}
			continue
		}
		if err != nil || got != filepath.Join(root, tt.want) {
			t.Errorf("fileRootPath(%q, %v) = %q, %v; want ROOT%s", tt.in, tt.followLast, got, err, tt.want)
		}
	}
	fileCycle(t, root, "file.managed", "/var/run/brine-test.pid", map[string]any{"contents": "1"})
	if got := fileReadT(t, filepath.Join(root, "run/brine-test.pid")); got != "1\n" {
		t.Errorf("image file = %q", got)
	}
	if _, err := os.Stat("/run/brine-test.pid"); err == nil {
		t.Fatal("wrote to the host's /run")
	}
	if err := os.Symlink("/loop", filepath.Join(root, "loop")); err != nil {
		t.Fatal(err)
	}
	if _, err := fileRootPath(req, "/loop/x", false); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("a link loop resolved: %v", err)
	}
}

// TestFileManagedCheckCmd is Salt's check_cmd of file.managed: the new
// content is checked in a temporary file before it is written, and a
// failed check leaves the file as it was.
func TestFileManagedCheckCmd(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/sudoers"), "good old\n")
	call := func(content string, test bool) Result {
		fn, _ := Lookup("file.managed")
		req := fileReq(root, "file.managed", "/etc/sudoers", map[string]any{"contents": content}, test)
		req.CheckCmd = []string{"grep -q good"}
		return fn(context.Background(), req)
	}
	r := call("bad", false)
	if r.Result != False || r.Comment != "check_cmd execution failed" || len(r.Changes) != 0 {
		t.Errorf("bad content = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/sudoers")); got != "good old\n" {
		t.Errorf("a failed check_cmd wrote the file: %q", got)
	}
	if r := call("good new", false); r.Result != True || r.Changes["diff"] == nil {
		t.Errorf("good content = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/sudoers")); got != "good new\n" {
		t.Errorf("file after a passed check = %q", got)
	}
	// Under test, and with nothing to change, the check does not run.
	if r := call("bad", true); r.Result != None {
		t.Errorf("test run = %v %q", r.Result, r.Comment)
	}
	fn, _ := Lookup("file.managed")
	req := fileReq(root, "file.managed", "/etc/sudoers", map[string]any{"contents": "good new"}, false)
	req.CheckCmd = []string{"false"}
	if r := fn(context.Background(), req); r.Result != True || len(r.Changes) != 0 {
		t.Errorf("no change = %v %q", r.Result, r.Comment)
	}
	// Its output joins the comment.
	req = fileReq(root, "file.managed", "/etc/sudoers", map[string]any{"contents": "x"}, false)
	req.CheckCmd = []string{"sh -c 'echo \"parse error in $0\" >&2; exit 1'"}
	if r := fn(context.Background(), req); r.Result != False || !strings.HasPrefix(r.Comment, "check_cmd execution failed\nparse error in /") {
		t.Errorf("output = %v %q", r.Result, r.Comment)
	}
}

func fileSHA256T(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// odictOf is an ordered mapping of key, value pairs, as the SLS loader
// gives one.
func odictOf(kv ...any) *odict.Map {
	m := odict.New(len(kv) / 2)
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i].(string), kv[i+1])
	}
	return m
}
