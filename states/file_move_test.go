package states

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFileRename(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/app.conf.dpkg-dist"), "new\n")
	res := fileCycle(t, root, "file.rename", "/etc/app/app.conf", map[string]any{"source": "/etc/app.conf.dpkg-dist", "makedirs": true})
	if !reflect.DeepEqual(res.Changes, map[string]any{"/etc/app/app.conf": "/etc/app.conf.dpkg-dist"}) || res.Comment != `Moved "/etc/app.conf.dpkg-dist" to "/etc/app/app.conf"` {
		t.Errorf("rename = %#v %q", res.Changes, res.Comment)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/app/app.conf")); got != "new\n" {
		t.Errorf("moved content = %q", got)
	}
	// The rerun (inside fileCycle) found the source gone: Salt's words.
	if r := fileCall(t, root, "file.rename", "/etc/app/app.conf", map[string]any{"source": "/etc/app.conf.dpkg-dist"}, true); r.Result != True ||
		r.Comment != `Source file "/etc/app.conf.dpkg-dist" has already been moved out of place` {
		t.Errorf("source gone = %v %q", r.Result, r.Comment)
	}

	// An existing name is kept without force, replaced with it.
	fileWriteT(t, filepath.Join(root, "etc/b"), "b\n")
	fileWriteT(t, filepath.Join(root, "etc/c"), "c\n")
	if r := fileCall(t, root, "file.rename", "/etc/c", map[string]any{"source": "/etc/b"}, false); r.Result != True || len(r.Changes) != 0 ||
		r.Comment != `The target file "/etc/c" exists and will not be overwritten` {
		t.Errorf("no force = %v %#v %q", r.Result, r.Changes, r.Comment)
	}
	fileCycle(t, root, "file.rename", "/etc/c", map[string]any{"source": "/etc/b", "force": true})
	if got := fileReadT(t, filepath.Join(root, "etc/c")); got != "b\n" {
		t.Errorf("forced move content = %q", got)
	}

	// A link is moved, not what it points to.
	os.Symlink("/etc/c", filepath.Join(root, "etc/l1"))
	fileCycle(t, root, "file.rename", "/etc/l2", map[string]any{"source": "/etc/l1"})
	if got, err := os.Readlink(filepath.Join(root, "etc/l2")); err != nil || got != "/etc/c" {
		t.Errorf("moved link = %q %v", got, err)
	}

	// A missing parent without makedirs fails the dry run as the real one.
	fileWriteT(t, filepath.Join(root, "etc/d"), "d\n")
	for _, test := range []bool{true, false} {
		if r := fileCall(t, root, "file.rename", "/nope/d", map[string]any{"source": "/etc/d"}, test); r.Result != False || r.Comment != "The target directory /nope is not present" {
			t.Errorf("missing parent (test=%v) = %v %q", test, r.Result, r.Comment)
		}
	}
	if r := fileCall(t, root, "file.rename", "/etc/e", map[string]any{"source": "etc/d"}, true); r.Result != False || !strings.Contains(r.Comment, `argument "source"`) {
		t.Errorf("relative source = %v %q", r.Result, r.Comment)
	}
}

func TestFileHardlink(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "usr/bin/busybox"), "bb")
	res := fileCycle(t, root, "file.hardlink", "/bin/ls", map[string]any{"target": "/usr/bin/busybox", "makedirs": true, "dir_mode": "0750"})
	if !reflect.DeepEqual(res.Changes, map[string]any{"new": "/bin/ls"}) || res.Comment != "Created new hard link /bin/ls -> /usr/bin/busybox" {
		t.Errorf("new = %#v %q", res.Changes, res.Comment)
	}
	a, _ := os.Stat(filepath.Join(root, "bin/ls"))
	b, _ := os.Stat(filepath.Join(root, "usr/bin/busybox"))
	if !os.SameFile(a, b) {
		t.Errorf("/bin/ls is not a hard link of busybox")
	}
	if _, _, m := fileOwner(t, filepath.Join(root, "bin")); m.Perm() != 0o750 {
		t.Errorf("made dir mode %v; want 0750", m.Perm())
	}
	if r := fileCall(t, root, "file.hardlink", "/bin/ls", map[string]any{"target": "/usr/bin/busybox"}, true); r.Result != True ||
		r.Comment != "The hard link /bin/ls is presently targetting /usr/bin/busybox" {
		t.Errorf("present (test) = %v %q", r.Result, r.Comment)
	}

	// A hard link of another file is moved over to target.
	fileWriteT(t, filepath.Join(root, "usr/bin/toybox"), "tb")
	res = fileCycle(t, root, "file.hardlink", "/bin/ls", map[string]any{"target": "/usr/bin/toybox"})
	if !reflect.DeepEqual(res.Changes, map[string]any{"new": "/bin/ls"}) || res.Comment != "Set target of hard link /bin/ls -> /usr/bin/toybox" {
		t.Errorf("change = %#v %q", res.Changes, res.Comment)
	}
	if got := fileReadT(t, filepath.Join(root, "bin/ls")); got != "tb" {
		t.Errorf("relinked content = %q", got)
	}

	// A plain file in the way: refused in both modes, replaced with force.
	fileWriteT(t, filepath.Join(root, "bin/cat"), "cat")
	for _, test := range []bool{true, false} {
		if r := fileCall(t, root, "file.hardlink", "/bin/cat", map[string]any{"target": "/usr/bin/busybox"}, test); r.Result != False ||
			r.Comment != "File exists where the hard link /bin/cat should be" {
			t.Errorf("in the way (test=%v) = %v %q", test, r.Result, r.Comment)
		}
	}
	res = fileCycle(t, root, "file.hardlink", "/bin/cat", map[string]any{"target": "/usr/bin/busybox", "force": true})
	if !reflect.DeepEqual(res.Changes, map[string]any{"new": "/bin/cat", "forced": "File for hard link was forcibly replaced"}) {
		t.Errorf("forced = %#v %q", res.Changes, res.Comment)
	}

	for _, c := range []struct {
		name, target, want string
	}{
		{"/bin/x", "/usr/bin/none", "Target /usr/bin/none for hard link does not exist"},
		{"/bin/x", "/usr/bin", "Unable to hard link from directory /usr/bin"},
		{"/usr", "/usr/bin/busybox", "Unable to hard link to directory /usr"},
		{"/bin/x", "usr/bin/busybox", `argument "target"`},
	} {
		if r := fileCall(t, root, "file.hardlink", c.name, map[string]any{"target": c.target}, true); r.Result != False || !strings.Contains(r.Comment, c.want) {
			t.Errorf("%s -> %s = %v %q; want %q", c.name, c.target, r.Result, r.Comment, c.want)
		}
	}
}

// A missing parent directory without makedirs, in each state's own
// words from Salt.
func TestFileNoParentWords(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/src"), "s\n")
	for _, c := range []struct {
		fun  string
		args map[string]any
		want string
	}{
		{"file.touch", nil, "Directory not present to touch file /nope/f"},
		{"file.copy", map[string]any{"source": "/etc/src"}, "The target directory /nope is not present"},
		{"file.managed", map[string]any{"contents": "x"}, "Parent directory not present"},
	} {
		for _, test := range []bool{true, false} {
			if r := fileCall(t, root, c.fun, "/nope/f", c.args, test); r.Result != False || r.Comment != c.want {
				t.Errorf("%s (test=%v) = %v %q; want False %q", c.fun, test, r.Result, r.Comment, c.want)
			}
		}
	}
	if r := fileCall(t, root, "file.managed", "/etc/", map[string]any{"contents": "x"}, false); r.Comment != "Specified target /etc/ is a directory" && !strings.Contains(r.Comment, "Specified target") {
		t.Errorf("managed on a directory = %q", r.Comment)
	}
}
