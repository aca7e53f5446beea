package exec

import (
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
)

// TestFileMoreFunctions pins the file.* functions Salt users reach for
// next, against Salt 3006's salt/modules/file.py: Python's os.path for
// basename, dirname and join, Salt's returns and error texts.
func TestFileMoreFunctions(t *testing.T) {
	tests := []struct {
		fun   string
		words []string
		want  any
		code  int
	}{
		{"file.basename", []string{"/etc/app.conf"}, "app.conf", 0},
		{"file.basename", []string{"/etc/"}, "", 0},
		{"file.dirname", []string{"/etc/app.conf"}, "/etc", 0},
		{"file.dirname", []string{"/etc/conf.d/"}, "/etc/conf.d", 0},
		{"file.dirname", []string{"/app"}, "/", 0},
		{"file.dirname", []string{"app"}, "", 0},
		{"file.join", []string{"/etc", "conf.d", "a.conf"}, "/etc/conf.d/a.conf", 0},
		{"file.join", []string{"/etc", "/srv", "x"}, "/srv/x", 0},
		{"file.join", []string{"/etc/", "x"}, "/etc/x", 0},
		{"file.readdir", []string{"/etc/conf.d"}, []any{".", "..", "B.CONF", "a.conf"}, 0},
		{"file.readdir", []string{"/etc/motd"}, "ERROR: A valid directory was not specified.", 1}, // Salt's SaltInvocationError
		{"file.is_link", []string{"/etc/link"}, true, 0},
		{"file.is_link", []string{"/etc/motd"}, false, 0},
		{"file.readlink", []string{"/etc/link"}, "/etc/app.conf", 0},
		{"file.readlink", []string{"/etc/link", "canonicalize=True"}, "/etc/app.conf", 0},
		{"file.readlink", []string{"/etc/motd"}, "ERROR: A valid link was not specified: /etc/motd", 1},
		{"file.get_mode", []string{"/etc/motd"}, "0644", 0},
		{"file.get_mode", []string{"/nope"}, "ERROR: Path not found: /nope", 1}, // Salt's CommandExecutionError, as a minion returns it
		{"file.set_mode", []string{"/etc/motd", "600"}, "0600", 0},
		{"file.get_uid", []string{"/etc/motd"}, os.Getuid(), 0},
		{"file.prepend", []string{"/etc/motd", "first", "second"}, `Prepended 2 lines to "/etc/motd"`, 0},
		{"file.copy", []string{"/etc/motd", "/etc/motd2"}, true, 0},
		{"file.copy", []string{"/nope", "/etc/x"}, "ERROR: No such file or directory '/nope'", 1},
		{"file.copy", []string{"/etc/conf.d", "/etc/c2"}, "ERROR: Cannot copy overwriting a directory without recurse flag set to true!", 1},
		{"file.copy", []string{"/etc/conf.d", "/etc/c2", "recurse=True"}, true, 0},
		{"file.move", []string{"/etc/motd", "/etc/motd.old"}, map[string]any{"result": true, "comment": "'/etc/motd' moved to '/etc/motd.old'"}, 0},
		{"file.move", []string{"/nope", "/etc/x"}, "ERROR: Unable to move '/nope' to '/etc/x': no such file or directory", 1},
		{"file.rename", []string{"/etc/motd", "/etc/motd.old"}, true, 0},
		{"file.rename", []string{"/nope", "/etc/x"}, "ERROR: Could not rename '/nope' to '/etc/x'", 1},
		{"file.exists", []string{"/etc"}, true, 0},
		{"file.exists", []string{"/etc/link"}, true, 0},
		{"file.exists", []string{"/nope"}, false, 0},
		{"file.access", []string{"/etc/motd", "f"}, true, 0},
		{"file.access", []string{"/nope", "f"}, false, 0},
		{"file.contains_regex", []string{"/etc/app.conf", "^host = [a-z]$"}, true, 0},
		{"file.contains_regex", []string{"/etc/app.conf", "^nope"}, false, 0},
		{"file.file_exists", []string{"/etc/fifo"}, false, 0}, // os.path.isfile: regular files only
		{"file.check_hash", []string{"/etc/motd", "md5:5d41402abc4b2a76b9719d911017c592"}, true, 0},
		{"file.check_hash", []string{"/etc/motd", "5d41402abc4b2a76b9719d911017c592"}, true, 0},
		{"file.check_hash", []string{"/etc/motd", "sha1:00"}, false, 0},
		{"file.check_hash", []string{"/etc/motd", "abc"}, "ERROR: Hash abc (length: 3) could not be matched to a supported hash type. The supported hash types and lengths are: md5 (32), sha1 (40), sha224 (56), sha256 (64), sha384 (96), sha512 (128)", 1},
	}
	for _, tt := range tests {
		h, root := fileRoot(t)
		if err := syscall.Mkfifo(filepath.Join(root, "etc/fifo"), 0o644); err != nil {
			t.Fatal(err)
		}
		ret := callWords(t, h, tt.fun, tt.words...)
		if !reflect.DeepEqual(ret.Value, tt.want) || ret.Retcode != tt.code {
			t.Errorf("%s %q = %#v (retcode %d); want %#v (retcode %d)", tt.fun, tt.words, ret.Value, ret.Retcode, tt.want, tt.code)
		}
	}
}

// TestFileCopyMoveContent: what copy, prepend and move leave on disk.
func TestFileCopyMoveContent(t *testing.T) {
	h, root := fileRoot(t)
	if err := os.Chmod(filepath.Join(root, "etc/motd"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := [][]string{
		{"file.prepend", "/etc/motd", "first"},
		{"file.copy", "/etc/motd", "/etc/motd2"},
		{"file.copy", "/etc/conf.d", "/etc/c2", "recurse=True"},
		{"file.move", "/etc/motd2", "/etc/conf.d"},
	}
	for _, s := range steps {
		if ret := callWords(t, h, s[0], s[1:]...); ret.Retcode != 0 {
			t.Fatalf("%q = %#v", s, ret.Value)
		}
	}
	want := map[string]string{"etc/motd": "first\nhello", "etc/conf.d/motd2": "first\nhello", "etc/c2/a.conf": "a\n"}
	for p, content := range want {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil || string(b) != content {
			t.Errorf("%s = %q, %v; want %q", p, b, err, content)
		}
	}
	// The copy takes the source's mode, as Salt's check_perms gives it.
	if fi, err := os.Stat(filepath.Join(root, "etc/conf.d/motd2")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("copy's mode = %v, %v; want 0600", fi.Mode(), err)
	}
}

// TestFileSed: file.sed runs sed as Salt's does (escaped / and ', a
// .bak copy, limit and negate_match) and returns run_all's dict.
func TestFileSed(t *testing.T) {
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"port = 80", "port = 8080"}, "port = 8080\nhost = a\n"},
		{[]string{"a$", "b/c"}, "port = 80\nhost = b/c\n"},
		{[]string{"=", ":", "limit=^host"}, "port = 80\nhost : a\n"},
		{[]string{"=", ":", "limit=^host", "negate_match=True"}, "port : 80\nhost = a\n"},
		{[]string{"80", "9", "escape_all=True"}, "port = 9\nhost = a\n"},
	}
	for _, tt := range tests {
		h, root := fileRoot(t)
		ret := callWords(t, h, "file.sed", append([]string{"/etc/app.conf"}, tt.words...)...)
		m, _ := ret.Value.(map[string]any)
		if ret.Retcode != 0 || m["retcode"] != 0 {
			t.Errorf("file.sed %q = %#v (%d)", tt.words, ret.Value, ret.Retcode)
			continue
		}
		b, _ := os.ReadFile(filepath.Join(root, "etc/app.conf"))
		bak, _ := os.ReadFile(filepath.Join(root, "etc/app.conf.bak"))
		if string(b) != tt.want || string(bak) != "port = 80\nhost = a\n" {
			t.Errorf("file.sed %q: file %q, backup %q; want %q", tt.words, b, bak, tt.want)
		}
	}
	h, _ := fileRoot(t)
	if ret := callWords(t, h, "file.sed", "/nope", "a", "b"); ret.Value != false || ret.Retcode != 0 {
		t.Errorf("file.sed of no file = %#v; want False", ret.Value)
	}
}
