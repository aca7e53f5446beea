package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

// TestExecFunctionsThroughMaster runs the execution functions that act on
// the minion itself, or on files, through a real master: cp.get_file and
// cp.list_master (the minion's fetcher), brine cp (chunked jobs), a
// grains.setval that outlives a restart, and saltutil.running and
// kill_job.
func TestExecFunctionsThroughMaster(t *testing.T) {
	e := newEnv(t, "")
	e.AddMinion("m1", "role: web", "nodegroups:\n  web: 'G@role:web'\n  db: 'G@role:db'\n")
	m2 := e.AddMinion("m2", "role: db", "")
	e.AcceptAll("m1", "m2")

	// match.nodegroup answers from the minion config's nodegroups (m2 has
	// none), and random.seed seeds with the minion id: CPython's
	// random.seed('m1'); random.randrange(60) is 11.
	out, errOut, code := e.Brine("m1", "match.nodegroup", "web", "--out", "json")
	if code != 0 || jsonBlocks(t, out)["m1"] != true {
		t.Errorf("match.nodegroup web on m1: exit %d\n%s%s", code, out, errOut)
	}
	out, _, _ = e.Brine("-L", "m1,m2", "match.nodegroup", "db", "--out", "json")
	if res := jsonBlocks(t, out); res["m1"] != false || res["m2"] != false {
		t.Errorf("match.nodegroup db = %v; want false on both (m1 is no db, m2 has no nodegroups)", res)
	}
	out, errOut, code = e.Brine("m1", "random.seed", "60", "--out", "json")
	if n, _ := jsonBlocks(t, out)["m1"].(float64); code != 0 || n != 11 {
		t.Errorf("random.seed 60 on m1: exit %d\n%s%s; want 11, as Salt", code, out, errOut)
	}

	// cp.get_file and cp.list_master, from the master's file server.
	out, errOut, code = e.Brine("m1", "cp.get_file", "salt://common.sls", "/etc/copied.sls", "makedirs=True", "--out", "json")
	if code != 0 || !strings.Contains(out, `"/etc/copied.sls"`) {
		t.Fatalf("cp.get_file: exit %d\n%s%s", code, out, errOut)
	}
	want, _ := os.ReadFile(filepath.Join(e.Dir, "srv", "common.sls"))
	got, err := os.ReadFile(filepath.Join(e.Dir, "m1", "root", "etc", "copied.sls"))
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("cp.get_file wrote %q (%v); want %q", got, err, want)
	}
	// With template=jinja, the minion renders it with its pillar.
	harness.WriteFile(t, filepath.Join(e.Dir, "srv", "tmpl.txt"), "{{ pillar['secret'] }} {{ grains['id'] }}\n")
	out, errOut, code = e.Brine("m1", "cp.get_file", "salt://tmpl.txt", "/etc/tmpl.txt", "template=jinja")
	if got, _ := os.ReadFile(filepath.Join(e.Dir, "m1", "root", "etc", "tmpl.txt")); code != 0 || string(got) != "m1-only m1\n" {
		t.Errorf("cp.get_file template=jinja: exit %d, wrote %q\n%s%s", code, got, out, errOut)
	}
	out, _, code = e.Brine("m1", "cp.list_master", "--out", "json")
	if code != 0 || !strings.Contains(out, `"top.sls"`) || !strings.Contains(out, `"web.sls"`) {
		t.Errorf("cp.list_master: exit %d\n%s", code, out)
	}

	// brine cp: a file of three chunks, to two minions.
	local := filepath.Join(t.TempDir(), "blob")
	data := make([]byte, 600<<10)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(local, data, 0o640); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = e.Brine("cp", "-L", "m1,m2", local, "/srv/blob", "--out", "json", "-t", "30")
	if code != 0 {
		t.Fatalf("brine cp: exit %d\n%s%s", code, out, errOut)
	}
	res := jsonBlocks(t, out)
	for _, id := range []string{"m1", "m2"} {
		if r, _ := res[id].(map[string]any); r["/srv/blob"] != true {
			t.Errorf("brine cp: %s returned %v", id, res[id])
		}
		p := filepath.Join(e.Dir, id, "root", "srv", "blob")
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: %d bytes (%v); want the %d pushed", id, len(got), err, len(data))
		}
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o640 {
			t.Errorf("%s: mode %v (%v); want the source's 0640", id, fi.Mode(), err)
		}
	}
	// The job cache keeps the chunks' jobs, not their data.
	out, _, _ = e.Brine("jobs", "list", "--out", "json")
	if !strings.Contains(out, "bytes of base64") || len(out) > len(data)/4 {
		t.Errorf("the job cache holds the pushed data (%d bytes of job list)", len(out))
	}
	// A relative destination is a usage error: nothing is sent.
	if _, _, code := e.Brine("cp", "m1", local, "srv/blob"); code != 64 {
		t.Errorf("brine cp to a relative path: exit %d; want 64", code)
	}

	// grains.setval is kept in the minion's grains file: it outlives a
	// restart, and targets on the master.
	out, errOut, code = e.Brine("m2", "grains.setval", "tier", "gold", "--out", "json")
	if code != 0 || !strings.Contains(out, `"gold"`) {
		t.Fatalf("grains.setval: exit %d\n%s%s", code, out, errOut)
	}
	m2.Stop()
	m2.Start()
	e.WaitPing("m2")
	harness.CheckFor(t, 15*time.Second, 200*time.Millisecond, func() error {
		out, _, code := e.Brine("-G", "tier:gold", "grains.get", "tier", "--out", "json")
		if code != 0 || jsonBlocks(t, out)["m2"] != "gold" || jsonBlocks(t, out)["m1"] != nil {
			return fmt.Errorf("-G tier:gold grains.get tier after a restart: exit %d\n%s", code, out)
		}
		return nil
	})

	// saltutil.running sees a job; saltutil.kill_job ends it.
	out, _, code = e.Brine("m1", "test.sleep", "120", "--async")
	if code != 0 {
		t.Fatalf("--async: exit %d\n%s", code, out)
	}
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("m1", "saltutil.running", "--out", "json")
		if !strings.Contains(out, jid) || !strings.Contains(out, "test.sleep") {
			return fmt.Errorf("saltutil.running does not list %s:\n%s", jid, out)
		}
		return nil
	})
	out, _, code = e.Brine("m1", "saltutil.find_job", jid, "--out", "json")
	if code != 0 || !strings.Contains(out, `"fun": "test.sleep"`) {
		t.Errorf("saltutil.find_job: exit %d\n%s", code, out)
	}
	out, _, code = e.Brine("m1", "saltutil.kill_job", jid)
	if code != 0 || !strings.Contains(out, "Signal 9 sent to job "+jid) {
		t.Fatalf("saltutil.kill_job: exit %d\n%s", code, out)
	}
	harness.CheckFor(t, 10*time.Second, 100*time.Millisecond, func() error {
		out, _, _ := e.Brine("jobs", "lookup", jid, "--out", "json")
		if !strings.Contains(out, "killed") {
			return fmt.Errorf("lookup %s: no killed return\n%s", jid, out)
		}
		return nil
	})
}
