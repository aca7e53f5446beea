package ssh

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/brine-cm/brine/test/harness"
	"github.com/brine-cm/brine/test/sshd"
)

// hostBlock is one host's block of nested output.
func hostBlock(out, id string) string {
	i := strings.Index(out, id+":\n")
	if i < 0 {
		return ""
	}
	rest := out[i+len(id)+2:]
	if j := regexp.MustCompile(`(?m)^\S`).FindStringIndex(rest); j != nil {
		rest = rest[:j[0]]
	}
	return rest
}

// TestHostFailuresAreReportedPerHost runs one ping over five hosts: one
// answers, and each of the others fails its own way. Each is reported
// with why, the good one returns, and the exit status says some failed.
func TestHostFailuresAreReportedPerHost(t *testing.T) {
	e := newEnv(t)
	good := e.server(sshd.Options{})
	e.host("good", good, "")

	// A host whose key is not the one on file.
	mismatch := e.server(sshd.Options{})
	e.host("mismatch", mismatch, "")
	known, _ := os.ReadFile(e.known)
	other, err := sshd.Keygen(filepath.Join(e.dir, "other_host"))
	if err != nil {
		t.Fatal(err)
	}
	otherKey := other[:strings.LastIndex(other, " ")]
	harness.WriteFile(t, e.known, strings.ReplaceAll(string(known), mismatch.HostKey, otherKey))

	// A host that does not take the key offered.
	wrong := e.server(sshd.Options{})
	wrongKey := filepath.Join(e.dir, "wrong_key")
	if _, err := sshd.Keygen(wrongKey); err != nil {
		t.Fatal(err)
	}
	e.host("wrongkey", wrong, "")
	e.roster["wrongkey"] = strings.Replace(e.roster["wrongkey"], "priv: "+e.key, "priv: "+wrongKey, 1)

	// A host nothing listens for.
	downPort := itoa(harness.FreePort(t))
	e.hostYAML("down", "  host: 127.0.0.1\n  port: "+downPort+"\n  priv: "+e.key+"\n  timeout: 5\n")

	// A host known_hosts does not list.
	unknown := e.server(sshd.Options{})
	e.host("unknown", unknown, "")
	known, _ = os.ReadFile(e.known)
	harness.WriteFile(t, e.known, strings.ReplaceAll(string(known), unknown.KnownHostsLine()+"\n", ""))

	out, errout, code := e.brine("--max-procs", "3", "*", "test.ping")
	if code != 20 {
		t.Fatalf("exit %d; want 20 (salt-ssh's EX_AGGREGATE: some hosts did not run)\n%s\n%s", code, out, errout)
	}
	// ssh's own line is the host's whole return, as salt-ssh prints it.
	if b, want := hostBlock(out, "down"), "    ssh: connect to host 127.0.0.1 port "+downPort+": Connection refused\n"; b != want {
		t.Errorf("down: %q; want %q\n%s", b, want, out)
	}
	if b := hostBlock(out, "good"); strings.TrimSpace(b) != "True" {
		t.Errorf("good: %q; want True\n%s", b, out)
	}
	mfp := fingerprint(t, mismatch.HostKey)
	ofp := fingerprint(t, otherKey)
	for id, want := range map[string][]string{
		"mismatch": {"retcode:\n        255\n    stderr:\n        host key mismatch", mfp, ofp, "Host key verification failed.\n    stdout:"},
		"wrongkey": {"retcode:\n        255\n    stderr:\n        root@127.0.0.1: Permission denied (publickey).\n    stdout:"},
		"unknown": {"retcode:\n        254\n    stderr:\n    stdout:\n        The host key needs to be accepted, to auto accept run brine ssh with the -i flag:",
			"ED25519 key fingerprint is " + fingerprint(t, unknown.HostKey) + ".", e.known},
	} {
		b := strings.Join(strings.Fields(hostBlock(out, id)), " ")
		for _, w := range want {
			if !strings.Contains(b, strings.Join(strings.Fields(w), " ")) {
				t.Errorf("%s: output lacks %q:\n%s", id, w, hostBlock(out, id))
			}
		}
	}
	// Trust on first use (-i, salt-ssh's flag) takes the unknown host, and writes its key;
	// it never takes a changed one.
	out, errout, code = e.brine("-i", "-L", "unknown,mismatch", "test.ping")
	if code != 20 || strings.TrimSpace(hostBlock(out, "unknown")) != "True" || !strings.Contains(hostBlock(out, "mismatch"), "host key mismatch") {
		t.Fatalf("--accept-new-host-keys: exit %d\n%s\n%s", code, out, errout)
	}
	if known, _ := os.ReadFile(e.known); !strings.Contains(string(known), unknown.KnownHostsLine()) {
		t.Errorf("known_hosts did not get the new host's key:\n%s", known)
	}
	if _, _, code = e.brine("unknown", "test.ping"); code != 0 {
		t.Errorf("the host, once known, is refused: exit %d", code)
	}
}

// fingerprint is ssh-keygen's SHA256 fingerprint of a public key.
func fingerprint(t *testing.T, key string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "k.pub")
	harness.WriteFile(t, p, key+"\n")
	out, _, code := runCmd(t, "ssh-keygen", "-l", "-E", "sha256", "-f", p)
	if code != 0 {
		t.Fatalf("ssh-keygen -l: %s", out)
	}
	return strings.Fields(out)[1]
}

// TestSudo runs as two users that are not root, with sudo: one whose
// sudo asks for the password the roster gives, one whose sudo asks for
// none. Both run as root on the host; a wrong password is refused.
func TestSudo(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{Users: []sshd.User{
		{Name: "brinesudo", UID: 4242, PasswdHash: sshd.PasswdHash, Sudo: "password"},
		{Name: "brinenopw", UID: 4243, Sudo: "nopasswd"},
	}})
	e.host("withpw", s, "  sudo: True\n  passwd: "+sshd.TestPassword+"\n")
	e.roster["withpw"] = strings.Replace(e.roster["withpw"], "user: root", "user: brinesudo", 1)
	e.host("nopw", s, "  sudo: True\n")
	e.roster["nopw"] = strings.Replace(e.roster["nopw"], "user: root", "user: brinenopw", 1)
	e.host("badpw", s, "  sudo: True\n  passwd: not-the-password\n")
	e.roster["badpw"] = strings.Replace(e.roster["badpw"], "user: root", "user: brinesudo", 1)
	out, errout, code := e.brine("-L", "withpw,nopw", "cmd.run", "id -u")
	if code != 0 || strings.TrimSpace(hostBlock(out, "withpw")) != "0" || strings.TrimSpace(hostBlock(out, "nopw")) != "0" {
		t.Fatalf("cmd.run 'id -u' under sudo: exit %d\n%s\n%s", code, out, errout)
	}
	// The cache dir is root's, made through sudo (in a dir the users
	// cannot even enter).
	for _, id := range []string{"withpw", "nopw"} {
		fi, err := os.Stat(e.thin(id))
		if err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 {
			t.Errorf("%s: cache dir %s: %v; want root's", id, e.thin(id), err)
		}
	}
	// As salt-ssh: a password that does not pass is 254 (Shell._run_cmd's
	// "Password authentication failed"); a sudo that wants a password the
	// roster does not give fails on the host, with sudo's exit status.
	e.host("needpw", s, "  sudo: True\n")
	e.roster["needpw"] = strings.Replace(e.roster["needpw"], "user: root", "user: brinesudo", 1)
	out, errout, code = e.brine("-L", "badpw,needpw", "test.ping")
	if b := strings.Join(strings.Fields(hostBlock(out, "badpw")), " "); code != 20 ||
		!strings.HasPrefix(b, "---------- retcode: 254 stderr: Password authentication failed sudo as brinesudo refused") {
		t.Fatalf("a wrong sudo password: exit %d\n%s\n%s", code, out, errout)
	}
	if b := strings.Join(strings.Fields(hostBlock(out, "needpw")), " "); !strings.HasPrefix(b, "---------- retcode: 1 stderr:") || !strings.Contains(b, "sudo: a password is required") {
		t.Errorf("sudo wanting a password: %s", hostBlock(out, "needpw"))
	}
}

// TestJumpHost reaches a host through another (proxy_jump naming a
// roster id); the jump host's sshd logs the forwarding.
func TestJumpHost(t *testing.T) {
	e := newEnv(t)
	jump := e.server(sshd.Options{Debug: true})
	target := e.server(sshd.Options{})
	e.host("bastion", jump, "")
	e.host("inner", target, "  proxy_jump: bastion\n")
	out, errout, code := e.brine("inner", "test.ping")
	if code != 0 || out != "inner:\n    True\n" {
		t.Fatalf("test.ping through the jump host: exit %d\n%s\n%s", code, out, errout)
	}
	if !regexp.MustCompile(`server_request_direct_tcpip: .*target 127\.0\.0\.1 port ` + itoa(target.Port)).MatchString(jump.LogText()) {
		t.Errorf("the jump host did not forward to the target:\n%s", harness.Tail(jump.LogText(), 3000))
	}
	// A jump host that is down: its own line alone, as ssh -J prints it
	// and salt-ssh shows it.
	deadPort := itoa(harness.FreePort(t))
	e.hostYAML("deadjump", "  host: 127.0.0.1\n  port: "+deadPort+"\n  priv: "+e.key+"\n")
	e.host("behind", target, "  proxy_jump: deadjump\n")
	out, errout, code = e.brine("behind", "test.ping")
	if want := "behind:\n    ssh: connect to host 127.0.0.1 port " + deadPort + ": Connection refused\n"; code != 20 || out != want {
		t.Errorf("through a jump host that is down: exit %d\n%s\nwant\n%s\n%s", code, out, want, errout)
	}
}

// TestHandshakeClosed reaches a port that takes the connection and
// closes it: OpenSSH's words are not "ssh: …", so salt-ssh shows them
// with retcode 255, as any stderr.
func TestHandshakeClosed(t *testing.T) {
	e := newEnv(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := l.Addr().(*net.TCPAddr).Port
	e.hostYAML("closer", "  host: 127.0.0.1\n  port: "+itoa(port)+"\n  priv: "+e.key+"\n  timeout: 5\n")
	out, errout, code := e.brine("closer", "test.ping")
	b := strings.Join(strings.Fields(hostBlock(out, "closer")), " ")
	if code != 20 || !strings.HasPrefix(b, "---------- retcode: 255 stderr: Connection closed by 127.0.0.1 port "+itoa(port)) {
		t.Errorf("exit %d\n%s\n%s", code, out, errout)
	}
}
