package states

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFileDirectory(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(t *testing.T, root string)
		dir         string
		args        map[string]any
		wantChanges map[string]any
		check       func(t *testing.T, root string)
	}{
		{
			name:        "new directory",
			setup:       func(t *testing.T, root string) { os.MkdirAll(filepath.Join(root, "srv"), 0o755) },
			dir:         "/srv/app",
			args:        map[string]any{"user": "alice", "group": "staff", "dir_mode": "0750"},
			wantChanges: map[string]any{"/srv/app": map[string]any{"directory": "new"}},
			check: func(t *testing.T, root string) {
				uid, gid, mode := fileOwner(t, filepath.Join(root, "srv/app"))
				if uid != 1000 || gid != 50 || mode.Perm() != 0o750 || !mode.IsDir() {
					t.Errorf("dir %d:%d %v; want 1000:50 drwxr-x---", uid, gid, mode)
				}
			},
		},
		{
			name:        "makedirs",
			dir:         "/srv/a/b/c",
			args:        map[string]any{"makedirs": true},
			wantChanges: map[string]any{"/srv/a/b/c": map[string]any{"directory": "new"}},
		},
		{
			name:        "mode and owner of an existing directory",
			setup:       func(t *testing.T, root string) { os.MkdirAll(filepath.Join(root, "srv/app"), 0o755) },
			dir:         "/srv/app",
			args:        map[string]any{"user": "alice", "mode": 700},
			wantChanges: map[string]any{"/srv/app": map[string]any{"user": "alice", "mode": "0700"}},
		},
		{
			name: "recurse user and mode",
			setup: func(t *testing.T, root string) {
				fileWriteT(t, filepath.Join(root, "srv/app/a.txt"), "a")
				fileWriteT(t, filepath.Join(root, "srv/app/sub/b.txt"), "b")
			},
			dir:  "/srv/app",
			args: map[string]any{"user": "alice", "dir_mode": "0750", "file_mode": "0640", "recurse": []any{"user", "mode"}},
			wantChanges: map[string]any{
				"/srv/app":           map[string]any{"user": "alice", "mode": "0750"},
				"/srv/app/a.txt":     map[string]any{"user": "alice", "mode": "0640"},
				"/srv/app/sub":       map[string]any{"user": "alice", "mode": "0750"},
				"/srv/app/sub/b.txt": map[string]any{"user": "alice", "mode": "0640"},
			},
			check: func(t *testing.T, root string) {
				uid, _, mode := fileOwner(t, filepath.Join(root, "srv/app/sub/b.txt"))
				if uid != 1000 || mode.Perm() != 0o640 {
					t.Errorf("b.txt %d %v; want 1000 0640", uid, mode)
				}
			},
		},
		{
			// Salt: file_mode defaults to dir_mode.
			name: "recurse mode without file_mode",
			setup: func(t *testing.T, root string) {
				fileWriteT(t, filepath.Join(root, "srv/app/a.txt"), "a")
				os.Chmod(filepath.Join(root, "srv/app/a.txt"), 0o600)
				os.Chmod(filepath.Join(root, "srv/app"), 0o755)
			},
			dir:  "/srv/app",
			args: map[string]any{"mode": "0750", "recurse": []any{"mode"}},
			wantChanges: map[string]any{
				"/srv/app":       map[string]any{"mode": "0750"},
				"/srv/app/a.txt": map[string]any{"mode": "0750"},
			},
		},
		{
			name: "clean with exclude_pat",
			setup: func(t *testing.T, root string) {
				fileWriteT(t, filepath.Join(root, "srv/app/keep.conf"), "k")
				fileWriteT(t, filepath.Join(root, "srv/app/old.txt"), "o")
				fileWriteT(t, filepath.Join(root, "srv/app/sub/x.conf"), "x")
				fileWriteT(t, filepath.Join(root, "srv/app/gone/y.txt"), "y")
			},
			dir:  "/srv/app",
			args: map[string]any{"clean": true, "exclude_pat": "*.conf"},
			// Salt's _clean_dir judges each path alone: sub does not
			// match *.conf, so it goes with the x.conf it holds.
			wantChanges: map[string]any{
				"/srv/app/gone":       map[string]any{"removed": "Removed due to clean"},
				"/srv/app/gone/y.txt": map[string]any{"removed": "Removed due to clean"},
				"/srv/app/old.txt":    map[string]any{"removed": "Removed due to clean"},
				"/srv/app/sub":        map[string]any{"removed": "Removed due to clean"},
			},
			check: func(t *testing.T, root string) {
				if _, err := os.Stat(filepath.Join(root, "srv/app/keep.conf")); err != nil {
					t.Errorf("keep.conf removed")
				}
				if _, err := os.Stat(filepath.Join(root, "srv/app/sub")); err == nil {
					t.Errorf("sub kept; Salt removes it")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fileTestRoot(t)
			if tt.setup != nil {
				tt.setup(t, root)
			}
			res := fileCycle(t, root, "file.directory", tt.dir, tt.args)
			if !reflect.DeepEqual(res.Changes, tt.wantChanges) {
				t.Errorf("changes = %#v; want %#v", res.Changes, tt.wantChanges)
			}
			if tt.check != nil {
				tt.check(t, root)
			}
		})
	}
}

func TestFileDirectoryErrors(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/file"), "x")
	tests := []struct {
		dir  string
		args map[string]any
		want string
	}{
		{"/srv/file", nil, "exists and is a file"},
		{"/no/parent", nil, "No directory to create /no/parent in"},
		{"/srv/d", map[string]any{"recurse": []any{"colour"}}, `argument "recurse"`},
		{"/srv/d", map[string]any{"dir_mode": "999"}, `argument "dir_mode"`},
		{"/srv/d", map[string]any{"file_mode": "x"}, `argument "file_mode"`},
		{"/srv/d", map[string]any{"exclude_pat": "E@(?<=a)b"}, `argument "exclude_pat"`},
	}
	for _, tt := range tests {
		res := fileCall(t, root, "file.directory", tt.dir, tt.args, false)
		if res.Result != False || !strings.Contains(res.Comment, tt.want) {
			t.Errorf("directory %s %v = %v %q; want False with %q", tt.dir, tt.args, res.Result, res.Comment, tt.want)
		}
	}
}

func TestFileAbsentExistsMissing(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/f"), "x")
	fileWriteT(t, filepath.Join(root, "srv/d/inner"), "x")

	if r := fileCall(t, root, "file.exists", "/srv/f", nil, false); r.Result != True {
		t.Errorf("exists(/srv/f) = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.missing", "/srv/f", nil, false); r.Result != False || r.Comment != "Specified path /srv/f exists" {
		t.Errorf("missing(/srv/f) = %v %q", r.Result, r.Comment)
	}
	for _, p := range []string{"/srv/f", "/srv/d"} {
		res := fileCycle(t, root, "file.absent", p, nil)
		if !reflect.DeepEqual(res.Changes, map[string]any{"removed": p}) {
			t.Errorf("absent %s changes = %#v", p, res.Changes)
		}
	}
	if r := fileCall(t, root, "file.exists", "/srv/f", nil, false); r.Result != False || r.Comment != "Specified path /srv/f does not exist" {
		t.Errorf("exists after absent = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.missing", "/srv/f", nil, true); r.Result != True {
		t.Errorf("missing after absent = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.absent", "/", nil, false); r.Result != False {
		t.Errorf("absent / = %v %q; want False", r.Result, r.Comment)
	}
	if _, err := os.Stat(root); err != nil {
		t.Fatal("root removed")
	}
}

func TestFileSymlink(t *testing.T) {
	root := fileTestRoot(t)
	res := fileCycle(t, root, "file.symlink", "/etc/alt/editor", map[string]any{"target": "/usr/bin/vim", "makedirs": true, "user": "alice"})
	if !reflect.DeepEqual(res.Changes, map[string]any{"new": "/etc/alt/editor"}) {
		t.Errorf("changes = %#v", res.Changes)
	}
	if l, _ := os.Readlink(filepath.Join(root, "etc/alt/editor")); l != "/usr/bin/vim" {
		t.Errorf("link = %q", l)
	}
	if uid, _, _ := fileOwner(t, filepath.Join(root, "etc/alt/editor")); uid != 1000 {
		t.Errorf("link owner = %d; want 1000", uid)
	}
	// retarget
	res = fileCycle(t, root, "file.symlink", "/etc/alt/editor", map[string]any{"target": "/usr/bin/nano"})
	if l, _ := os.Readlink(filepath.Join(root, "etc/alt/editor")); l != "/usr/bin/nano" || res.Changes["new"] == nil {
		t.Errorf("retarget: link %q changes %#v", l, res.Changes)
	}
	// a file in the way: fail, then force, then backupname
	fileWriteT(t, filepath.Join(root, "etc/f1"), "x")
	if r := fileCall(t, root, "file.symlink", "/etc/f1", map[string]any{"target": "/x"}, false); r.Result != False || !strings.Contains(r.Comment, "File exists where the symlink") {
		t.Errorf("file in the way = %v %q", r.Result, r.Comment)
	}
	res = fileCycle(t, root, "file.symlink", "/etc/f1", map[string]any{"target": "/x", "force": true})
	if !reflect.DeepEqual(res.Changes, map[string]any{"new": "/etc/f1"}) { // Salt adds "forced" only over a link
		t.Errorf("force changes = %#v", res.Changes)
	}
	fileWriteT(t, filepath.Join(root, "etc/f2"), "keep me")
	fileCycle(t, root, "file.symlink", "/etc/f2", map[string]any{"target": "/x", "backupname": "/etc/f2.orig"})
	if got := fileReadT(t, filepath.Join(root, "etc/f2.orig")); got != "keep me" {
		t.Errorf("backup content = %q", got)
	}
	if r := fileCall(t, root, "file.symlink", "/etc/f3", nil, false); r.Result != False || !strings.Contains(r.Comment, `argument "target"`) {
		t.Errorf("no target = %v %q", r.Result, r.Comment)
	}
}

func TestFileTouch(t *testing.T) {
	root := fileTestRoot(t)
	tr := fileCall(t, root, "file.touch", "/var/run/x/stamp", map[string]any{"makedirs": true}, true)
	if tr.Result != None || !reflect.DeepEqual(tr.Changes, map[string]any{"new": "/var/run/x/stamp"}) {
		t.Fatalf("touch test = %v %#v", tr.Result, tr.Changes)
	}
	if _, err := os.Stat(filepath.Join(root, "var/run/x")); err == nil {
		t.Fatal("test mode made the directory")
	}
	rr := fileCall(t, root, "file.touch", "/var/run/x/stamp", map[string]any{"makedirs": true}, false)
	if rr.Result != True || !reflect.DeepEqual(rr.Changes, tr.Changes) {
		t.Fatalf("touch = %v %#v", rr.Result, rr.Changes)
	}
	rr = fileCall(t, root, "file.touch", "/var/run/x/stamp", map[string]any{"mtime": 1000000000, "atime": 1000000000}, false)
	fi, err := os.Stat(filepath.Join(root, "var/run/x/stamp"))
	if err != nil || fi.ModTime().Unix() != 1000000000 || rr.Changes["touched"] == nil {
		t.Fatalf("touch mtime: %v %v %#v", fi.ModTime(), err, rr.Changes)
	}
}

func TestFileCopy(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "etc/skel/.profile"), "PS1=x\n")
	os.Chmod(filepath.Join(root, "etc/skel/.profile"), 0o600)
	res := fileCycle(t, root, "file.copy", "/root/.profile", map[string]any{"source": "/etc/skel/.profile", "preserve": true, "makedirs": true})
	if !reflect.DeepEqual(res.Changes, map[string]any{"/root/.profile": "/etc/skel/.profile"}) {
		t.Errorf("changes = %#v", res.Changes)
	}
	if _, _, m := fileOwner(t, filepath.Join(root, "root/.profile")); m.Perm() != 0o600 {
		t.Errorf("preserve: mode %v; want 0600", m)
	}
	// an existing, different destination is left alone without force
	fileWriteT(t, filepath.Join(root, "etc/skel/.profile"), "PS1=y\n")
	if r := fileCall(t, root, "file.copy", "/root/.profile", map[string]any{"source": "/etc/skel/.profile"}, false); r.Result != True || len(r.Changes) != 0 {
		t.Errorf("no force = %v %#v", r.Result, r.Changes)
	}
	fileCycle(t, root, "file.copy", "/root/.profile", map[string]any{"source": "/etc/skel/.profile", "force": true, "user": "alice"})
	if got := fileReadT(t, filepath.Join(root, "root/.profile")); got != "PS1=y\n" {
		t.Errorf("force copy content = %q", got)
	}
	// a directory
	fileWriteT(t, filepath.Join(root, "etc/skel/sub/a"), "a")
	fileCycle(t, root, "file.copy", "/home/bob", map[string]any{"source": "/etc/skel", "makedirs": true})
	if got := fileReadT(t, filepath.Join(root, "home/bob/sub/a")); got != "a" {
		t.Errorf("tree copy = %q", got)
	}
	if r := fileCall(t, root, "file.copy", "/x", map[string]any{"source": "/nope"}, true); r.Result != False || !strings.Contains(r.Comment, `Source file "/nope" is not present`) {
		t.Errorf("missing source = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.copy", "/x", map[string]any{"source": "rel"}, true); r.Result != False || !strings.Contains(r.Comment, `argument "source"`) {
		t.Errorf("relative source = %v %q", r.Result, r.Comment)
	}
}

func TestFileRecurse(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/conf/stale"), "old")
	args := map[string]any{"source": "salt://tree", "template": "jinja", "context": map[string]any{"c": 3},
		"user": "alice", "file_mode": "0640", "clean": true, "exclude_pat": "*.tmpl.orig"}
	res := fileCycle(t, root, "file.recurse", "/srv/conf", args)
	want := map[string]any{
		"/srv/conf":            map[string]any{"user": "alice"}, // the target takes user, as Salt's directory() gives it
		"/srv/conf/a.conf":     map[string]any{"diff": "New file", "mode": "0640", "user": "alice"},
		"/srv/conf/sub":        map[string]any{"/srv/conf/sub": map[string]any{"directory": "new"}},
		"/srv/conf/sub/b.conf": map[string]any{"diff": "New file", "mode": "0640", "user": "alice"},
		"/srv/conf/sub/c.tmpl": map[string]any{"diff": "New file", "mode": "0640", "user": "alice"},
		"removed":              []string{"/srv/conf/stale"},
	}
	if !reflect.DeepEqual(res.Changes, want) {
		t.Errorf("changes = %#v\nwant %#v", res.Changes, want)
	}
	if got := fileReadT(t, filepath.Join(root, "srv/conf/sub/c.tmpl")); got != "c=3\n" {
		t.Errorf("rendered = %q", got)
	}
	// a source without listing support fails clearly
	req := fileReq(root, "file.recurse", "/srv/x", map[string]any{"source": "salt://tree"}, false)
	req.Env.Files = struct{ FileSource }{req.Env.Files}
	if r := fileRecurse(t.Context(), req); r.Result != False || !strings.Contains(r.Comment, "cannot") {
		t.Errorf("no lister = %v %q", r.Result, r.Comment)
	}
	if r := fileCall(t, root, "file.recurse", "/srv/x", map[string]any{"source": "salt://none"}, true); r.Result != False {
		t.Errorf("missing source = %v %q", r.Result, r.Comment)
	}
}

// TestFileRecurseReplaceAndDirs: replace: False keeps local edits (owner
// and mode still managed); existing directories, the target too, take
// dir_mode and user as Salt's directory() gives them; mode is refused.
func TestFileRecurseReplaceAndDirs(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/conf/a.conf"), "LOCAL EDIT\n")
	os.MkdirAll(filepath.Join(root, "srv/conf/sub"), 0o755)
	os.Chmod(filepath.Join(root, "srv/conf"), 0o755)
	res := fileCycle(t, root, "file.recurse", "/srv/conf", map[string]any{"source": "salt://tree", "replace": false, "dir_mode": "0750", "file_mode": "0600"})
	if got := fileReadT(t, filepath.Join(root, "srv/conf/a.conf")); got != "LOCAL EDIT\n" {
		t.Errorf("replace False rewrote a.conf: %q", got)
	}
	if got := fileReadT(t, filepath.Join(root, "srv/conf/sub/b.conf")); got != "b\n" {
		t.Errorf("replace False did not make the missing b.conf: %q", got)
	}
	for _, d := range []string{"srv/conf", "srv/conf/sub"} {
		if _, _, m := fileOwner(t, filepath.Join(root, d)); m.Perm() != 0o750 {
			t.Errorf("%s mode %v; want 0750", d, m.Perm())
		}
	}
	want := map[string]any{"mode": "0750"}
	if !reflect.DeepEqual(res.Changes["/srv/conf"], want) || !reflect.DeepEqual(res.Changes["/srv/conf/a.conf"], map[string]any{"mode": "0600"}) {
		t.Errorf("changes = %#v", res.Changes)
	}
	if r := fileCall(t, root, "file.recurse", "/srv/conf", map[string]any{"source": "salt://tree", "mode": "0644"}, true); r.Result != False ||
		r.Comment != "'mode' is not allowed in 'file.recurse'. Please use 'file_mode' and 'dir_mode'." {
		t.Errorf("mode = %v %q", r.Result, r.Comment)
	}
}

func TestFileDirectoryThroughLink(t *testing.T) {
	root := fileTestRoot(t)
	os.MkdirAll(filepath.Join(root, "data/www"), 0o755)
	if err := os.Symlink("/data/www", filepath.Join(root, "srv")); err != nil {
		t.Fatal(err)
	}
	fileCycle(t, root, "file.directory", "/srv", map[string]any{"user": "alice", "dir_mode": "0710"})
	uid, _, mode := fileOwner(t, filepath.Join(root, "data/www"))
	if uid != 1000 || mode.Perm() != 0o710 {
		t.Errorf("target dir %d %v; want 1000 0710", uid, mode)
	}
	if fi, _ := os.Lstat(filepath.Join(root, "srv")); fi.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
}

// TestFileExcluder checks exclude_pat and include_pat against Salt's
// check_include_exclude: fnmatch on the path relative to the directory,
// where * crosses "/", or "E@" and re.search; a list matches when any
// pattern does. The answers are Python's fnmatch.fnmatch and re.search.
func TestFileExcluder(t *testing.T) {
	tests := []struct {
		pats []string
		rel  string
		want bool
	}{
		{[]string{"*.conf"}, "a.conf", true},
		{[]string{"*.conf"}, "sub/x.conf", true},  // * matches "/"
		{[]string{"x.conf"}, "sub/x.conf", false}, // the whole relative path, not the base name
		{[]string{"sub/*"}, "sub/x.conf", true},
		{[]string{"sub/*"}, "sub", false},
		{[]string{"sub"}, "sub", true},
		{[]string{"E@^sub/"}, "sub/x.conf", true},
		{[]string{"E@conf"}, "sub/x.conf", true}, // re.search, not re.match
		{[]string{"E@^conf"}, "sub/x.conf", false},
		{[]string{"*.txt", "E@^sub"}, "sub/x.conf", true},
		{[]string{"*.txt", "E@^old"}, "sub/x.conf", false},
		{[]string{"[!a]*"}, "b", true},
		{nil, "a", false},
	}
	for _, tt := range tests {
		m, err := fileExcluder("exclude_pat", tt.pats)
		if err != nil {
			t.Fatalf("fileExcluder(%q): %v", tt.pats, err)
		}
		if got := m(tt.rel); got != tt.want {
			t.Errorf("fileExcluder(%q)(%q) = %v; want %v", tt.pats, tt.rel, got, tt.want)
		}
	}
}

// TestFileRecursePatterns: include_pat and exclude_pat read the path
// relative to the source, as Salt's file.recurse passes it.
func TestFileRecursePatterns(t *testing.T) {
	root := fileTestRoot(t)
	res := fileCycle(t, root, "file.recurse", "/srv/conf", map[string]any{"source": "salt://tree", "makedirs": true,
		"include_pat": "sub/*", "exclude_pat": []any{"E@tmpl$", "a.conf"}})
	want := map[string]any{
		"/srv/conf":            map[string]any{"/srv/conf": map[string]any{"directory": "new"}},
		"/srv/conf/sub":        map[string]any{"/srv/conf/sub": map[string]any{"directory": "new"}},
		"/srv/conf/sub/b.conf": map[string]any{"diff": "New file", "mode": "0644"},
	}
	if !reflect.DeepEqual(res.Changes, want) {
		t.Errorf("changes = %#v\nwant %#v", res.Changes, want)
	}
}

// TestFileDirectorySilent: Salt's recurse: [silent] reports no paths.
func TestFileDirectorySilent(t *testing.T) {
	root := fileTestRoot(t)
	fileWriteT(t, filepath.Join(root, "srv/app/a.txt"), "a")
	res := fileCycle(t, root, "file.directory", "/srv/app", map[string]any{"user": "alice", "recurse": []any{"user", "silent"}})
	if !reflect.DeepEqual(res.Changes, map[string]any{"recursion": "Changes silenced"}) {
		t.Errorf("changes = %#v", res.Changes)
	}
	if uid, _, _ := fileOwner(t, filepath.Join(root, "srv/app/a.txt")); uid != 1000 {
		t.Errorf("a.txt uid %d; want 1000", uid)
	}
}

// A recurse source that does not exist fails in Salt's words.
func TestFileRecurseMissingSource(t *testing.T) {
	root := fileTestRoot(t)
	for _, test := range []bool{true, false} {
		r := fileCall(t, root, "file.recurse", "/srv/x", map[string]any{"source": "salt://nosuch"}, test)
		if r.Result != False || r.Comment != "Recurse failed: none of the specified sources were found" {
			t.Errorf("test=%v: %v %q", test, r.Result, r.Comment)
		}
	}
}
