package states

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// A dry run of a directory state followed by a file in it predicts
// success, as the real run then has it.
func TestFilePlannedDirsInDryRun(t *testing.T) {
	root := t.TempDir()
	env := &Env{Cache: &RunCache{}}
	run := func(fun, name string, args map[string]any, test bool, env *Env) Result {
		fn, err := Lookup(fun)
		if err != nil {
			t.Fatal(err)
		}
		return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Root: root, Env: env})
	}
	if r := run("file.directory", "/srv/www", map[string]any{"makedirs": true}, true, env); r.Result != None {
		t.Fatalf("dry run of file.directory = %v %q; want None", r.Result, r.Comment)
	}
	if r := run("file.managed", "/srv/www/index.html", map[string]any{"contents": "hi"}, true, env); r.Result != None {
		t.Fatalf("dry run of file.managed in a planned directory = %v %q; want None", r.Result, r.Comment)
	}
	if r := run("file.directory", "/srv/www/sub", nil, true, env); r.Result != None {
		t.Fatalf("dry run of file.directory in a planned directory = %v %q; want None", r.Result, r.Comment)
	}
	if _, err := os.Stat(filepath.Join(root, "srv")); !os.IsNotExist(err) {
		t.Fatalf("dry run made %s/srv", root)
	}
	// Without the directory state earlier in the run, the dry run fails as
	// the real run would.
	fresh := &Env{Cache: &RunCache{}}
	if r := run("file.managed", "/srv/www/index.html", map[string]any{"contents": "hi"}, true, fresh); r.Result != False {
		t.Fatalf("dry run of file.managed with no parent = %v %q; want False", r.Result, r.Comment)
	}
	// The real run agrees with the first dry run.
	real := &Env{Cache: &RunCache{}}
	run("file.directory", "/srv/www", map[string]any{"makedirs": true}, false, real)
	if r := run("file.managed", "/srv/www/index.html", map[string]any{"contents": "hi"}, false, real); r.Result != True {
		t.Fatalf("real file.managed = %v %q; want True", r.Result, r.Comment)
	}
}

// As in Salt, arguments file.managed does not know are template
// variables; defaults and context win over them.
func TestFileManagedExtraArgsReachTemplate(t *testing.T) {
	root := t.TempDir()
	r := fileCall(t, root, "file.managed", "/etc/app.conf", map[string]any{
		"source":   "salt://app/app.conf.tmpl",
		"template": "jinja",
		"port":     8080,
		"host":     "from-kwarg",
		"context":  map[string]any{"host": "from-context"},
		"makedirs": true,
	}, false)
	if r.Result != True {
		t.Fatalf("file.managed with extra arguments = %v %q", r.Result, r.Comment)
	}
	b, _ := os.ReadFile(filepath.Join(root, "etc/app.conf"))
	if want := "port = 8080\nhost = from-context\nid = m001\n"; string(b) != want {
		t.Fatalf("rendered %q; want %q", b, want)
	}
}

// A dry run of a user.present and then a directory owned by the new user
// and its group predicts the changes the real run makes, where it would
// otherwise fail on an owner the run has not made yet.
func TestFileOwnerPlannedInDryRun(t *testing.T) {
	root := acctRoot(t)
	run := func(fun, name string, args map[string]any, test bool, env *Env) Result {
		fn, err := Lookup(fun)
		if err != nil {
			t.Fatal(err)
		}
		return fn(context.Background(), &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: test, Root: root, Env: env})
	}
	dir := map[string]any{"user": "appsvc", "group": "appsvc", "makedirs": true}
	dry := &Env{Cache: &RunCache{}}
	if r := run("user.present", "appsvc", nil, true, dry); r.Result != None {
		t.Fatalf("dry user.present = %v %q", r.Result, r.Comment)
	}
	predicted := run("file.directory", "/srv/app", dir, true, dry)
	if predicted.Result != None {
		t.Fatalf("dry file.directory owned by a planned user = %v %q; want None", predicted.Result, predicted.Comment)
	}
	if r := run("file.directory", "/srv/other", dir, true, &Env{Cache: &RunCache{}}); r.Result != False {
		t.Errorf("dry file.directory owned by nobody the run makes = %v %q; want False, as the real run", r.Result, r.Comment)
	}
	real := &Env{Cache: &RunCache{}}
	if r := run("user.present", "appsvc", nil, false, real); r.Result != True {
		t.Fatalf("user.present = %v %q", r.Result, r.Comment)
	}
	made := run("file.directory", "/srv/app", dir, false, real)
	if made.Result != True || !reflect.DeepEqual(made.Changes, predicted.Changes) {
		t.Errorf("real file.directory = %v %#v; the dry run said %#v", made.Result, made.Changes, predicted.Changes)
	}
}
