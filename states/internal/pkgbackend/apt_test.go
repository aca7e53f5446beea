package pkgbackend

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recRunner records commands and what the root looked like during each.
type recRunner struct {
	cmds      []Cmd
	conf      []string // APT_CONFIG contents seen during the call
	policyRCD []bool   // whether usr/sbin/policy-rc.d existed during the call
	root      string
	out       []byte
}

func (r *recRunner) Run(ctx context.Context, c Cmd) ([]byte, error) {
	r.cmds = append(r.cmds, c)
	conf := ""
	for _, e := range c.Env {
		if p, ok := strings.CutPrefix(e, "APT_CONFIG="); ok {
			b, _ := os.ReadFile(p)
			conf = string(b)
		}
	}
	r.conf = append(r.conf, conf)
	_, err := os.Stat(filepath.Join(r.root, "usr/sbin/policy-rc.d"))
	r.policyRCD = append(r.policyRCD, err == nil)
	return r.out, nil
}

func TestAptLiveArgv(t *testing.T) {
	r := &recRunner{root: t.TempDir(), out: []byte("Inst tree (2.1.0-1 Debian:12.15/oldstable [amd64])\n")}
	a := &Apt{Run: r}
	ch, err := a.Install(context.Background(), []Target{{Name: "tree"}, {Name: "hello", Version: "2.10-3"}}, nil, InstallOptions{InstallRecommends: false}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 1 || ch[0].New != "2.1.0-1" {
		t.Errorf("simulate changes = %v", ch)
	}
	got := strings.Join(r.cmds[0].Args, " ")
	want := "apt-get -q -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=120 -s --no-install-recommends install -- tree hello=2.10-3"
	if got != want {
		t.Errorf("argv:\n got %s\nwant %s", got, want)
	}
	env := strings.Join(r.cmds[0].Env, " ")
	if !strings.Contains(env, "DEBIAN_FRONTEND=noninteractive") || strings.Contains(env, "APT_CONFIG") {
		t.Errorf("live env = %s", env)
	}
	if err := a.SetHold(context.Background(), []string{"tree", "jq"}, true); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.cmds[1].Args, " "); got != "dpkg --set-selections" || string(r.cmds[1].Stdin) != "tree hold\njq hold\n" {
		t.Errorf("hold = %s <<%q", got, r.cmds[1].Stdin)
	}
}

func TestAptRootConfAndPolicyRCD(t *testing.T) {
	root := t.TempDir()
	r := &recRunner{root: root}
	a := &Apt{Root: root, Run: r}
	ctx := context.Background()
	if _, err := a.Install(ctx, []Target{{Name: "nginx"}}, nil, InstallOptions{InstallRecommends: true}, false); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Install(ctx, []Target{{Name: "nginx"}}, nil, InstallOptions{}, true); err != nil {
		t.Fatal(err)
	}
	wantConf := "Dir \"" + root + "/\";\nDir::State::status \"" + root + "/var/lib/dpkg/status\";\nDPkg::Options { \"--root=" + root + "\"; \"--log=" + root + "/var/log/dpkg.log\"; };\n"
	for i, c := range r.conf {
		if !strings.HasPrefix(c, wantConf) {
			t.Errorf("call %d APT_CONFIG =\n%s\nwant prefix\n%s", i, c, wantConf)
		}
	}
	if !r.policyRCD[0] {
		t.Errorf("no policy-rc.d during a real install under a root")
	}
	if r.policyRCD[1] {
		t.Errorf("policy-rc.d written for a simulation")
	}
	if _, err := os.Stat(filepath.Join(root, "usr/sbin/policy-rc.d")); !os.IsNotExist(err) {
		t.Errorf("policy-rc.d left behind: %v", err)
	}
	if !strings.Contains(strings.Join(r.cmds[0].Args, " "), "-o APT::Install-Recommends=1 install -- nginx") {
		t.Errorf("argv = %v", r.cmds[0].Args)
	}
	// A policy-rc.d the image already has is kept.
	p := filepath.Join(root, "usr/sbin/policy-rc.d")
	if err := os.WriteFile(p, []byte("exit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Remove(ctx, []string{"nginx"}, true, false); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(p); err != nil || string(b) != "exit 0\n" {
		t.Errorf("image's own policy-rc.d = %q, %v", b, err)
	}
	if got := strings.Join(r.cmds[2].Args, " "); !strings.HasSuffix(got, "purge -- nginx") {
		t.Errorf("purge argv = %s", got)
	}
}

func TestAptInstalledReadsRoot(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "var/lib/dpkg"), 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile("testdata/dpkg-status")
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := (&Apt{Root: root, Run: &recRunner{}}).Installed(context.Background())
	if err != nil || db["tree"].Version != "2.1.0-1" {
		t.Errorf("Installed = %v, %v", db["tree"], err)
	}
	if _, err := (&Apt{Root: filepath.Join(root, "nope"), Run: &recRunner{}}).Installed(context.Background()); err == nil {
		t.Errorf("Installed on a root without dpkg: want an error")
	}
}
