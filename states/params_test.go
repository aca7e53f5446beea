package states

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

func TestTypeDecode(t *testing.T) {
	tests := []struct {
		typ     Type
		in      any
		want    any
		wantErr string
	}{
		{String, "x", "x", ""},
		{String, 42, "42", ""},
		{String, 1.5, "1.5", ""},
		{String, true, "true", ""},
		{String, []any{"a"}, nil, "want a string, got a list"},
		{String, map[string]any{}, nil, "want a string, got a mapping"},
		{Int, 3, 3, ""},
		{Int, " 7 ", 7, ""},
		{Int, 2.0, 2, ""},
		{Int, "", nil, ""}, // not given, as a template leaves it out
		{Int, 2.5, nil, "want an integer, got 2.5"},
		{Int, "soon", nil, "want an integer, got soon"},
		{Int, true, nil, "want an integer"},
		// Salt's truthiness.
		{Bool, true, true, ""},
		{Bool, "yes", true, ""},
		{Bool, "On", true, ""},
		{Bool, "Y", true, ""},
		{Bool, "TRUE", true, ""},
		{Bool, 1, true, ""},
		{Bool, "1", true, ""},
		{Bool, "no", false, ""},
		{Bool, "off", false, ""},
		{Bool, "n", false, ""},
		{Bool, 0, false, ""},
		{Bool, "", false, ""},
		{Bool, "perhaps", nil, "want true/false/yes/no/on/off, got perhaps"},
		{Bool, 2, nil, "want true/false"},
		{Bool, []any{}, nil, "want true/false"},
		// Modes: the digits are octal however YAML typed them.
		{Mode, 644, fs.FileMode(0o644), ""},
		{Mode, "0644", fs.FileMode(0o644), ""},
		{Mode, "644", fs.FileMode(0o644), ""},
		{Mode, "0o600", fs.FileMode(0o600), ""},
		{Mode, 755, fs.FileMode(0o755), ""},
		{Mode, "4755", fs.FileMode(0o755) | fs.ModeSetuid, ""},
		{Mode, 1777, fs.FileMode(0o777) | fs.ModeSticky, ""},
		{Mode, fs.FileMode(0o640), fs.FileMode(0o640), ""},
		{Mode, "", nil, ""},
		{Mode, "abc", nil, "want an octal file mode such as 0644, got abc"},
		{Mode, 888, nil, "want an octal file mode"},
		{Mode, 17777, nil, "want an octal file mode"},
		{Mode, true, nil, "want an octal file mode"},
		{Path, "/etc/x", "/etc/x", ""},
		{Path, "", nil, ""},
		{Path, "etc/inittab", nil, `want an absolute path, got "etc/inittab"`},
		{Path, []any{"/x"}, nil, "want an absolute path, got a list"},
		{List, []any{1, "a"}, []any{1, "a"}, ""},
		{List, "a", []any{"a"}, ""},
		{StringList, "a", []string{"a"}, ""},
		{StringList, 5, []string{"5"}, ""},
		{StringList, []any{"a", 1, true}, []string{"a", "1", "true"}, ""},
		{StringList, []any{"a", map[string]any{}}, nil, "item 1: want a string, got a mapping"},
		{StringList, map[string]any{}, nil, "want a list of strings, got a mapping"},
		{Map, map[string]any{"a": 1}, map[string]any{"a": 1}, ""},
		{Map, []any{map[string]any{"a": 1}, map[string]any{"b": 2, "a": 3}}, map[string]any{"a": 3, "b": 2}, ""},
		{Map, []any{"a"}, nil, "item 0: want a mapping, got a string"},
		{Map, "a=b", nil, "want a mapping, got a string"},
		{Any, []any{"x"}, []any{"x"}, ""},
	}
	for _, tt := range tests {
		got, err := tt.typ.Decode(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s.Decode(%#v) = %#v, %v; want error %q", tt.typ, tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s.Decode(%#v) = %#v, %v; want %#v", tt.typ, tt.in, got, err, tt.want)
		}
	}
	for _, typ := range []Type{Any, String, Int, Bool, Mode, Path, List, StringList, Map} {
		if v, err := typ.Decode(nil); v != nil || err != nil {
			t.Errorf("%s.Decode(nil) = %v, %v; want nil, nil: null is not given", typ, v, err)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"mode", "mode", 0},
		{"mdoe", "mode", 1},         // one swap
		{"contnets", "contents", 1}, // one swap
		{"vlaue", "value", 1},
		{"mod", "mode", 1},
		{"modes", "mode", 1},
		{"mxde", "mode", 1},
		{"moed", "mode", 1},
		{"dmoe", "mode", 2},
		{"requre", "require", 1},
		{"onlyfi", "onlyif", 1},
		{"", "abc", 3},
		{"abc", "", 3},
		{"host", "test", 2},
		{"ca", "abc", 3}, // optimal string alignment: no edit of a swapped pair
		{"été", "ete", 2},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d; want %d (symmetric)", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "mode", "user", "group", "contents", "value", "makedirs", "require", "onlyif", "test"}
	tests := []struct {
		in, want string
	}{
		{"mdoe", "mode"},
		{"MDOE", "mode"}, // case does not count
		{"Mode", "mode"},
		{"contnets", "contents"},
		{"contetns", "contents"},
		{"vlaue", "value"},
		{"usr", "user"},
		{"makdirs", "makedirs"},
		{"mkaedir", "makedirs"}, // two slips in a long name
		{"requre", "require"},
		{"onlyfi", "onlyif"},
		{"host", ""},   // two slips in four letters is another word
		{"x", ""},      // too short to be a typo of anything
		{"source", ""}, // far from all
		{"template_var", ""},
	}
	for _, tt := range tests {
		got, ok := Suggest(tt.in, known)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("Suggest(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

// registryReq is a request as the engine makes it, for a registered
// function under a temporary root.
func registryReq(t *testing.T, fun, id string, args map[string]any) *Request {
	t.Helper()
	return &Request{ID: id, Name: id, Func: fun, Args: NewArgs(args), Test: true, Root: t.TempDir(), Env: fileEnv()}
}

func callRegistered(t *testing.T, req *Request) Result {
	t.Helper()
	fn, err := Lookup(req.Func)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), req)
}

// TestRegistryRefusesBadArguments: a bad value, a missing required
// argument and a typo fail the state before the module runs, with a
// message naming the state, the function and the argument; each is an
// *ArgError.
func TestRegistryRefusesBadArguments(t *testing.T) {
	tests := []struct {
		fun, id string
		args    map[string]any
		want    string
		is      error
	}{
		{"file.managed", "motd", map[string]any{"contents": "hi", "mode": "abc"},
			`state "motd" (file.managed): argument "mode": want an octal file mode such as 0644, got abc`, nil},
		{"file.managed", "/etc/motd", map[string]any{"contents": "hi", "mdoe": 600},
			`state "/etc/motd" (file.managed): argument "mdoe": unknown argument; did you mean mode?`, ErrUnknownArg},
		{"file.managed", "/etc/motd", map[string]any{"contnets": "hi"},
			`argument "contnets": unknown argument; did you mean contents?`, ErrUnknownArg},
		{"sysctl.present", "net.ipv4.ip_forward", map[string]any{"vlaue": 1},
			`argument "vlaue": unknown argument; did you mean value?`, ErrUnknownArg},
		{"sysctl.present", "net.ipv4.ip_forward", map[string]any{},
			`state "net.ipv4.ip_forward" (sysctl.present): argument "value": required`, ErrRequired},
		{"inittab.present", "co", map[string]any{"action": "respawn", "process": "/sbin/getty", "config": "etc/inittab"},
			`argument "config": want an absolute path, got "etc/inittab"`, nil},
		{"cmd.run", "true", map[string]any{"timeout": "soon"}, `argument "timeout": want an integer, got soon`, nil},
		{"file.directory", "/srv", map[string]any{"makedirs": "perhaps"}, `argument "makedirs": want true/false`, nil},
		{"file.managed", "/etc/motd", map[string]any{"contents": "hi", "requre": []any{}},
			`argument "requre": unknown argument; did you mean require?`, ErrUnknownArg},
		{"file.managed", "etc/motd", map[string]any{"contents": "hi"}, `argument "name": want an absolute path, got "etc/motd"`, nil},
	}
	for _, tt := range tests {
		req := registryReq(t, tt.fun, tt.id, tt.args)
		res := callRegistered(t, req)
		if res.Result != False || !strings.Contains(res.Comment, tt.want) {
			t.Errorf("%s %s %v = %s %q; want False %q", tt.fun, tt.id, tt.args, res.Result, res.Comment, tt.want)
		}
		if len(res.Changes) != 0 {
			t.Errorf("%s %v: changes %v; want none", tt.fun, tt.args, res.Changes)
		}
		_, err := checkArgs(declared(tt.fun), registryReq(t, tt.fun, tt.id, tt.args))
		var ae *ArgError
		if !errors.As(err, &ae) || ae.ID != tt.id || ae.Func != tt.fun {
			t.Errorf("checkArgs(%s %v) = %v; want an *ArgError naming %s and %s", tt.fun, tt.args, err, tt.id, tt.fun)
		}
		if tt.is != nil && !errors.Is(err, tt.is) {
			t.Errorf("checkArgs(%s %v) = %v; want it to wrap %v", tt.fun, tt.args, err, tt.is)
		}
	}
}

// TestRegistryReportsEveryBadArgument: the author fixes them all at once.
func TestRegistryReportsEveryBadArgument(t *testing.T) {
	res := callRegistered(t, registryReq(t, "file.managed", "/etc/motd", map[string]any{"mdoe": 1, "usr": "x", "makedirs": "maybe"}))
	for _, want := range []string{`"mdoe"`, `"usr"`, `"makedirs"`} {
		if !strings.Contains(res.Comment, want) {
			t.Errorf("comment %q; want it to name %s", res.Comment, want)
		}
	}
}

// TestRegistryWarnsOfUnusedArguments: an argument far from every known one
// does not stop the state, and its result carries Salt's warning, for a
// function whose Salt counterpart takes no **kwargs (file.touch).
func TestRegistryWarnsOfUnusedArguments(t *testing.T) {
	root := fileTestRoot(t)
	req := &Request{ID: "/etc/motd", Name: "/etc/motd", Func: "file.touch", Root: root, Env: fileEnv(),
		Args: NewArgs(map[string]any{"colour": "blue", "audience": "all"})}
	res := callRegistered(t, req)
	if res.Result != True || !res.Changed() {
		t.Fatalf("result = %s %q %v; want True with changes", res.Result, res.Comment, res.Changes)
	}
	want := []string{"The following arguments are not used by file.touch: audience, colour"}
	if !reflect.DeepEqual(res.Warnings, want) {
		t.Errorf("warnings = %q; want %q", res.Warnings, want)
	}
	if got := fileReadT(t, filepath.Join(root, "etc/motd")); got != "" {
		t.Errorf("/etc/motd = %q", got)
	}
	// The globals, which the engine takes, are not unknown.
	req = registryReq(t, "file.exists", "/", map[string]any{"require": []any{}, "onlyif": "true", "__env__": "base"})
	if res := callRegistered(t, req); res.Result != True || len(res.Warnings) != 0 {
		t.Errorf("file.exists with globals = %s %q %q; want True, no warnings", res.Result, res.Comment, res.Warnings)
	}
	// Salt's runtime keywords a function may take as its own: format_call
	// never warns of them.
	req = registryReq(t, "file.exists", "/", map[string]any{"runas": "nobody", "saltenv": "dev", "umask": "022"})
	if res := callRegistered(t, req); res.Result != True || len(res.Warnings) != 0 {
		t.Errorf("file.exists with runas, saltenv, umask = %s %q %q; want True, no warnings", res.Result, res.Comment, res.Warnings)
	}
}

// TestRegistryTemplateVariables: with template set, file.managed passes
// the arguments it does not take to the template, as Salt does, without
// a warning, but one within a typo of its own arguments is named.
func TestRegistryTemplateVariables(t *testing.T) {
	root := fileTestRoot(t)
	req := &Request{ID: "/etc/app.conf", Name: "/etc/app.conf", Func: "file.managed", Root: root, Env: fileEnv(),
		Args: NewArgs(map[string]any{"contents": "port={{ port }}", "template": "jinja", "port": 8080, "mdoe": 600})}
	res := callRegistered(t, req)
	if res.Result != True {
		t.Fatalf("result = %s %q", res.Result, res.Comment)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], `"mdoe"`) || !strings.Contains(res.Warnings[0], "did you mean mode?") {
		t.Errorf("warnings = %q; want one naming mdoe, did you mean mode", res.Warnings)
	}
	// Without template, the same arguments are not variables, and
	// file.managed's **kwargs takes them without a word, as Salt's.
	req = &Request{ID: "/etc/app.conf", Name: "/etc/app.conf", Func: "file.managed", Root: root, Env: fileEnv(),
		Args: NewArgs(map[string]any{"contents": "x", "port": 8080})}
	if res := callRegistered(t, req); res.Result == False || len(res.Warnings) != 0 || len(req.Args.Rest()) != 0 {
		t.Errorf("no template: %s %q %q, rest %v; want no warning, nothing passed on", res.Result, res.Comment, res.Warnings, req.Args.Rest())
	}
}

// TestRegistryKwargsTakeAny: a state function whose Salt counterpart takes
// **kwargs takes an argument it does not know without a warning (Salt's
// format_call hands it to **kwargs); one whose Salt counterpart has no
// **kwargs warns. The table is Salt 3006's signatures.
func TestRegistryKwargsTakeAny(t *testing.T) {
	for fun, kwargs := range map[string]bool{
		"file.managed": true, "file.directory": true, "file.symlink": true, "file.absent": true, "file.exists": true,
		"file.missing": true, "file.copy": true, "file.rename": true, "file.hardlink": true, "file.serialize": true,
		"file.accumulated": true, "file.patch": true, "file.tidied": true, "file.recurse": true,
		"cmd.run": true, "cmd.wait": true, "cmd.script": true, "cmd.wait_script": true,
		"cron.absent": true, "cron.file": true, "pkg.installed": true, "pkg.latest": true, "pkg.removed": true,
		"pkg.purged": true, "pkg.uptodate": true, "pkg.held": true, "pkg.unheld": true,
		"pkgrepo.managed": true, "pkgrepo.absent": true,
		"service.running": true, "service.dead": true, "service.enabled": true, "service.disabled": true,
		"mount.mounted": true, "mount.unmounted": true, "archive.extracted": true,
		"git.latest": true, "git.config_set": true, "git.config_unset": true, "ssh_auth.present": true,
		"debconf.set": true, "pip.installed": true, "virtualenv.managed": true, "blockdev.formatted": true,
		"file.touch": false, "file.line": false, "file.replace": false, "file.blockreplace": false,
		"cron.present": false, "user.present": false, "group.present": false, "service.masked": false,
		"ssh_auth.absent": false, "sysctl.present": false, "host.present": false, "file.cached": false,
	} {
		params, ok := Params(fun)
		if !ok {
			t.Errorf("%s is not registered", fun)
			continue
		}
		req := &Request{ID: "x", Name: "/x", Func: fun, Args: NewArgs(map[string]any{"zzqvx_extra": 1})}
		// Required arguments left out fail too; only the unknown one
		// matters here.
		c, err := checkArgs(params, req)
		if errors.Is(err, ErrUnknownArg) {
			t.Errorf("%s: %v", fun, err)
			continue
		}
		if warned := len(c.warnings) > 0; warned == kwargs {
			t.Errorf("%s with an argument it does not know: warnings %q; Salt's takes **kwargs: %v", fun, c.warnings, kwargs)
		}
	}
}

// TestDeclaredDefaults calls every state function through the registry,
// in test mode under an empty root, with only its required arguments,
// and fails where a module reads an argument left out with a default
// other than the one its Param declares: docs/states.md would say one
// thing and the state do another. It also holds every state to never
// panic on a call this bare.
func TestDeclaredDefaults(t *testing.T) {
	var mu sync.Mutex
	var mismatches []string
	defaultCheck = func(fun, arg string, declared, used any) {
		mu.Lock()
		defer mu.Unlock()
		mismatches = append(mismatches, fmt.Sprintf("%s: %s declares %#v, the module uses %#v", fun, arg, declared, used))
	}
	defer func() { defaultCheck = nil }()
	sample := map[Type]any{String: "x", Int: 1, Bool: false, Mode: 0o644, Path: "/x", List: []any{"x"}, StringList: "x", Map: map[string]any{}, Any: "x"}
	for _, fun := range Names() {
		params := declared(fun)
		if params == nil {
			continue
		}
		args := map[string]any{}
		name := "x"
		for _, p := range params {
			switch {
			case p.Name == "name" && p.Type == Path:
				name = "/x"
			case p.Required:
				args[p.Name] = sample[p.Type]
			}
		}
		req := &Request{ID: name, Name: name, Func: fun, Args: NewArgs(args), Test: true, Root: t.TempDir(), Env: fileEnv()}
		func() {
			defer func() {
				if v := recover(); v != nil {
					t.Errorf("%s panicked: %v", fun, v)
				}
			}()
			callRegistered(t, req)
		}()
	}
	for _, m := range mismatches {
		t.Error(m)
	}
}

// TestDefaultCheck: the check TestDeclaredDefaults relies on fires.
func TestDefaultCheck(t *testing.T) {
	var got []string
	defaultCheck = func(fun, arg string, declared, used any) { got = append(got, fmt.Sprint(fun, arg, declared, used)) }
	defer func() { defaultCheck = nil }()
	a := NewArgs(nil)
	a.fun, a.params = "demo.x", []Param{{Name: "shell", Type: String, Default: "/bin/sh"}, {Name: "force", Type: Bool, Default: true}}
	a.String("shell", "/bin/sh")
	a.Bool("force", true)
	a.String("other", "x")
	if len(got) != 0 {
		t.Fatalf("matching defaults reported: %q", got)
	}
	a.String("shell", "/bin/bash")
	a.Bool("force", false)
	if len(got) != 2 {
		t.Errorf("mismatches reported = %q; want 2", got)
	}
}

func TestValidateParams(t *testing.T) {
	name := Param{Name: "name", Doc: "x."}
	bad := map[string][]Param{
		"no name":        {{Name: "mode", Type: Mode, Doc: "x."}},
		"no doc":         {name, {Name: "mode", Type: Mode}},
		"twice":          {name, {Name: "mode", Doc: "x."}, {Name: "mode", Doc: "x."}},
		"global":         {name, {Name: "require", Type: List, Doc: "x."}},
		"bad default":    {name, {Name: "mode", Type: Mode, Default: "rwx", Doc: "x."}},
		"list default":   {name, {Name: "l", Type: List, Default: []any{}, Doc: "x."}},
		"two rest":       {name, {Name: "a", Rest: true, Doc: "x."}, {Name: "b", Rest: true, Doc: "x."}},
		"unnamed":        {name, {Doc: "x."}},
		"default type":   {name, {Name: "n", Type: Int, Default: "many", Doc: "x."}},
		"path default":   {name, {Name: "p", Type: Path, Default: "rel", Doc: "x."}},
		"global in rest": {name, {Name: "onlyif", Doc: "x."}},
	}
	for what, params := range bad {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("validateParams(%s) did not panic", what)
				}
			}()
			validateParams("demo.bad", params)
		}()
	}
	validateParams("demo.good", []Param{name, {Name: "mode", Type: Mode, Default: fs.FileMode(0o644), Doc: "x."}})
}

// TestRootNotTouchedByRefusal: a refused call changes nothing.
func TestRootNotTouchedByRefusal(t *testing.T) {
	root := fileTestRoot(t)
	req := &Request{ID: "/etc/motd", Name: "/etc/motd", Func: "file.managed", Root: root, Env: fileEnv(),
		Args: NewArgs(map[string]any{"contents": "hi", "mdoe": 600})}
	if res := callRegistered(t, req); res.Result != False {
		t.Fatalf("result = %s %q; want False", res.Result, res.Comment)
	}
	if _, err := os.Stat(filepath.Join(root, "etc/motd")); !os.IsNotExist(err) {
		t.Errorf("/etc/motd exists after a refused call: %v", err)
	}
}
