package states

import (
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const aliceHash = "$6$rounds=5000$saltsalt$Yj0bq1OeZyXdZl7Qm6RsQ0O4M1yqkzG3mL8W2l6y8x5l0qY0pQk1dXb8S0J8Uq2Tz7Q4W3n3E9r4gZ1m5sV6/."

func TestUserPresentCreate(t *testing.T) {
	root := acctRoot(t)
	args := map[string]any{
		"fullname": "Alice Liddell", "shell": "/bin/bash",
		"groups": []any{"grp1"}, "optional_groups": []any{"nosuch", "grp2"},
		"password": aliceHash,
	}
	dry, real := acctApply(t, root, "user.present", "alice", args)
	if dry.Comment != "User alice set to be added" || real.Comment != "New user alice created" {
		t.Errorf("comments = %q, %q", dry.Comment, real.Comment)
	}
	want := `{"fullname":"Alice Liddell","gid":1002,"groups":["alice","grp1","grp2"],"home":"/home/alice","homephone":"","name":"alice","other":"","passwd":"x","password":"XXX-REDACTED-XXX","roomnumber":"","shell":"/bin/bash","uid":1002,"workphone":""}`
	if got := normChanges(t, real.Changes); got != want {
		t.Errorf("changes = %s\nwant      %s", got, want)
	}
	if got := acctLine(t, root, "passwd", "alice"); got != "alice:x:1002:1002:Alice Liddell:/home/alice:/bin/bash" {
		t.Errorf("passwd line = %q", got)
	}
	if got := acctLine(t, root, "shadow", "alice"); !strings.HasPrefix(got, "alice:"+aliceHash+":") {
		t.Errorf("shadow line = %q", got)
	}
	if got := acctLine(t, root, "group", "grp1"); got != "grp1:x:2000:bob,alice" {
		t.Errorf("group line = %q", got)
	}
	fi, err := os.Stat(filepath.Join(root, "home/alice"))
	if err != nil || !fi.IsDir() || fi.Sys().(*syscall.Stat_t).Uid != 1002 {
		t.Errorf("home: %v %v", fi, err)
	}
}

func TestUserPresentSystemNoHome(t *testing.T) {
	root := acctRoot(t)
	args := map[string]any{"system": true, "usergroup": false, "createhome": false, "home": "/var/lib/svc", "shell": "/usr/sbin/nologin"}
	_, real := acctApply(t, root, "user.present", "svc", args)
	if got := acctLine(t, root, "passwd", "svc"); got != "svc:x:999:100::/var/lib/svc:/usr/sbin/nologin" {
		t.Errorf("passwd line = %q", got)
	}
	if real.Changes["home"] != "" || acctLine(t, root, "group", "svc") != "" {
		t.Errorf("changes %v; group line %q", real.Changes, acctLine(t, root, "group", "svc"))
	}
	if _, err := os.Stat(filepath.Join(root, "var/lib/svc")); !os.IsNotExist(err) {
		t.Errorf("home made with createhome False: %v", err)
	}
}

func TestUserPresentUpdate(t *testing.T) {
	root := acctRoot(t)
	args := map[string]any{"shell": "/bin/bash", "fullname": "Robert", "groups": []any{"grp2"}, "home": "/home/robert", "password": aliceHash}
	dry, real := acctApply(t, root, "user.present", "bob", args)
	wantDry := "The following user attributes are set to be changed:\n" +
		"groups: ['grp2']\nhome: /home/robert\nhomeDoesNotExist: /home/robert\nshell: /bin/bash\npasswd: XXX-REDACTED-XXX\nfullname: Robert\n"
	if dry.Comment != wantDry {
		t.Errorf("dry comment = %q\nwant %q", dry.Comment, wantDry)
	}
	if real.Comment != "Updated user bob" {
		t.Errorf("real comment = %q", real.Comment)
	}
	today := time.Now().Unix() / 86400
	want := `{"fullname":"Robert","groups":["bob","grp2"],"home":"/home/robert","homeDoesNotExist":"/home/robert","lstchg":` + strconv.FormatInt(today, 10) + `,"passwd":"XXX-REDACTED-XXX","shell":"/bin/bash"}`
	if got := normChanges(t, real.Changes); got != want {
		t.Errorf("changes = %s\nwant      %s", got, want)
	}
	if got := acctLine(t, root, "passwd", "bob"); got != "bob:x:1000:1000:Robert:/home/robert:/bin/bash" {
		t.Errorf("passwd line = %q", got)
	}
	if acctLine(t, root, "group", "grp1") != "grp1:x:2000:" || acctLine(t, root, "group", "grp2") != "grp2:x:2001:bob" {
		t.Errorf("groups: %q %q", acctLine(t, root, "group", "grp1"), acctLine(t, root, "group", "grp2"))
	}
	if !fileIsDir(filepath.Join(root, "home/robert")) {
		t.Error("home /home/robert not made")
	}
}

func TestUserPresentGroupsKept(t *testing.T) {
	root := acctRoot(t)
	// remove_groups False only adds; groups unset leaves them alone.
	acctApply(t, root, "user.present", "bob", map[string]any{"groups": []any{"grp2"}, "remove_groups": false})
	if acctLine(t, root, "group", "grp1") != "grp1:x:2000:bob" || acctLine(t, root, "group", "grp2") != "grp2:x:2001:bob" {
		t.Errorf("groups: %q %q", acctLine(t, root, "group", "grp1"), acctLine(t, root, "group", "grp2"))
	}
	r := acctCall(t, root, "user.present", "bob", map[string]any{"shell": "/bin/sh", "uid": "", "gid": nil, "fullname": nil}, false)
	if r.Result != True || r.Comment != "User bob is present and up to date" || len(r.Changes) != 0 {
		t.Errorf("no-op = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	// An empty list removes every supplementary group.
	acctApply(t, root, "user.present", "bob", map[string]any{"groups": []any{}})
	if acctLine(t, root, "group", "grp1") != "grp1:x:2000:" {
		t.Errorf("grp1 = %q", acctLine(t, root, "group", "grp1"))
	}
}

func TestUserPresentIDChange(t *testing.T) {
	root := acctRoot(t)
	r := acctCall(t, root, "user.present", "bob", map[string]any{"uid": 1500, "gid": "grp1"}, true)
	want := "Encountered error checking for needed changes. Additional info follows:\n\n" +
		"- Changing uid (1000 -> 1500) not permitted, set allow_uid_change to True to force this change. Note that this will not change file ownership.\n" +
		"- Changing gid (1000 -> grp1) not permitted, set allow_gid_change to True to force this change. Note that this will not change file ownership."
	if r.Result != False || r.Comment != want {
		t.Errorf("refused change = %v %q", r.Result, r.Comment)
	}
	_, real := acctApply(t, root, "user.present", "bob", map[string]any{"uid": 1500, "gid": "grp1", "allow_uid_change": true, "allow_gid_change": "yes"})
	if got := acctLine(t, root, "passwd", "bob"); got != "bob:x:1500:2000:Bob,,,:/home/bob:/bin/sh" {
		t.Errorf("passwd line = %q", got)
	}
	if normChanges(t, real.Changes) != `{"gid":2000,"uid":1500}` {
		t.Errorf("changes = %v", real.Changes)
	}
}

func TestUserPresentPassword(t *testing.T) {
	root := acctRoot(t)
	// carol has a hash; enforce_password False keeps it.
	r := acctCall(t, root, "user.present", "carol", map[string]any{"password": aliceHash, "enforce_password": false, "createhome": false}, false)
	if r.Result != True || len(r.Changes) != 0 {
		t.Errorf("enforce_password False = %v %q %v", r.Result, r.Comment, r.Changes)
	}
	acctApply(t, root, "user.present", "carol", map[string]any{"empty_password": true, "createhome": false})
	if got := acctLine(t, root, "shadow", "carol"); !strings.HasPrefix(got, "carol::") {
		t.Errorf("shadow line = %q", got)
	}
	// carol's home does not exist: createhome makes it, owned by her.
	dry, _ := acctApply(t, root, "user.present", "carol", map[string]any{})
	if dry.Comment != "The following user attributes are set to be changed:\nhomeDoesNotExist: /home/carol\n" {
		t.Errorf("dry comment = %q", dry.Comment)
	}
	if normChanges(t, dry.Changes) != `{"homeDoesNotExist":"/home/carol"}` {
		t.Errorf("changes = %v", dry.Changes)
	}
	fi, err := os.Stat(filepath.Join(root, "home/carol"))
	if err != nil || fi.Sys().(*syscall.Stat_t).Uid != 1001 {
		t.Errorf("home: %v %v", fi, err)
	}
}

func TestUserPresentBadArgs(t *testing.T) {
	root := acctRoot(t)
	for _, tc := range []struct {
		args map[string]any
		want string
	}{
		{map[string]any{"home": "rel/home"}, `argument "home"`},
		{map[string]any{"uid": "abc"}, `argument "uid"`},
		{map[string]any{"gid": "nosuch"}, `argument "gid": group nosuch does not exist`},
		{map[string]any{"gid": 5555}, `argument "gid": group 5555 does not exist`},
		{map[string]any{"groups": []any{"grp1", "nosuch", "nope"}}, "The following group(s) are not present: nosuch,nope"},
		{map[string]any{"fullname": "Doe, John"}, "Unsupported char ',' in Doe, John"},
		{map[string]any{"shell": "/bin/sh:x"}, `argument "shell"`},
		{map[string]any{"createhome": "maybe"}, `argument "createhome"`},
		{map[string]any{"groups": map[string]any{"a": 1}}, `argument "groups"`},
	} {
		for _, test := range []bool{true, false} {
			r := acctCall(t, root, "user.present", "dave", tc.args, test)
			if r.Result != False || !strings.Contains(r.Comment, tc.want) {
				t.Errorf("user.present %v (test=%v) = %v %q; want False, %q", tc.args, test, r.Result, r.Comment, tc.want)
			}
		}
	}
	if r := acctCall(t, root, "user.present", "bad:name", nil, true); r.Result != False || !strings.Contains(r.Comment, `argument "name"`) {
		t.Errorf("bad name = %v %q", r.Result, r.Comment)
	}
	if acctLine(t, root, "passwd", "dave") != "" {
		t.Error("a failed call made the user")
	}
}

func TestUserAbsent(t *testing.T) {
	root := acctRoot(t)
	dry, real := acctApply(t, root, "user.absent", "bob", map[string]any{"purge": true})
	if dry.Comment != "User bob set for removal" || real.Comment != "Removed user bob" {
		t.Errorf("comments = %q, %q", dry.Comment, real.Comment)
	}
	if normChanges(t, real.Changes) != `{"bob":"removed","bob group":"removed"}` {
		t.Errorf("changes = %v", real.Changes)
	}
	if acctLine(t, root, "passwd", "bob") != "" || acctLine(t, root, "group", "bob") != "" || acctLine(t, root, "group", "grp1") != "grp1:x:2000:" {
		t.Error("bob, his group or his membership is still there")
	}
	if _, err := os.Stat(filepath.Join(root, "home/bob")); !os.IsNotExist(err) {
		t.Errorf("purge left the home: %v", err)
	}
	r := acctCall(t, root, "user.absent", "bob", nil, false)
	if r.Result != True || r.Comment != "User bob is not present" {
		t.Errorf("absent again = %v %q", r.Result, r.Comment)
	}
	// carol's group has another member: userdel keeps it, and so does the report.
	if r := acctCall(t, root, "group.present", "carol", map[string]any{"addusers": []any{"daemon"}}, false); r.Result != True {
		t.Fatalf("group.present carol = %v %q", r.Result, r.Comment)
	}
	_, real = acctApply(t, root, "user.absent", "carol", nil)
	if normChanges(t, real.Changes) != `{"carol":"removed"}` {
		t.Errorf("changes = %v", real.Changes)
	}
}

func TestFreeID(t *testing.T) {
	for _, tc := range []struct {
		used       []int
		lo, hi     int
		system     bool
		want       int
		wantFailed bool
	}{
		{nil, 1000, 60000, false, 1000, false},
		{[]int{0, 1000, 1001, 65534}, 1000, 60000, false, 1002, false},
		{[]int{1000, 1005}, 1000, 60000, false, 1006, false},
		{[]int{1000, 1002}, 1000, 1002, false, 1001, false},
		{[]int{1000, 1001}, 1000, 1001, false, 0, true},
		{[]int{999, 998}, 100, 999, true, 997, false},
		{nil, 100, 999, true, 999, false},
	} {
		used := map[int]bool{}
		for _, u := range tc.used {
			used[u] = true
		}
		got, err := freeID(used, tc.lo, tc.hi, tc.system)
		if (err != nil) != tc.wantFailed || got != tc.want {
			t.Errorf("freeID(%v, %d, %d, %v) = %d, %v; want %d", tc.used, tc.lo, tc.hi, tc.system, got, err, tc.want)
		}
	}
}

func TestParseShadow(t *testing.T) {
	got := parseShadow([]byte("# c\nroot:*:19000:0:99999:7:::\nbad\nbob::20000::::::\n"))
	if len(got) != 2 || got["root"].Passwd != "*" || got["root"].Age != [ageFields]int{19000, 0, 99999, 7, -1, -1} || got["bob"].Passwd != "" {
		t.Errorf("parseShadow = %v", got)
	}
	kv := parseKeyValues([]byte("# x\nUID_MIN\t 1000\nSHELL=/bin/bash\nHOME=\"/home\"\n"))
	if kv["UID_MIN"] != "1000" || kv["SHELL"] != "/bin/bash" || kv["HOME"] != "/home" {
		t.Errorf("parseKeyValues = %v", kv)
	}
}

// TestAccountsDryRunPlans runs a users-formula shape twice, dry then for
// real, each with one run cache: the dry run sees the groups and users
// its earlier states would make, and promises the ids the real run gives.
func TestAccountsDryRunPlans(t *testing.T) {
	root := acctRoot(t)
	steps := []struct {
		fun, name string
		args      map[string]any
	}{
		{"group.present", "web", map[string]any{"gid": nil, "members": nil}},
		{"group.present", "dave", map[string]any{"gid": 1700}},
		{"user.present", "dave", map[string]any{"uid": 1700, "gid": "dave", "groups": []any{"dave", "web"}, "remove_groups": false, "password": aliceHash}},
		{"user.present", "erin", map[string]any{"groups": []any{"web"}}},
		{"user.present", "erin", map[string]any{"shell": "/bin/bash"}},
		{"group.present", "web", map[string]any{"addusers": []any{"dave"}}},
	}
	run := func(test bool) []Result {
		env := fileEnv()
		env.Cache = &RunCache{}
		var out []Result
		for _, s := range steps {
			fn, err := Lookup(s.fun)
			if err != nil {
				t.Fatal(err)
			}
			req := &Request{ID: s.name, Name: s.name, Func: s.fun, Args: NewArgs(fileCopyArgs(s.args)), Test: test, Root: root, Env: env}
			out = append(out, fn(t.Context(), req))
		}
		return out
	}
	before := acctFiles(t, root)
	dry := run(true)
	if !reflect.DeepEqual(acctFiles(t, root), before) {
		t.Fatal("the dry run changed the account files")
	}
	real := run(false)
	for i, s := range steps {
		d, r := dry[i], real[i]
		t.Logf("%s %s: dry %v %q %v; real %v %q %v", s.fun, s.name, d.Result, d.Comment, d.Changes, r.Result, r.Comment, r.Changes)
		if r.Result != True {
			t.Errorf("%s %s real = %v %q", s.fun, s.name, r.Result, r.Comment)
		}
		if wantDry := map[bool]Outcome{true: None, false: True}[len(r.Changes) > 0]; d.Result != wantDry {
			t.Errorf("%s %s dry = %v %q; want %v", s.fun, s.name, d.Result, d.Comment, wantDry)
		}
		if dc, rc := normChanges(t, d.Changes), normChanges(t, r.Changes); dc != rc {
			t.Errorf("%s %s changes: dry %s; real %s", s.fun, s.name, dc, rc)
		}
	}
	if got := acctLine(t, root, "passwd", "erin"); got != "erin:x:1701:1701::/home/erin:/bin/bash" {
		t.Errorf("erin = %q", got)
	}
}

func TestUserPresentAgeing(t *testing.T) {
	root := acctRoot(t)
	args := map[string]any{"mindays": 1, "maxdays": 90, "warndays": 14, "inactdays": 30, "expire": 20500, "date": 19500}
	dry, real := acctApply(t, root, "user.present", "bob", args)
	wantDry := "The following user attributes are set to be changed:\n" +
		"date: 19500\nmindays: 1\nmaxdays: 90\ninactdays: 30\nwarndays: 14\nexpire: 20500\n"
	if dry.Comment != wantDry {
		t.Errorf("dry comment = %q", dry.Comment)
	}
	if got := normChanges(t, real.Changes); got != `{"expire":20500,"inact":30,"lstchg":19500,"max":90,"min":1,"warn":14}` {
		t.Errorf("changes = %s", got)
	}
	if got := acctLine(t, root, "shadow", "bob"); got != "bob:!:19500:1:90:14:30:20500:" {
		t.Errorf("shadow line = %q", got)
	}
	// A new user: Salt reports each argument by its own name.
	_, real = acctApply(t, root, "user.present", "frank", map[string]any{"maxdays": 60, "mindays": 0, "expire": -1})
	if real.Changes["maxdays"] != 60 || real.Changes["expire"] != -1 || real.Changes["mindays"] != nil {
		t.Errorf("changes = %v", real.Changes)
	}
	if got := acctLine(t, root, "shadow", "frank"); !strings.Contains(got, ":60:") {
		t.Errorf("shadow line = %q", got)
	}
	if r := acctCall(t, root, "user.present", "bob", map[string]any{"maxdays": -5}, true); r.Result != False || !strings.Contains(r.Comment, `argument "maxdays"`) {
		t.Errorf("bad maxdays = %v %q", r.Result, r.Comment)
	}
}

func TestUserPresentHashPassword(t *testing.T) {
	root := acctRoot(t)
	args := map[string]any{"password": "s3cret", "hash_password": true, "nologinit": true}
	acctApply(t, root, "user.present", "gina", args)
	line := acctLine(t, root, "shadow", "gina")
	f := strings.Split(line, ":")
	_, salt, ok := sha512Params(f[1])
	if !ok || sha512Crypt("s3cret", salt, 0) != f[1] {
		t.Fatalf("shadow line = %q", line)
	}
	// A new password reuses the stored salt, and its rerun changes nothing.
	acctApply(t, root, "user.present", "gina", map[string]any{"password": "n3w", "hash_password": true})
	if got := strings.Split(acctLine(t, root, "shadow", "gina"), ":")[1]; got != sha512Crypt("n3w", salt, 0) {
		t.Errorf("new hash = %q", got)
	}
}

// TestAccountsRootEscape: the account files brine reads itself, and the
// home it makes itself, stay inside --root; what the shadow tools make
// they make chrooted into the image.
func TestAccountsRootEscape(t *testing.T) {
	acctNeedTools(t)
	call := func(fun, name string, args map[string]any) func(string) Result {
		return func(root string) Result { return acctCall(t, root, fun, name, args, false) }
	}
	with := func(edit map[string]string, drop ...string) map[string]string {
		out := map[string]string{}
		for k, v := range acctFixture {
			out[k] = v
		}
		for k, v := range edit {
			out[k] = v
		}
		for _, k := range drop {
			delete(out, k)
		}
		return out
	}
	carolOut := strings.Replace(acctFixture["etc/passwd"], "/home/carol", "/../../../outside/carol", 1)
	escapeRun(t, []escapeCase{
		{name: "home argument climbs out", files: acctFixture, run: call("user.present", "dave", map[string]any{"home": "/../../../outside/dave"}), arg: "home"},
		{name: "home argument climbs out under an existing user", files: acctFixture, run: call("user.present", "carol", map[string]any{"home": "/home/../../carol"}), arg: "home"},
		{name: "passwd home links out", files: acctFixture, links: map[string]string{"home": "$REL"}, run: call("user.present", "carol", nil), fails: `"/home/carol" resolves outside the root`},
		{name: "passwd home climbs out", files: with(map[string]string{"etc/passwd": carolOut}), run: call("user.present", "carol", nil), fails: "resolves outside the root"},
		{name: "shadow links out", files: with(nil, "etc/shadow"), links: map[string]string{"etc/shadow": "$REL/keep"}, run: call("user.present", "carol", nil), fails: `"/etc/shadow" resolves outside the root`},
		{name: "group links out", files: with(nil, "etc/group"), links: map[string]string{"etc/group": "$REL/keep"}, run: call("group.present", "web", nil), fails: `"/etc/group" resolves outside the root`},
		{name: "login.defs links out", files: with(nil, "etc/login.defs"), links: map[string]string{"etc/login.defs": "$REL/keep"}, run: call("group.absent", "grp2", nil), fails: `"/etc/login.defs" resolves outside the root`},
		{name: "absolute link stays in", files: with(map[string]string{"$OUT/.keep": ""}), links: map[string]string{"home": "$OUT"}, run: call("user.present", "carol", nil), inside: "$OUT/carol"},
		{name: "plain image", files: with(map[string]string{"home/.keep": ""}), run: call("user.present", "carol", nil), inside: "/home/carol"},
	})
}

// TestUserPresentOwnGroupExists: a new user listed in an existing group of
// its own name gets it as primary group (Salt's user.add passes -g NAME
// under USERGROUPS_ENAB), where useradd alone would refuse.
func TestUserPresentOwnGroupExists(t *testing.T) {
	for _, tc := range []struct {
		args     map[string]any
		wantLine string
	}{
		{map[string]any{"groups": []any{"erin"}}, "erin:x:1002:3000::/home/erin:/bin/sh"},
		{map[string]any{"optional_groups": []any{"erin", "nosuch"}, "usergroup": false}, "erin:x:1002:3000::/home/erin:/bin/sh"},
	} {
		root := acctRoot(t)
		if r := acctCall(t, root, "group.present", "erin", map[string]any{"gid": 3000}, false); r.Result != True {
			t.Fatalf("group.present erin = %v %q", r.Result, r.Comment)
		}
		dry, real := acctApply(t, root, "user.present", "erin", tc.args)
		if dry.Comment != "User erin set to be added" || real.Comment != "New user erin created" {
			t.Errorf("%v comments = %q, %q", tc.args, dry.Comment, real.Comment)
		}
		if got := acctLine(t, root, "passwd", "erin"); got != tc.wantLine {
			t.Errorf("%v passwd line = %q; want %q", tc.args, got, tc.wantLine)
		}
		if real.Changes["gid"] != 3000 || normChanges(t, map[string]any{"g": real.Changes["groups"]}) != `{"g":["erin"]}` {
			t.Errorf("%v changes = %v", tc.args, real.Changes)
		}
	}
	// usergroup True asks useradd for a new group of that name: it fails.
	root := acctRoot(t)
	acctCall(t, root, "group.present", "erin", nil, false)
	r := acctCall(t, root, "user.present", "erin", map[string]any{"groups": []any{"erin"}, "usergroup": true}, false)
	if r.Result != False || !strings.HasPrefix(r.Comment, "Failed to create new user erin") {
		t.Errorf("usergroup True = %v %q", r.Result, r.Comment)
	}
}
