//go:build systest

package systest

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// hostRun runs a host command for a fixture and returns its stdout; an
// error fails the test.
func hostRun(t *testing.T, dir string, env []string, argv ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s%s", strings.Join(argv, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// signedRepo builds a flat apt repository holding one tiny package,
// signed with a new key: the repository's files by name, and the key
// armored.
func signedRepo(t *testing.T) (files map[string]string, armoredKey string) {
	t.Helper()
	work := t.TempDir()
	gnupg := filepath.Join(work, "gnupg")
	if err := os.Mkdir(gnupg, 0o700); err != nil {
		t.Fatal(err)
	}
	env := []string{"GNUPGHOME=" + gnupg}
	hostRun(t, work, env, "gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key", "brine test <test@brine.invalid>", "ed25519", "sign", "never")

	pkg := filepath.Join(work, "pkg")
	if err := testbed.WriteFiles(pkg, map[string]string{
		"/DEBIAN/control":               "Package: brine-signed-hello\nVersion: 1.0\nArchitecture: all\nMaintainer: brine <test@brine.invalid>\nDescription: a package from a signed local repository\n",
		"/usr/share/brine-signed/hello": "hello from a signed repository\n",
	}); err != nil {
		t.Fatal(err)
	}
	repo := filepath.Join(work, "repo")
	os.Mkdir(repo, 0o755)
	hostRun(t, work, nil, "dpkg-deb", "--root-owner-group", "--build", pkg, filepath.Join(repo, "brine-signed-hello_1.0_all.deb"))
	packages := hostRun(t, repo, nil, "dpkg-scanpackages", "--multiversion", ".", "/dev/null")
	os.WriteFile(filepath.Join(repo, "Packages"), []byte(packages), 0o644)
	sum := sha256.Sum256([]byte(packages))
	release := fmt.Sprintf("Origin: brine-test\nLabel: brine-test\nSuite: stable\nCodename: brine\nDate: %s\nArchitectures: all amd64\nSHA256:\n %s %d Packages\n",
		time.Now().UTC().Format(time.RFC1123), hex.EncodeToString(sum[:]), len(packages))
	os.WriteFile(filepath.Join(repo, "Release"), []byte(release), 0o644)
	hostRun(t, repo, env, "gpg", "--batch", "--yes", "--clearsign", "-o", "InRelease", "Release")
	files = map[string]string{}
	for _, n := range []string{"Packages", "Release", "InRelease", "brine-signed-hello_1.0_all.deb"} {
		b, err := os.ReadFile(filepath.Join(repo, n))
		if err != nil {
			t.Fatal(err)
		}
		files[n] = string(b)
	}
	return files, hostRun(t, work, env, "gpg", "--armor", "--export", "test@brine.invalid")
}

func tarGz(t *testing.T, files map[string]string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: "app-1.0/", Typeflag: tar.TypeDir, Mode: 0o755})
	for n, b := range files {
		tw.WriteHeader(&tar.Header{Name: "app-1.0/" + n, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(b))})
		tw.Write([]byte(b))
	}
	tw.Close()
	zw.Close()
	return buf.String()
}

// TestIssue12StatesInContainer adds a signed local repository with
// pkgrepo.managed and installs a package from it, extracts an archive,
// and sets the time zone, the locale and a hosts entry, in a booted
// Debian: test, real and rerun each.
func TestIssue12StatesInContainer(t *testing.T) {
	repo, key := signedRepo(t)
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	onDisk := map[string]string{}
	for n, b := range repo {
		onDisk["/srv/signed/"+n] = b
	}
	if err := testbed.WriteFiles(dir, onDisk); err != nil {
		t.Fatal(err)
	}
	testbed.InstallBrine(t, dir)
	c := testbed.Boot(t, dir)

	line := "deb [signed-by=/etc/apt/keyrings/brine-test.gpg] file:/srv/signed ./"
	tree := map[string]string{
		"keys/brine-test.asc": key,
		"app.tar.gz":          tarGz(t, map[string]string{"bin/run": "#!/bin/sh\necho run\n"}),
		"repo.sls": `
signed-repo:
  pkgrepo.managed:
    - name: ` + line + `
    - file: /etc/apt/sources.list.d/brine-test.list
    - key_url: salt://keys/brine-test.asc
`,
		"pkg.sls": `
brine-signed-hello:
  pkg.installed: []
`,
		"sys.sls": `
app:
  archive.extracted:
    - name: /opt/app
    - source: salt://app.tar.gz
    - user: daemon
Europe/Berlin:
  timezone.system: []
de_DE.UTF-8:
  locale.system: []
db.internal:
  host.present:
    - ip: 10.0.0.5
`,
	}
	apply := inContainer(c, tree)
	res := applyChecked(t, apply, "repo")
	// Salt's {repo: line}: the key of a new repository goes without a word.
	if got := jsonString(res[0].Changes); got != `{"repo":"`+line+`"}` {
		t.Errorf("pkgrepo changes = %s", got)
	}
	if got := run(t, c, "cat", "/etc/apt/sources.list.d/brine-test.list"); got != line {
		t.Errorf("source file = %q", got)
	}
	// apt takes the dearmored key: a signed, verified InRelease.
	if kr := run(t, c, "head", "-c", "5", "/etc/apt/keyrings/brine-test.gpg"); strings.HasPrefix(kr, "-----") {
		t.Errorf("the keyring is armored")
	}
	res = applyChecked(t, apply, "pkg")
	if got := jsonString(res[0].Changes); got != `{"brine-signed-hello":{"new":"1.0","old":""}}` {
		t.Errorf("pkg changes = %s", got)
	}
	if got := run(t, c, "cat", "/usr/share/brine-signed/hello"); got != "hello from a signed repository" {
		t.Errorf("installed file = %q", got)
	}

	res = applyChecked(t, apply, "sys")
	if got := run(t, c, "stat", "-c", "%U %a", "/opt/app/app-1.0/bin/run"); got != "daemon 755" {
		t.Errorf("extracted file = %q", got)
	}
	if got := run(t, c, "readlink", "/etc/localtime"); got != "/usr/share/zoneinfo/Europe/Berlin" {
		t.Errorf("localtime -> %q", got)
	}
	if got := run(t, c, "date", "+%Z"); got != "CET" && got != "CEST" {
		t.Errorf("date in the container says %q", got)
	}
	if got := run(t, c, "cat", "/etc/default/locale"); got != "LANG=de_DE.UTF-8" {
		t.Errorf("/etc/default/locale = %q", got)
	}
	if got := run(t, c, "getent", "hosts", "db.internal"); !strings.HasPrefix(got, "10.0.0.5") {
		t.Errorf("getent hosts = %q", got)
	}
}

// TestIssue12StatesRoot works on an image under --root, never booted:
// blacklisting a kernel module (seed 003's ipv6, by brine), generating a
// locale from the image's own definitions, cloning a git repository from
// a local bare one into it, disabling SELinux in its config (seed 002),
// registering an alternative and holding a package.
func TestIssue12StatesRoot(t *testing.T) {
	hostModprobe := hostFingerprint("/etc/modprobe.d/brine-blacklist.conf")
	hostArchive := hostFingerprint("/usr/lib/locale/locale-archive")
	dir := testbed.NewOverlay(t, root(t, testbed.Systemd))
	// The image gets the locale definitions Debian's locales package
	// ships (the testbed's minbase root has none).
	hostRun(t, "/", nil, "cp", "-a", "/usr/share/i18n", filepath.Join(dir, "usr/share/"))
	if err := testbed.WriteFiles(dir, map[string]string{
		"/etc/modules": "# /etc/modules\nipv6\nloop\n",
		// seed 002's guest image ships with SELinux enforcing
		"/etc/selinux/config": "# This file controls the state of SELinux on the system.\nSELINUX=enforcing\nSELINUXTYPE=targeted\n",
	}); err != nil {
		t.Fatal(err)
	}

	src := t.TempDir()
	hostRun(t, src, nil, "git", "init", "-q", "-b", "main", "work")
	os.WriteFile(filepath.Join(src, "work/README"), []byte("from git\n"), 0o644)
	hostRun(t, filepath.Join(src, "work"), nil, "git", "add", "README")
	hostRun(t, filepath.Join(src, "work"), nil, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one")
	head := strings.TrimSpace(hostRun(t, filepath.Join(src, "work"), nil, "git", "rev-parse", "HEAD"))
	bare := filepath.Join(src, "app.git")
	hostRun(t, src, nil, "git", "clone", "-q", "--bare", "work", bare)

	tree := map[string]string{"image.sls": `
ipv6:
  kmod.absent:
    - persist: True
de_DE.UTF-8:
  locale.present: []
` + bare + `:
  git.latest:
    - target: /srv/app
    - depth: 1
disabled:
  selinux.mode: []
brine-pager:
  alternatives.install:
    - link: /usr/bin/brine-pager
    - path: /usr/bin/cat
    - priority: 10
sed:
  pkg.held: []
`}
	res := applyChecked(t, onFolder(dir, tree), "image")
	for _, r := range res {
		if strings.HasPrefix(r.Key, "git_") {
			if got := jsonString(r.Changes["revision"]); got != `{"new":"`+head+`","old":null}` {
				t.Errorf("git revision change = %s", got)
			}
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/modprobe.d/brine-blacklist.conf")); string(b) != "blacklist ipv6\n" {
		t.Errorf("blacklist = %q", b)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/modules")); string(b) != "# /etc/modules\nloop\n" {
		t.Errorf("/etc/modules = %q", b)
	}
	if out := hostRun(t, "/", nil, "localedef", "--list-archive", filepath.Join(dir, "usr/lib/locale/locale-archive")); !strings.Contains(out, "de_DE.utf8") {
		t.Errorf("the image's locale archive lists %q", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "etc/selinux/config")); !strings.Contains(string(b), "\nSELINUX=disabled\nSELINUXTYPE=targeted\n") {
		t.Errorf("selinux config = %q", b)
	}
	if l, err := os.Readlink(filepath.Join(dir, "etc/alternatives/brine-pager")); err != nil || l != "/usr/bin/cat" {
		t.Errorf("alternatives link -> %q, %v", l, err)
	}
	if got := dpkgStatus(t, dir, "sed"); !strings.HasPrefix(got, "hold ok installed") {
		t.Errorf("sed's status in the image = %q", got)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "srv/app/README")); string(b) != "from git\n" {
		t.Errorf("cloned README = %q", b)
	}
	if hostFingerprint("/etc/modprobe.d/brine-blacklist.conf") != hostModprobe || hostFingerprint("/usr/lib/locale/locale-archive") != hostArchive {
		t.Error("the host's files changed")
	}
}
