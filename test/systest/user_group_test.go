//go:build systest

package systest

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/testbed"
)

const sysAliceHash = "$6$saltsalt$2tb0v5hhYqB0wVQxrVq0cW1x0C0SXw6kWwS2Qbhu2l7cF5c4n6mE8N6W0y3eJ8M2mH8bK3u9r2z4d1pQ6a7bC/"

// TestUserGroupInContainer applies groups, then users, then memberships
// and removals with brine call --local in a booted Debian, each SLS dry,
// real and again, and checks the result with getent and id: the NSS view
// that every program on the host gets.
func TestUserGroupInContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	run(t, c, "useradd", "-m", "-s", "/bin/sh", "olduser")
	run(t, c, "groupadd", "-g", "4300", "oldgroup")
	tree := map[string]string{
		"groups.sls": `
deploy-group:
  group.present:
    - name: deploy
    - gid: 4100
ops:
  group.present:
    - system: True
`,
		"users.sls": `
alice:
  user.present:
    - uid: 4200
    - fullname: Alice Liddell
    - shell: /bin/bash
    - groups:
      - deploy
    - optional_groups:
      - nosuchgroup
    - password: '` + sysAliceHash + `'
svc:
  user.present:
    - system: True
    - usergroup: False
    - gid: ops
    - home: /var/lib/svc
    - createhome: False
    - shell: /usr/sbin/nologin
`,
		"members.sls": `
ops:
  group.present:
    - addusers:
      - alice
olduser:
  user.absent:
    - purge: True
oldgroup:
  group.absent
alice-shell:
  user.present:
    - name: alice
    - shell: /bin/sh
    - groups:
      - ops
`,
	}
	apply := inContainer(c, tree)
	res := applyChecked(t, apply, "groups")
	if res[0].Comment != "New group deploy created" {
		t.Errorf("group comment = %q", res[0].Comment)
	}
	res = applyChecked(t, apply, "users")
	if res[0].Comment != "New user alice created" || res[0].Changes["password"] != "XXX-REDACTED-XXX" {
		t.Errorf("user result = %q %v", res[0].Comment, res[0].Changes)
	}
	if got := run(t, c, "getent", "passwd", "alice"); got != "alice:x:4200:4200:Alice Liddell:/home/alice:/bin/bash" {
		t.Errorf("getent passwd alice = %q", got)
	}
	if got := run(t, c, "id", "-nG", "alice"); got != "alice deploy" {
		t.Errorf("id -nG alice = %q", got)
	}
	if got := run(t, c, "stat", "-c", "%U %G %a", "/home/alice"); got != "alice alice 755" {
		t.Errorf("home = %q", got)
	}
	if got := run(t, c, "getent", "shadow", "alice"); !strings.HasPrefix(got, "alice:"+sysAliceHash+":") {
		t.Errorf("getent shadow alice = %q", got)
	}
	ops := strings.Split(run(t, c, "getent", "group", "ops"), ":")
	svc := strings.Split(run(t, c, "getent", "passwd", "svc"), ":")
	if len(ops) != 4 || len(svc) != 7 || svc[3] != ops[2] || svc[5] != "/var/lib/svc" || svc[6] != "/usr/sbin/nologin" {
		t.Errorf("svc = %q; ops = %q", svc, ops)
	}
	if uid, err := strconv.Atoi(svc[2]); err != nil || uid >= 1000 {
		t.Errorf("system user svc got uid %s", svc[2])
	}
	if out, err := c.Exec(t.Context(), "test", "-e", "/var/lib/svc"); err == nil {
		t.Errorf("createhome False made /var/lib/svc: %s", out)
	}

	res = applyChecked(t, apply, "members")
	for _, r := range res {
		t.Logf("%s: %s %v", r.Key, r.Comment, r.Changes)
	}
	if got := run(t, c, "id", "-nG", "alice"); got != "alice ops" {
		// groups [ops] drops deploy; ops' addusers had added alice already.
		t.Errorf("id -nG alice = %q", got)
	}
	if got := run(t, c, "getent", "passwd", "alice"); got != "alice:x:4200:4200:Alice Liddell:/home/alice:/bin/sh" {
		t.Errorf("getent passwd alice = %q", got)
	}
	for _, q := range [][]string{{"passwd", "olduser"}, {"group", "olduser"}, {"group", "oldgroup"}} {
		if out, err := c.Exec(t.Context(), "getent", q[0], q[1]); err == nil {
			t.Errorf("getent %s %s still finds %q", q[0], q[1], out)
		}
	}
	if out, err := c.Exec(t.Context(), "test", "-e", "/home/olduser"); err == nil {
		t.Errorf("purge left /home/olduser: %s", out)
	}
}

// TestUserGroupRootFolder applies the same kind of states to an image
// that is not booted, with brine call --local --root: the shadow tools
// chroot into the image, and the host's accounts stay as they were.
func TestUserGroupRootFolder(t *testing.T) {
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	hostPasswd, hostGroup := hostFingerprint("/etc/passwd"), hostFingerprint("/etc/group")
	tree := map[string]string{"accounts.sls": `
deploy:
  group.present:
    - gid: 4100
alice:
  user.present:
    - uid: 4200
    - gid: deploy
    - fullname: Alice Liddell
    - shell: /bin/bash
    - password: '` + sysAliceHash + `'
    - require:
      - group: deploy
`}
	// The dry run of alice cannot see deploy before it exists, as in Salt:
	// make the group first, then check the user in full.
	apply := onFolder(dir, tree)
	for _, r := range apply(t, "accounts", false) {
		if r.Result == nil || !*r.Result || len(r.Changes) == 0 {
			t.Errorf("%s: first run = %v %v %s; want True with changes", r.Key, show(r.Result), r.Changes, r.Comment)
		}
	}
	got := acctRunAll(t, dir)
	if got["passwd"] != "alice:x:4200:4100:Alice Liddell:/home/alice:/bin/bash" || got["group"] != "deploy:x:4100:" ||
		!strings.HasPrefix(got["shadow"], "alice:"+sysAliceHash+":") {
		t.Errorf("image accounts = %q", got)
	}
	if fi, err := os.Stat(filepath.Join(dir, "home/alice")); err != nil || !fi.IsDir() {
		t.Errorf("home in the image: %v", err)
	}
	again := apply(t, "accounts", true)
	for _, r := range again {
		if r.Result == nil || !*r.Result || len(r.Changes) > 0 {
			t.Errorf("%s: dry rerun = %v %v %s; want True with no changes", r.Key, show(r.Result), r.Changes, r.Comment)
		}
	}
	tree["remove.sls"] = `
alice:
  user.absent:
    - purge: True
deploy:
  group.absent:
    - require:
      - user: alice
`
	res := applyChecked(t, onFolder(dir, tree), "remove")
	if res[0].Comment != "Removed user alice" || res[1].Comment != "Removed group deploy" {
		t.Errorf("comments = %q, %q", res[0].Comment, res[1].Comment)
	}
	if run := acctRunAll(t, dir); run["passwd"] != "" || run["group"] != "" {
		t.Errorf("image accounts after removal = %q", run)
	}
	if hostFingerprint("/etc/passwd") != hostPasswd || hostFingerprint("/etc/group") != hostGroup {
		t.Error("the host's passwd or group changed")
	}
}

// acctRunAll returns the image's passwd, group and shadow lines for
// alice and deploy.
func acctRunAll(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for file, name := range map[string]string{"passwd": "alice", "group": "deploy", "shadow": "alice"} {
		b, err := os.ReadFile(filepath.Join(dir, "etc", file))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, name+":") {
				out[file] = l
			}
		}
	}
	return out
}

// TestUserFormulaShapeInContainer applies states in the shape that
// users-formula renders (the user's group, an extra group, then the user
// in both, with ageing) in one SLS. Salt's dry run of it fails, as the
// groups do not exist yet; brine's predicts the real run exactly.
func TestUserFormulaShapeInContainer(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	tree := map[string]string{"users.sls": `
users_deploy_sudo_group:
  group.present:
    - name: sudo-deploy
    - system: True
users_deploy_user:
  group.present:
    - name: deploy
    - gid: 5000
  user.present:
    - name: deploy
    - home: /home/deploy
    - shell: /bin/bash
    - uid: 5000
    - gid: deploy
    - fullname: Deploy Bot
    - createhome: True
    - allow_gid_change: False
    - maxdays: 90
    - remove_groups: False
    - groups:
      - deploy
      - sudo-deploy
    - optional_groups:
      - docker
    - require:
      - group: deploy
      - group: sudo-deploy
`}
	res := applyChecked(t, inContainer(c, tree), "users")
	for _, r := range res {
		t.Logf("%s: %s %v", r.Key, r.Comment, r.Changes)
	}
	if got := run(t, c, "id", "deploy"); !strings.HasPrefix(got, "uid=5000(deploy) gid=5000(deploy) groups=5000(deploy),") || !strings.Contains(got, "(sudo-deploy)") {
		t.Errorf("id deploy = %q", got)
	}
	if got := run(t, c, "chage", "-l", "deploy"); !strings.Contains(got, "Maximum number of days between password change\t\t: 90") {
		t.Errorf("chage -l deploy = %q", got)
	}
}
