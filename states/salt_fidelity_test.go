package states

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// These tables pin, per state function and path, the result, comment and
// changes brine gives in a test=True run, a real run, a rerun with nothing
// to do, and a test=True run after it, against what Salt 3006 returns for
// the same state. Each case names the Salt function its wording was taken
// from (salt/states/*.py unless a module is named). Where brine differs from
// Salt on purpose, the case says so and the state's doc comment has a
// "Salt:" line. A change of wording here is a change of Salt fidelity:
// check it against Salt before updating a table.

// fidAny stands for a value whose text is not compared: a unified diff
// (Salt's is difflib's; the text is not pinned here) or a process id.
const fidAny = "<any>"

// fidWant is one phase's expected result. A nil fidWant skips the phase.
type fidWant struct {
	result  Outcome
	comment string
	changes map[string]any
}

// fidCase runs one function on one path. setup prepares the world and
// returns the runner; each phase calls it once, in the order test, real,
// rerun, retest.
type fidCase struct {
	name                      string // "function: path"
	salt                      string // the Salt function the wording follows
	setup                     func(t *testing.T) func(test bool) Result
	test, real, rerun, retest *fidWant
	// unforeseeable marks a function whose changes are what a command
	// printed (cmd.run, module.run): its dry run cannot know them, in
	// Salt as in brine. Every other case checks that the real run makes
	// exactly the changes its dry run reported.
	unforeseeable bool
}

func fidRunAll(t *testing.T, cases []fidCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := c.setup(t)
			var predicted *Result
			for _, ph := range []struct {
				name string
				test bool
				want *fidWant
			}{{"test", true, c.test}, {"real", false, c.real}, {"rerun", false, c.rerun}, {"retest", true, c.retest}} {
				if ph.want == nil {
					continue
				}
				got := run(ph.test)
				if ph.name == "test" {
					predicted = &got
				}
				if ph.name == "real" && predicted != nil && !c.unforeseeable && !reflect.DeepEqual(predicted.Changes, got.Changes) {
					t.Errorf("the dry run lied (Salt: %s):\n test=True reported %#v\n the real run made %#v", c.salt, predicted.Changes, got.Changes)
				}
				if got.Result != ph.want.result || got.Comment != ph.want.comment || !fidSameChanges(got.Changes, ph.want.changes) {
					t.Errorf("%s run (Salt: %s):\n got %v %q\n     %#v\nwant %v %q\n     %#v",
						ph.name, c.salt, got.Result, got.Comment, got.Changes, ph.want.result, ph.want.comment, ph.want.changes)
				}
			}
		})
	}
}

// fidSameChanges compares changes, with fidAny matching any non-empty
// string or any number.
func fidSameChanges(got, want map[string]any) bool {
	if len(got) != len(want) {
		return false
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			return false
		}
		if w == fidAny {
			switch v := g.(type) {
			case string:
				if v == "" {
					return false
				}
			case int:
			default:
				return false
			}
			continue
		}
		if wm, isMap := w.(map[string]any); isMap {
			gm, ok := g.(map[string]any)
			if !ok || !fidSameChanges(gm, wm) {
				return false
			}
			continue
		}
		if !reflect.DeepEqual(g, w) {
			return false
		}
	}
	return true
}

func fidW(r Outcome, comment string, changes map[string]any) *fidWant {
	if changes == nil {
		changes = map[string]any{}
	}
	return &fidWant{result: r, comment: comment, changes: changes}
}

// fidFile sets up a --root tree (with files path → content) and runs fun
// on name in it.
func fidFile(fun, name string, args map[string]any, files map[string]string) func(t *testing.T) func(bool) Result {
	return func(t *testing.T) func(bool) Result {
		root := fileTestRoot(t)
		for p, content := range files {
			if content == "<dir>" {
				os.MkdirAll(filepath.Join(root, p), 0o755)
				continue
			}
			fileWriteT(t, filepath.Join(root, p), content)
		}
		return func(test bool) Result { return fileCall(t, root, fun, name, args, test) }
	}
}

// fidTestNote is file.managed's test-mode note, broken after "may" as Salt
// writes it (managed(), the ret["comment"] += under __opts__["test"]).
const fidTestNote = "\nNote: No changes made, actual changes may\nbe different due to other states."

func TestSaltFidelityFileManaged(t *testing.T) {
	conf := "/etc/app.conf"
	fidRunAll(t, []fidCase{{
		name:   "file.managed: created",
		salt:   "managed() test branch; modules/file.py manage_file() for a new file",
		setup:  fidFile("file.managed", conf, map[string]any{"contents": "port = 80"}, map[string]string{"etc/.keep": ""}),
		test:   fidW(None, "The file "+conf+" is set to be changed"+fidTestNote, map[string]any{"diff": "New file", "mode": "0644"}),
		real:   fidW(True, "File "+conf+" updated", map[string]any{"diff": "New file", "mode": "0644"}),
		rerun:  fidW(True, "File "+conf+" is in the correct state", nil),
		retest: fidW(True, "The file "+conf+" is in the correct state", nil),
	}, {
		name:   "file.managed: content changed",
		salt:   "managed(); modules/file.py check_file_meta() and manage_file()",
		setup:  fidFile("file.managed", conf, map[string]any{"contents": "port = 80"}, map[string]string{"etc/app.conf": "port = 81\n"}),
		test:   fidW(None, "The file "+conf+" is set to be changed"+fidTestNote, map[string]any{"diff": fidAny}),
		real:   fidW(True, "File "+conf+" updated", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "File "+conf+" is in the correct state", nil),
		retest: fidW(True, "The file "+conf+" is in the correct state", nil),
	}, {
		// Salt's comment after a real perms-only change is empty; brine's
		// says "updated" (deliberate, see fileManaged's doc).
		name:   "file.managed: mode only",
		salt:   "managed(), the replace=False branch",
		setup:  fidFile("file.managed", conf, map[string]any{"mode": "0600"}, map[string]string{"etc/app.conf": "x\n"}),
		test:   fidW(None, "File "+conf+" will be updated with permissions 0600 from its current state of 0644", map[string]any{"mode": "0600"}),
		real:   fidW(True, "File "+conf+" updated", map[string]any{"mode": "0600"}),
		rerun:  fidW(True, "File "+conf+" exists with proper permissions. No changes made.", nil),
		retest: fidW(True, "File "+conf+" not updated", nil),
	}, {
		name:  "file.managed: create False",
		salt:  "managed(), the create=False branch",
		setup: fidFile("file.managed", conf, map[string]any{"contents": "x", "create": false}, nil),
		test:  fidW(True, "File "+conf+" is not present and is not set for creation", nil),
		real:  fidW(True, "File "+conf+" is not present and is not set for creation", nil),
	}})
}

func TestSaltFidelityFileDirectory(t *testing.T) {
	fidRunAll(t, []fidCase{{
		// Salt returns right after file.mkdir, with an empty comment.
		name:   "file.directory: created",
		salt:   "directory() and _check_directory()",
		setup:  fidFile("file.directory", "/srv/app", nil, map[string]string{"srv": "<dir>"}),
		test:   fidW(None, "The following files will be changed:\n/srv/app: directory - new\n", map[string]any{"/srv/app": map[string]any{"directory": "new"}}),
		real:   fidW(True, "", map[string]any{"/srv/app": map[string]any{"directory": "new"}}),
		rerun:  fidW(True, "The directory /srv/app is in the correct state", nil),
		retest: fidW(True, "The directory /srv/app is in the correct state", nil),
	}, {
		// Salt's real run also repeats mode at the top level of the
		// changes; brine keeps the changes of its dry run (deliberate).
		name:  "file.directory: mode changed",
		salt:  "directory(), _check_dir_meta()",
		setup: fidFile("file.directory", "/srv/app", map[string]any{"dir_mode": "0700"}, map[string]string{"srv/app": "<dir>"}),
		test:  fidW(None, "The following files will be changed:\n/srv/app: mode - 0700\n", map[string]any{"/srv/app": map[string]any{"mode": "0700"}}),
		real:  fidW(True, "Directory /srv/app updated", map[string]any{"/srv/app": map[string]any{"mode": "0700"}}),
		rerun: fidW(True, "The directory /srv/app is in the correct state", nil),
	}, {
		name:  "file.directory: no parent",
		salt:  "directory(), without makedirs",
		setup: fidFile("file.directory", "/srv/a/b", nil, nil),
		real:  fidW(False, "No directory to create /srv/a/b in", nil),
	}, {
		name:  "file.directory: a file in the way",
		salt:  "directory()",
		setup: fidFile("file.directory", "/srv/f", nil, map[string]string{"srv/f": "x"}),
		test:  fidW(False, "Specified location /srv/f exists and is a file", nil),
		real:  fidW(False, "Specified location /srv/f exists and is a file", nil),
	}})
}

func TestSaltFidelityFileAbsentExists(t *testing.T) {
	fidRunAll(t, []fidCase{{
		name:   "file.absent: file",
		salt:   "absent()",
		setup:  fidFile("file.absent", "/etc/x", nil, map[string]string{"etc/x": "x"}),
		test:   fidW(None, "File /etc/x is set for removal", map[string]any{"removed": "/etc/x"}),
		real:   fidW(True, "Removed file /etc/x", map[string]any{"removed": "/etc/x"}),
		rerun:  fidW(True, "File /etc/x is not present", nil),
		retest: fidW(True, "File /etc/x is not present", nil),
	}, {
		name:  "file.absent: directory",
		salt:  "absent()",
		setup: fidFile("file.absent", "/srv/d", nil, map[string]string{"srv/d/x": "x"}),
		test:  fidW(None, "Directory /srv/d is set for removal", map[string]any{"removed": "/srv/d"}),
		real:  fidW(True, "Removed directory /srv/d", map[string]any{"removed": "/srv/d"}),
	}, {
		name:  "file.exists: present",
		salt:  "exists()",
		setup: fidFile("file.exists", "/etc/x", nil, map[string]string{"etc/x": "x"}),
		test:  fidW(True, "Path /etc/x exists", nil),
		real:  fidW(True, "Path /etc/x exists", nil),
	}, {
		name:  "file.exists: missing",
		salt:  "exists()",
		setup: fidFile("file.exists", "/etc/x", nil, nil),
		real:  fidW(False, "Specified path /etc/x does not exist", nil),
	}, {
		name:  "file.missing: missing",
		salt:  "missing()",
		setup: fidFile("file.missing", "/etc/x", nil, nil),
		real:  fidW(True, "Path /etc/x is missing", nil),
	}, {
		name:  "file.missing: present",
		salt:  "missing()",
		setup: fidFile("file.missing", "/etc/x", nil, map[string]string{"etc/x": "x"}),
		real:  fidW(False, "Specified path /etc/x exists", nil),
	}})
}

// fidOwner is how Salt names the owner of a link this process made.
func fidOwner() string {
	if os.Geteuid() == 0 && os.Getegid() == 0 {
		return "root:root"
	}
	return fmt.Sprintf("%d:%d", os.Geteuid(), os.Getegid())
}

func TestSaltFidelityFileSymlink(t *testing.T) {
	link := "/etc/l"
	fidRunAll(t, []fidCase{{
		name:   "file.symlink: created",
		salt:   "symlink() and _symlink_check()",
		setup:  fidFile("file.symlink", link, map[string]any{"target": "/x"}, map[string]string{"etc": "<dir>"}),
		test:   fidW(None, "Symlink /etc/l to /x is set for creation", map[string]any{"new": link}),
		real:   fidW(True, "Created new symlink /etc/l -> /x", map[string]any{"new": link}),
		rerun:  fidW(True, "Symlink /etc/l is present and owned by "+fidOwner(), nil),
		retest: fidW(True, "The symlink /etc/l is present", nil),
	}, {
		name:  "file.symlink: a file in the way",
		salt:  "symlink() and _symlink_check()",
		setup: fidFile("file.symlink", "/etc/f", map[string]any{"target": "/x"}, map[string]string{"etc/f": "x"}),
		test:  fidW(False, "File or directory exists where the symlink /etc/f should be. Did you mean to use force?", nil),
		real:  fidW(False, "File exists where the symlink /etc/f should be", nil),
	}, {
		name:  "file.symlink: force",
		salt:  "symlink() and _symlink_check()",
		setup: fidFile("file.symlink", "/etc/f", map[string]any{"target": "/x", "force": true}, map[string]string{"etc/f": "x"}),
		test:  fidW(None, "The file or directory /etc/f is set for removal to make way for a new symlink targeting /x", map[string]any{"new": "/etc/f"}),
		real:  fidW(True, "Created new symlink /etc/f -> /x", map[string]any{"new": "/etc/f"}),
	}, {
		name:  "file.symlink: no parent",
		salt:  "symlink()",
		setup: fidFile("file.symlink", "/opt/a/l", map[string]any{"target": "/x"}, nil),
		real:  fidW(False, "Directory /opt/a for symlink is not present", nil),
	}})
	// A link to another target: the dry run words it as Salt does, with the
	// {new: name} of the real run where Salt says {change: name}
	// (deliberate).
	root := fileTestRoot(t)
	os.MkdirAll(filepath.Join(root, "etc"), 0o755)
	os.Symlink("/x", filepath.Join(root, "etc/l"))
	if r := fileCall(t, root, "file.symlink", link, map[string]any{"target": "/y"}, true); r.Result != None ||
		r.Comment != "Link /etc/l target is set to be changed to /y" || !reflect.DeepEqual(r.Changes, map[string]any{"new": link}) {
		t.Errorf("retarget test run (Salt: _symlink_check) = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	if r := fileCall(t, root, "file.symlink", link, map[string]any{"target": "/y"}, false); r.Result != True ||
		r.Comment != "Created new symlink /etc/l -> /y" {
		t.Errorf("retarget real run (Salt: symlink) = %v %q", r.Result, r.Comment)
	}
}

func TestSaltFidelityFileEdits(t *testing.T) {
	x := "/etc/x"
	fidRunAll(t, []fidCase{{
		name:   "file.append: lines added",
		salt:   "append()",
		setup:  fidFile("file.append", x, map[string]any{"text": "b"}, map[string]string{"etc/x": "a\n"}),
		test:   fidW(None, "File /etc/x is set to be updated", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Appended 1 lines", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "File /etc/x is in correct state", nil),
		retest: fidW(True, "File /etc/x is in correct state", nil),
	}, {
		name:   "file.prepend: lines added",
		salt:   "prepend()",
		setup:  fidFile("file.prepend", x, map[string]any{"text": []any{"b", "c"}}, map[string]string{"etc/x": "a\n"}),
		test:   fidW(None, "File /etc/x is set to be updated", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Prepended 2 lines", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "File /etc/x is in correct state", nil),
		retest: fidW(True, "File /etc/x is in correct state", nil),
	}, {
		name:   "file.replace: changed",
		salt:   "replace()",
		setup:  fidFile("file.replace", x, map[string]any{"pattern": "a=1", "repl": "a=2"}, map[string]string{"etc/x": "a=1\n"}),
		test:   fidW(None, "Changes would have been made", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Changes were made", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "No changes needed to be made", nil),
		retest: fidW(True, "No changes needed to be made", nil),
	}, {
		name:  "file.replace: missing file",
		salt:  "replace(), _check_file()",
		setup: fidFile("file.replace", x, map[string]any{"pattern": "a", "repl": "b"}, nil),
		test:  fidW(False, "/etc/x: file not found", nil),
		real:  fidW(False, "/etc/x: file not found", nil),
	}, {
		name:  "file.replace: missing file, ignore_if_missing",
		salt:  "replace()",
		setup: fidFile("file.replace", x, map[string]any{"pattern": "a", "repl": "b", "ignore_if_missing": true}, nil),
		test:  fidW(True, "No changes needed to be made", nil),
		real:  fidW(True, "No changes needed to be made", nil),
	}, {
		name:   "file.line: ensure",
		salt:   "line()",
		setup:  fidFile("file.line", x, map[string]any{"mode": "ensure", "content": "b", "after": "a"}, map[string]string{"etc/x": "a\n"}),
		test:   fidW(None, "Changes would be made", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Changes were made", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "No changes needed to be made", nil),
		retest: fidW(True, "No changes needed to be made", nil),
	}, {
		name:  "file.line: missing file",
		salt:  "line(), _check_file()",
		setup: fidFile("file.line", x, map[string]any{"mode": "insert", "content": "b", "location": "end"}, nil),
		real:  fidW(False, "/etc/x: file not found", nil),
	}, {
		name: "file.blockreplace: appended",
		salt: "blockreplace()",
		setup: fidFile("file.blockreplace", x, map[string]any{"content": "managed", "append_if_not_found": true},
			map[string]string{"etc/x": "a\n"}),
		test:   fidW(None, "Changes would be made", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Changes were made", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "No changes needed to be made", nil),
		retest: fidW(True, "No changes needed to be made", nil),
	}, {
		name:  "file.blockreplace: missing file",
		salt:  "blockreplace(), _check_file()",
		setup: fidFile("file.blockreplace", x, map[string]any{"content": "managed"}, nil),
		real:  fidW(False, "/etc/x: file not found", nil),
	}, {
		// Salt's dry run gives {name: "updated"}; brine the diff of the
		// real run (deliberate).
		name:   "file.comment: commented",
		salt:   "comment()",
		setup:  fidFile("file.comment", x, map[string]any{"regex": "^bind 127"}, map[string]string{"etc/x": "bind 127.0.0.1\nport 1\n"}),
		test:   fidW(None, "File /etc/x is set to be updated", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Commented lines successfully", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "Pattern already commented", nil),
		retest: fidW(True, "Pattern already commented", nil),
	}, {
		name:  "file.comment: not found",
		salt:  "comment(), unanchor_regex",
		setup: fidFile("file.comment", x, map[string]any{"regex": "^foo$"}, map[string]string{"etc/x": "a\n"}),
		real:  fidW(False, "foo: Pattern not found", nil),
	}, {
		name:  "file.comment: not found, ignore_missing",
		salt:  "comment()",
		setup: fidFile("file.comment", x, map[string]any{"regex": "^foo$", "ignore_missing": true}, map[string]string{"etc/x": "a\n"}),
		real:  fidW(True, "Pattern not found and ignore_missing set to True", nil),
	}, {
		name:   "file.uncomment: uncommented",
		salt:   "uncomment()",
		setup:  fidFile("file.uncomment", x, map[string]any{"regex": "^bind 127"}, map[string]string{"etc/x": "#bind 127.0.0.1\n"}),
		test:   fidW(None, "File /etc/x is set to be updated", map[string]any{"diff": fidAny}),
		real:   fidW(True, "Uncommented lines successfully", map[string]any{"diff": fidAny}),
		rerun:  fidW(True, "Pattern already uncommented", nil),
		retest: fidW(True, "Pattern already uncommented", nil),
	}, {
		name:  "file.uncomment: not found",
		salt:  "uncomment()",
		setup: fidFile("file.uncomment", x, map[string]any{"regex": "^foo"}, map[string]string{"etc/x": "a\n"}),
		real:  fidW(False, "^foo: Pattern not found", nil),
	}, {
		name:  "file.comment: missing file",
		salt:  "comment(), _check_file()",
		setup: fidFile("file.comment", x, map[string]any{"regex": "^a"}, nil),
		real:  fidW(False, "/etc/x: file not found", nil),
	}})
}

func TestSaltFidelityFileTouchCopy(t *testing.T) {
	fidRunAll(t, []fidCase{{
		// Salt's dry run on an existing file without atime or mtime says
		// "File X exists and has the correct times" while its real run
		// touches it; brine's dry run reports the touch (deliberate).
		name:   "file.touch: created",
		salt:   "touch() and _check_touch()",
		setup:  fidFile("file.touch", "/var/stamp", nil, map[string]string{"var": "<dir>"}),
		test:   fidW(None, "File /var/stamp is set to be created", map[string]any{"new": "/var/stamp"}),
		real:   fidW(True, "Created empty file /var/stamp", map[string]any{"new": "/var/stamp"}),
		rerun:  fidW(True, "Updated times on file /var/stamp", map[string]any{"touched": "/var/stamp"}),
		retest: fidW(None, "Times set to be updated on file /var/stamp", map[string]any{"touched": "/var/stamp"}),
	}, {
		// Salt's dry run has no changes; brine's has the real run's.
		name:   "file.copy: copied",
		salt:   "copy_()",
		setup:  fidFile("file.copy", "/etc/dst", map[string]any{"source": "/etc/src"}, map[string]string{"etc/src": "s\n"}),
		test:   fidW(None, `File "/etc/src" is set to be copied to "/etc/dst"`, map[string]any{"/etc/dst": "/etc/src"}),
		real:   fidW(True, `Copied "/etc/src" to "/etc/dst"`, map[string]any{"/etc/dst": "/etc/src"}),
		rerun:  fidW(True, `The target file "/etc/dst" exists and will not be overwritten`, nil),
		retest: fidW(True, `The target file "/etc/dst" exists and will not be overwritten`, nil),
	}, {
		name:  "file.copy: no source",
		salt:  "copy_()",
		setup: fidFile("file.copy", "/etc/dst", map[string]any{"source": "/etc/none"}, nil),
		real:  fidW(False, `Source file "/etc/none" is not present`, nil),
	}})
}

func TestSaltFidelityCmd(t *testing.T) {
	cmd := func(fun, name string, args map[string]any) func(t *testing.T) func(bool) Result {
		return func(t *testing.T) func(bool) Result {
			return func(test bool) Result { return cmdCall(t, "", fun, name, args, test) }
		}
	}
	fidRunAll(t, []fidCase{{
		name:          "cmd.run: ran",
		salt:          "run()",
		unforeseeable: true,
		setup:         cmd("cmd.run", `echo "hi"`, nil),
		test:          fidW(None, `Command "echo "hi"" would have been executed`, nil),
		real:          fidW(True, `Command "echo "hi"" run`, map[string]any{"pid": fidAny, "retcode": 0, "stdout": "hi", "stderr": ""}),
	}, {
		name:  "cmd.run: failed",
		salt:  "run(), result = not retcode",
		setup: cmd("cmd.run", "echo oops >&2; exit 3", nil),
		real:  fidW(False, `Command "echo oops >&2; exit 3" run`, map[string]any{"pid": fidAny, "retcode": 3, "stdout": "", "stderr": "oops"}),
	}, {
		name:  "cmd.run: creates exists",
		salt:  "run(), mod_run_check() creates",
		setup: cmd("cmd.run", "true", map[string]any{"creates": "/"}),
		test:  fidW(True, "All files in creates exist", nil),
		real:  fidW(True, "All files in creates exist", nil),
	}, {
		name:  "cmd.run: cwd missing",
		salt:  "run()",
		setup: cmd("cmd.run", "true", map[string]any{"cwd": "/does/not/exist"}),
		real:  fidW(False, `Desired working directory "/does/not/exist" is not available`, nil),
	}, {
		name:  "cmd.script: test",
		salt:  "script(), single quotes",
		setup: cmd("cmd.script", "salt://scripts/hello.sh", nil),
		test:  fidW(None, "Command 'salt://scripts/hello.sh' would have been executed", nil),
	}, {
		name:  "cmd.wait: not watched",
		salt:  "wait()",
		setup: cmd("cmd.wait", "echo hi", nil),
		test:  fidW(True, "", nil),
		real:  fidW(True, "", nil),
	}})
}
