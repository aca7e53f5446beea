package states

import (
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/brine-cm/brine/test/sshd"
)

// ssh_known_hosts.present with a fingerprint fetches the host's keys with
// ssh-keyscan: here from a real sshd on loopback.
func TestSSHKnownHostsKeyscan(t *testing.T) {
	for _, tool := range []string{"/usr/sbin/sshd", "ssh-keyscan", "ssh-keygen"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("sshd needs root")
	}
	srv, err := sshd.Start(sshd.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	f := strings.Fields(srv.HostKey)
	fp, _, _ := sshKHFingerprint(f[1], "")
	root := fileTestRoot(t)
	host := "[127.0.0.1]:" + strconv.Itoa(srv.Port)
	args := map[string]any{"port": srv.Port, "hash_known_hosts": false, "fingerprint": fp}

	dry := fileCall(t, root, "ssh_known_hosts.present", "127.0.0.1", args, true)
	if dry.Result != None || dry.Comment != "Key for 127.0.0.1 is set to be added to /etc/ssh/ssh_known_hosts" {
		t.Errorf("dry run = %v %q", dry.Result, dry.Comment)
	}
	got := fileCall(t, root, "ssh_known_hosts.present", "127.0.0.1", args, false)
	want := map[string]any{"old": nil, "new": []any{map[string]any{"hostname": host, "enc": f[0], "key": f[1], "fingerprint": fp}}}
	if got.Result != True || got.Comment != "127.0.0.1's key saved to /etc/ssh/ssh_known_hosts (fingerprint: "+fp+")" || !reflect.DeepEqual(got.Changes, want) {
		t.Errorf("real run = %v %q %#v; want changes %#v", got.Result, got.Comment, got.Changes, want)
	}
	if b := iniRootFile(t, root, "etc/ssh/ssh_known_hosts"); b != host+" "+srv.HostKey+"\n" {
		t.Errorf("file = %q", b)
	}
	again := fileCall(t, root, "ssh_known_hosts.present", "127.0.0.1", args, false)
	if again.Result != True || again.Comment != "127.0.0.1 already exists in /etc/ssh/ssh_known_hosts" || len(again.Changes) != 0 {
		t.Errorf("rerun = %v %q %#v", again.Result, again.Comment, again.Changes)
	}
	args["fingerprint"] = strings.Repeat("00:", 31) + "00"
	bad := fileCall(t, root, "ssh_known_hosts.present", "127.0.0.1", args, false)
	if bad.Result != False || bad.Comment != "Remote host public keys found but none of their fingerprints match the one you have provided" {
		t.Errorf("wrong fingerprint = %v %q", bad.Result, bad.Comment)
	}
}
