package ssh

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/brine-cm/brine/test/harness"
	"github.com/brine-cm/brine/test/sshd"
)

// TestPingAndSecondRunCopiesNothing pings a host twice: the first run
// copies brine into the cache dir, the second finds it there by sha256
// and copies nothing.
func TestPingAndSecondRunCopiesNothing(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{})
	e.host("h1", s, "")
	out, errout, code := e.brine("-l", "info", "h1", "test.ping")
	if code != 0 || out != "h1:\n    True\n" {
		t.Fatalf("test.ping: exit %d, stdout %q, stderr %s", code, out, errout)
	}
	if !strings.Contains(errout, "brine copied to the host") {
		t.Errorf("first run: no copy logged: %s", errout)
	}
	bin := filepath.Join(e.thin("h1"), "brine")
	before, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	out, errout, code = e.brine("-l", "info", "h1", "test.ping")
	if code != 0 || out != "h1:\n    True\n" {
		t.Fatalf("second test.ping: exit %d, stdout %q, stderr %s", code, out, errout)
	}
	if strings.Contains(errout, "brine copied") {
		t.Errorf("second run copied brine again: %s", errout)
	}
	after, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	if !after.ModTime().Equal(before.ModTime()) || after.Sys().(*syscall.Stat_t).Ino != before.Sys().(*syscall.Stat_t).Ino {
		t.Errorf("the binary in the cache dir was replaced on the second run")
	}
	// The host's grains, collected there, under its roster id.
	out, errout, code = e.brine("--out", "json", "h1", "grains.items")
	var g map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &g); code != 0 || err != nil || g["h1"]["id"] != "h1" || g["h1"]["kernel"] != "Linux" {
		t.Errorf("grains.items: exit %d, %v: %.300s %s", code, err, out, errout)
	}
	// Nothing left behind but the cache dir: the binary alone (no file
	// was read); --wipe removes even that.
	ents, _ := os.ReadDir(e.thin("h1"))
	if len(ents) != 1 || ents[0].Name() != "brine" {
		t.Errorf("cache dir holds %v; want brine alone", ents)
	}
	if fi, _ := os.Stat(e.thin("h1")); fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %v; want 0700", fi.Mode().Perm())
	}
	if _, errout, code = e.brine("--wipe", "h1", "test.ping"); code != 0 {
		t.Fatalf("--wipe: exit %d: %s", code, errout)
	}
	if _, err := os.Stat(e.thin("h1")); !os.IsNotExist(err) {
		t.Errorf("--wipe left the cache dir: %v", err)
	}
}

const tree = `
-- top.sls --
base:
  'web*':
    - web
  'db*':
    - db
-- web.sls --
include:
  - common
/etc/web.conf:
  file.managed:
    - source: salt://files/web.conf.j2
    - template: jinja
    - makedirs: True
web-marker:
  file.managed:
    - name: /srv/www/index.html
    - contents: hello from {{ grains['id'] }}
    - makedirs: True
    - require:
      - file: /etc/web.conf
-- common.sls --
/etc/common:
  file.managed:
    - contents: common
    - makedirs: True
-- db.sls --
/etc/db.conf:
  file.managed:
    - contents: {{ pillar['secret'] }}
    - makedirs: True
-- files/web.conf.j2 --
port={{ pillar['port'] }}
id={{ grains['id'] }}
`

const pillarTree = `
-- top.sls --
base:
  'web*':
    - web
  'db*':
    - db
-- web.sls --
port: 8080
-- db.sls --
secret: only-for-db
`

// stateResults reads --out json output: host → state key → result, with
// what differs from run to run (times) dropped.
func stateResults(t *testing.T, out string) map[string]map[string]map[string]any {
	t.Helper()
	var doc map[string]map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("json: %v: %s", err, out)
	}
	for _, states := range doc {
		for _, st := range states {
			delete(st, "start_time")
			delete(st, "duration")
		}
	}
	return doc
}

// TestHighstateEqualsCallLocal applies the same tree to a host with
// brine ssh and with brine call --local, each into a root of its own:
// the results and the files are the same.
func TestHighstateEqualsCallLocal(t *testing.T) {
	e := newEnv(t)
	s := e.server(sshd.Options{})
	states, pillar := filepath.Join(e.dir, "states"), filepath.Join(e.dir, "pillar")
	harness.WriteTree(t, states, tree)
	harness.WriteTree(t, pillar, pillarTree)
	sshRoot, localRoot := filepath.Join(e.dir, "root-ssh"), filepath.Join(e.dir, "root-local")
	for _, d := range []string{sshRoot, localRoot} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.host("web1", s, "  minion_opts:\n    root: "+sshRoot+"\n")
	out, errout, code := e.brine("--file-root", states, "--pillar-root", pillar, "--out", "json", "--static", "web1", "state.highstate")
	if code != 0 {
		t.Fatalf("brine ssh state.highstate: exit %d\n%s\n%s", code, out, errout)
	}
	got := stateResults(t, out)
	cmd := []string{"call", "--local", "--id", "web1", "--root", localRoot, "--file-root", states, "--pillar-root", pillar, "--out", "json", "state.highstate"}
	lout, lerr, lcode := runBrine(t, cmd...)
	if lcode != 0 {
		t.Fatalf("brine call --local: exit %d\n%s\n%s", lcode, lout, lerr)
	}
	// salt-call prints its return under "local"; brine ssh, as salt-ssh,
	// under the host's id.
	want := map[string]map[string]map[string]any{"web1": stateResults(t, lout)["local"]}
	if len(got["web1"]) != 3 || !reflect.DeepEqual(got, want) {
		t.Errorf("brine ssh gave\n%v\nbrine call --local gave\n%v", got, want)
	}
	for _, f := range []string{"etc/web.conf", "etc/common", "srv/www/index.html"} {
		a, err1 := os.ReadFile(filepath.Join(sshRoot, f))
		b, err2 := os.ReadFile(filepath.Join(localRoot, f))
		if err1 != nil || err2 != nil || string(a) != string(b) {
			t.Errorf("%s: ssh %q (%v), local %q (%v)", f, a, err1, b, err2)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(sshRoot, "etc/web.conf")); !strings.HasPrefix(string(b), "port=8080\nid=web1\n") {
		t.Errorf("web.conf = %q; want the host's pillar and grains", b)
	}
	// The host got the files it read, and never db's pillar.
	files, _ := os.ReadDir(filepath.Join(e.thin("web1"), "files"))
	if len(files) != 4 { // top.sls, web.sls, common.sls, web.conf.j2
		t.Errorf("the host's file cache holds %d files; want the 4 it read", len(files))
	}
	for _, f := range files {
		b, _ := os.ReadFile(filepath.Join(e.thin("web1"), "files", f.Name()))
		if strings.Contains(string(b), "only-for-db") || strings.Contains(string(b), "/etc/db.conf") {
			t.Errorf("the host's cache holds another host's data: %s", b)
		}
	}
	// A second run changes nothing, and says so.
	out, errout, code = e.brine("--file-root", states, "--pillar-root", pillar, "--out", "json", "web1", "state.apply")
	if code != 0 {
		t.Fatalf("second run: exit %d\n%s", code, errout)
	}
	for k, st := range stateResults(t, out)["web1"] {
		if ch, _ := st["changes"].(map[string]any); len(ch) != 0 || st["result"] != true {
			t.Errorf("second run: %s: %v", k, st)
		}
	}
}
