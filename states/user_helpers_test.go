package states

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// acctFixture is a small Debian-like account database for an image.
var acctFixture = map[string]string{
	"etc/passwd": `root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bob:x:1000:1000:Bob,,,:/home/bob:/bin/sh
carol:x:1001:1001::/home/carol:/bin/sh
`,
	"etc/group": `root:x:0:
daemon:x:1:
users:x:100:
grp1:x:2000:bob
grp2:x:2001:
bob:x:1000:
carol:x:1001:
`,
	"etc/shadow": `root:*:19000:0:99999:7:::
daemon:*:19000:0:99999:7:::
bob:!:19000:0:99999:7:::
carol:$6$salt$carolhash:19000:0:99999:7:::
`,
	"etc/gshadow": `root:*::
daemon:*::
users:*::
grp1:!::bob
grp2:!::
bob:!::
carol:!::
`,
	"etc/login.defs": `# minimal login.defs
UID_MIN                  1000
UID_MAX                 60000
GID_MIN                  1000
GID_MAX                 60000
USERGROUPS_ENAB yes
ENCRYPT_METHOD SHA512
`,
	"etc/default/useradd": "SHELL=/bin/sh\n",
}

// acctNeedTools stops a test that cannot run the shadow tools for real.
func acctNeedTools(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("account tests run the shadow tools with --root and need root")
	}
	for _, tool := range []string{"useradd", "usermod", "userdel", "groupadd", "groupmod", "groupdel", "gpasswd"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s: %v", tool, err)
		}
	}
}

// acctRoot makes an image folder with the fixture accounts; the shadow
// tools are run on it for real, so the tests need them and root.
func acctRoot(t *testing.T) string {
	t.Helper()
	acctNeedTools(t)
	root := t.TempDir()
	for p, body := range acctFixture {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.Contains(p, "shadow") {
			mode = 0o640
		}
		if err := os.WriteFile(full, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(root, "home/bob"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(root, "home/bob"), 1000, 1000); err != nil {
		t.Fatal(err)
	}
	return root
}

func acctCall(t *testing.T, root, fun, name string, args map[string]any, test bool) Result {
	t.Helper()
	fn, err := Lookup(fun)
	if err != nil {
		t.Fatal(err)
	}
	return fn(context.Background(), fileReq(root, fun, name, fileCopyArgs(args), test))
}

func acctFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{"etc/passwd", "etc/group", "etc/shadow", "etc/gshadow"} {
		b, err := os.ReadFile(filepath.Join(root, p))
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
	}
	return out
}

// normChanges compares changes as they go on the wire.
func normChanges(t *testing.T, m map[string]any) string {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// acctApply runs a state as brine's contract asks: a dry run that changes
// nothing, a real run with the same changes, then a rerun (dry and real)
// with nothing to do. It returns the dry and the real result.
func acctApply(t *testing.T, root, fun, name string, args map[string]any) (dry, real Result) {
	t.Helper()
	before := acctFiles(t, root)
	dry = acctCall(t, root, fun, name, args, true)
	if !reflect.DeepEqual(acctFiles(t, root), before) {
		t.Fatalf("%s %s test=True changed the account files", fun, name)
	}
	real = acctCall(t, root, fun, name, args, false)
	if dry.Result != None || real.Result != True {
		t.Fatalf("%s %s: dry %v %q, real %v %q; want None then True", fun, name, dry.Result, dry.Comment, real.Result, real.Comment)
	}
	if d, r := normChanges(t, dry.Changes), normChanges(t, real.Changes); d != r {
		t.Errorf("%s %s changes: dry run %s; real run %s", fun, name, d, r)
	}
	for _, test := range []bool{true, false} {
		again := acctCall(t, root, fun, name, args, test)
		if again.Result != True || len(again.Changes) != 0 {
			t.Errorf("%s %s rerun (test=%v) = %v %q %v; want True, no changes", fun, name, test, again.Result, again.Comment, again.Changes)
		}
	}
	return dry, real
}

func acctLine(t *testing.T, root, file, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "etc", file))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, name+":") {
			return l
		}
	}
	return ""
}
