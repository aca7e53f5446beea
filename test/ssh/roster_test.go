package ssh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/harness"
	"github.com/brine-cm/brine/test/sshd"
)

// TestSaltRosterKeys reaches hosts through Salt's roster keys: a key
// with a passphrase (priv_passwd) offered alone (identities_only), the
// port and jump host as ssh_options, tty read, and sudo_user: brine
// runs as that user under sudo.
func TestSaltRosterKeys(t *testing.T) {
	e := newEnv(t)
	locked := filepath.Join(e.dir, "id_locked")
	if out, errout, code := runCmd(t, "ssh-keygen", "-q", "-t", "ed25519", "-N", "s3cret pass", "-C", "locked", "-f", locked); code != 0 {
		t.Fatalf("ssh-keygen: %s%s", out, errout)
	}
	pub, err := os.ReadFile(locked + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	s := e.server(sshd.Options{ClientKeys: []string{strings.TrimSpace(string(pub))}, Users: []sshd.User{
		{Name: "brinenopw", UID: 4243, Sudo: "nopasswd"},
		{Name: "brineother", UID: 4244},
	}})
	jump := e.server(sshd.Options{})
	e.host("bastion", jump, "")
	e.hostYAML("locked", "  host: 127.0.0.1\n  user: root\n  priv: "+locked+"\n  priv_passwd: s3cret pass\n  identities_only: True\n  tty: True\n"+
		"  thin_dir: "+e.thin("locked")+"\n  ssh_options:\n    - Port="+itoa(s.Port)+"\n    - ProxyJump=bastion\n")
	// A cache dir the sudo user can make: under a directory all may
	// write to, as /var/tmp.
	shared, err := os.MkdirTemp("/tmp", "brine-ssh-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	if err := os.Chmod(shared, 0o1777); err != nil {
		t.Fatal(err)
	}
	e.hostYAML("asother", "  host: 127.0.0.1\n  port: "+itoa(s.Port)+"\n  user: brinenopw\n  priv: "+e.key+"\n  sudo: True\n  sudo_user: brineother\n  thin_dir: "+filepath.Join(shared, "thin")+"\n")
	out, errout, code := e.brine("-L", "locked,asother", "cmd.run", "id -un", "cwd=/")
	if code != 0 || strings.TrimSpace(hostBlock(out, "locked")) != "root" || strings.TrimSpace(hostBlock(out, "asother")) != "brineother" {
		t.Fatalf("exit %d\n%s\n%s", code, out, errout)
	}
	// --user and --sudo are the values of the entries that set none.
	e.hostYAML("nouser", "  host: 127.0.0.1\n  port: "+itoa(s.Port)+"\n  priv: "+e.key+"\n  thin_dir: "+filepath.Join(shared, "thin-nouser")+"\n")
	out, errout, code = e.brine("--user", "brinenopw", "-L", "nouser,locked", "cmd.run", "id -un", "cwd=/")
	if code != 0 || strings.TrimSpace(hostBlock(out, "nouser")) != "brinenopw" || strings.TrimSpace(hostBlock(out, "locked")) != "root" {
		t.Errorf("--user: exit %d\n%s\n%s", code, out, errout)
	}
	e.hostYAML("nouser", "  host: 127.0.0.1\n  port: "+itoa(s.Port)+"\n  priv: "+e.key+"\n  thin_dir: "+filepath.Join(shared, "thin-nouser-sudo")+"\n")
	out, errout, code = e.brine("--user", "brinenopw", "--sudo", "nouser", "cmd.run", "id -un", "cwd=/")
	if code != 0 || strings.TrimSpace(hostBlock(out, "nouser")) != "root" {
		t.Errorf("--user --sudo: exit %d\n%s\n%s", code, out, errout)
	}
	// identities_only: the env's own key (the default one, in HOME) is
	// not offered, so a host that takes only it refuses the login.
	e.hostYAML("onlylocked", "  host: 127.0.0.1\n  port: "+itoa(jump.Port)+"\n  priv: "+locked+"\n  priv_passwd: s3cret pass\n  identities_only: True\n")
	copyFile(t, e.key, filepath.Join(e.dir, ".ssh", "id_ed25519"))
	out, _, code = e.brine("onlylocked", "test.ping")
	if code != 20 || !strings.Contains(hostBlock(out, "onlylocked"), "Permission denied (publickey)") {
		t.Errorf("identities_only: exit %d\n%s", code, out)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestRosterGrains lays an entry's grains over minion_opts' and the
// collected ones, as Salt's Single.run_wfunc lays the target's grains.
func TestRosterGrains(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{})
	e.host("web1", s, "  minion_opts:\n    grains: {role: web, tier: front}\n  grains:\n    role: db\n")
	out, errout, code := e.brine("--out", "json", "web1", "grains.item", "role", "tier")
	if code != 0 || !strings.Contains(out, `"role": "db"`) || !strings.Contains(out, `"tier": "front"`) {
		t.Errorf("exit %d\n%s\n%s", code, out, errout)
	}
}

// TestKeyDeploy logs in with the roster's password, and with
// --key-deploy leaves the operator's key in the login's authorized_keys:
// the next run needs no password, as after salt-ssh --key-deploy.
func TestKeyDeploy(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{Password: true, HomeKeys: true, Users: []sshd.User{{Name: "brinesudo", UID: 4242, PasswdHash: sshd.PasswdHash}}})
	key := filepath.Join(e.dir, "id_deploy")
	if _, err := sshd.Keygen(key); err != nil {
		t.Fatal(err)
	}
	shared, err := os.MkdirTemp("/tmp", "brine-ssh-shared-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(shared) })
	if err := os.Chmod(shared, 0o1777); err != nil {
		t.Fatal(err)
	}
	entry := "  host: 127.0.0.1\n  port: " + itoa(s.Port) + "\n  user: brinesudo\n  priv: " + key + "\n  identities_only: True\n  thin_dir: " + filepath.Join(shared, "thin") + "\n"
	e.hostYAML("web1", entry)
	if out, _, code := e.brine("web1", "test.ping"); code != 20 {
		t.Fatalf("with neither the key nor a password: exit %d\n%s", code, out)
	}
	e.hostYAML("web1", entry+"  passwd: "+sshd.TestPassword+"\n")
	if out, errout, code := e.brine("--key-deploy", "web1", "test.ping"); code != 0 || out != "web1:\n    True\n" {
		t.Fatalf("--key-deploy: exit %d\n%s\n%s", code, out, errout)
	}
	e.hostYAML("web1", entry)
	if out, errout, code := e.brine("web1", "test.ping"); code != 0 || out != "web1:\n    True\n" {
		t.Errorf("after --key-deploy, the key alone: exit %d\n%s\n%s", code, out, errout)
	}
	// A second deploy leaves one line.
	e.hostYAML("web1", entry+"  passwd: "+sshd.TestPassword+"\n")
	if _, _, code := e.brine("--key-deploy", "web1", "test.ping"); code != 0 {
		t.Fatalf("second --key-deploy: exit %d", code)
	}
	b, err := os.ReadFile(filepath.Join(s.Dir, "home-brinesudo", ".ssh", "authorized_keys"))
	if err != nil || strings.Count(string(b), "\n") != 1 {
		t.Errorf("authorized_keys: %q, %v; want the key's one line", b, err)
	}
}

// TestConfigGetReadsPillar: config.get is one of Salt's ssh wrappers, and
// reads the pillar rendered on the operator's side.
func TestConfigGetReadsPillar(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{})
	e.host("web1", s, "")
	pillar := filepath.Join(e.dir, "pillar")
	harness.WriteTree(t, pillar, "-- top.sls --\nbase:\n  '*':\n    - p\n-- p.sls --\napp:\n  port: 8080\n")
	out, errout, code := e.brine("--pillar-root", pillar, "web1", "config.get", "app:port")
	if code != 0 || out != "web1:\n    8080\n" {
		t.Errorf("config.get app:port: exit %d\n%s\n%s", code, out, errout)
	}
}
