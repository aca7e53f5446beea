package ssh

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
