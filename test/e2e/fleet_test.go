package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

const motdTree = `
-- top.sls --
base:
  '*':
    - motd
-- motd.sls --
motd:
  file.managed:
    - name: /etc/motd
    - contents: hello from {{ grains["id"] }}
    - makedirs: True
`

// scheduledJobs lists the job cache's jobs a schedule ran: jid -> the
// job as brine jobs list --out json gives it.
func scheduledJobs(t *testing.T, e *env, schedule string) map[string]map[string]any {
	t.Helper()
	out, errOut, code := e.Brine("jobs", "list", "--out", "json")
	if code != 0 {
		t.Fatalf("jobs list: exit %d %s%s", code, out, errOut)
	}
	var all map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		t.Fatalf("jobs list --out json: %v\n%s", err, out)
	}
	got := map[string]map[string]any{}
	for jid, j := range all {
		if j["Schedule"] == schedule {
			got[jid] = j
		}
	}
	return got
}

type driftDoc struct {
	Minions []proto.DriftMinion `json:"minions"`
	Drifted []string            `json:"drifted"`
	Unknown []string            `json:"unknown"`
}

func drift(t *testing.T, e *env, args ...string) (driftDoc, int) {
	t.Helper()
	out, errOut, code := e.Brine(append([]string{"drift", "--json"}, args...)...)
	var d driftDoc
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("drift --json: exit %d, %v\n%s%s", code, err, out, errOut)
	}
	return d, code
}

func minionDrift(d driftDoc, id string) *proto.DriftMinion {
	for i := range d.Minions {
		if d.Minions[i].ID == id {
			return &d.Minions[i]
		}
	}
	return nil
}

// A schedule runs at its time and its runs land in the job cache,
// marked; a file changed behind brine's back shows in brine drift, from
// a scheduled dry run (m1) and from an operator's (m2).
func TestScheduleAndDrift(t *testing.T) {
	e := harness.NewEnv(t, motdTree, "", "")
	e.AddMinion("m1", "role: web", `schedule:
  drift-check:
    function: state.apply
    kwargs: {test: true}
    seconds: 1
    splay: 1
`)
	e.AddMinion("m2", "role: db", "")
	e.AcceptAll("m1", "m2")

	// The scheduled dry runs land in the job cache, each with a return.
	var jid string
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		for j, job := range scheduledJobs(t, e, "drift-check") {
			if job["Function"] != "state.apply" || job["User"] != "schedule" || fmt.Sprint(job["Minions"]) != "[m1]" {
				return fmt.Errorf("scheduled job %s: %v", j, job)
			}
			out, _, code := e.Brine("jobs", "lookup", j, "--out", "json")
			if code == 0 && strings.Contains(out, `"m1"`) {
				jid = j
				return nil
			}
		}
		return fmt.Errorf("no scheduled run of drift-check with a return in the job cache yet")
	})
	t.Logf("scheduled run %s", jid)

	// m2 has never had a dry run: its drift is unknown (exit 3).
	d, code := drift(t, e)
	if code != 3 || minionDrift(d, "m2") == nil || minionDrift(d, "m2").Status != proto.DriftUnknown {
		t.Fatalf("drift before m2's dry run: exit %d, %+v; want 3 and m2 unknown", code, d)
	}

	// Apply for real: then nothing drifts, once m1's schedule has run
	// again and m2 has had a dry run by hand.
	// m1's schedule runs states every second: a run of ours may find
	// one going on (busy, as Salt's), and is tried again.
	harness.CheckFor(t, 30*time.Second, 100*time.Millisecond, func() error {
		if out, errOut, code := e.Brine("*", "state.apply", "-t", "30"); code != 0 {
			return fmt.Errorf("state.apply: exit %d\n%s%s", code, out, errOut)
		}
		return nil
	})
	if out, errOut, code := e.Brine("m2", "state.apply", "test=True", "-t", "30"); code != 0 {
		t.Fatalf("m2 state.apply test=True: exit %d\n%s%s", code, out, errOut)
	}
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		d, code := drift(t, e)
		if code != 0 {
			return fmt.Errorf("drift after the apply: exit %d, %+v", code, d)
		}
		return nil
	})

	// Behind brine's back.
	for _, id := range []string{"m1", "m2"} {
		harness.WriteFile(t, filepath.Join(e.Dir, id, "root", "etc", "motd"), "hacked\n")
	}
	if out, errOut, code := e.Brine("m2", "state.apply", "test=True", "-t", "30"); code != 0 {
		t.Fatalf("m2 state.apply test=True: exit %d\n%s%s", code, out, errOut)
	}
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		d, code := drift(t, e)
		if code != 2 || len(d.Drifted) != 2 {
			return fmt.Errorf("drift after the edits: exit %d, drifted %v", code, d.Drifted)
		}
		return nil
	})
	d, _ = drift(t, e)
	for _, id := range []string{"m1", "m2"} {
		md := minionDrift(d, id)
		if md == nil || len(md.States) != 1 || md.States[0].ID != "motd" || md.States[0].Result != nil {
			t.Fatalf("%s's drift: %+v; want the motd state, would change", id, md)
		}
		diff := fmt.Sprint(md.States[0].Changes["diff"])
		if !strings.Contains(diff, "-hacked") || !strings.Contains(diff, "+hello from "+id) {
			t.Errorf("%s's drift diff:\n%s", id, diff)
		}
	}
	if md := minionDrift(d, "m1"); md.Schedule != "drift-check" {
		t.Errorf("m1's dry run: schedule %q; want drift-check", md.Schedule)
	}
	if md := minionDrift(d, "m2"); md.Schedule != "" {
		t.Errorf("m2's dry run (by hand): schedule %q", md.Schedule)
	}
	// The table for people, and a target.
	out, _, code := e.Brine("drift", "m2")
	if code != 2 || !strings.Contains(out, "m2") || strings.Contains(out, "m1 ") || !strings.Contains(out, "-hacked") {
		t.Errorf("brine drift m2: exit %d\n%s", code, out)
	}
	// The read-only operator may ask too (without the diffs, by
	// default: files templated from pillar hold secrets).
	ro := e.Operator(true, proto.ReadOnlyInbox)
	b, _ := proto.Marshal(&proto.DriftRequest{Target: "*", TargetType: proto.TargetGlob})
	msg, err := ro.Request(proto.ReadOnlySubject(proto.SubjDrift), b, 10*time.Second)
	if err != nil {
		t.Fatalf("read-only drift: %v", err)
	}
	var rr proto.DriftReply
	if err := proto.Unmarshal(msg.Data, &rr); err != nil || rr.Error != "" || len(rr.Minions) != 2 {
		t.Fatalf("read-only drift: %v %+v", err, rr)
	}
	for _, m := range rr.Minions {
		for _, st := range m.States {
			if st.Changes != nil {
				t.Errorf("read-only drift shows %s's changes: %v", m.ID, st.Changes)
			}
		}
	}
}

// schedule.add/list/disable_job/delete through the master, kept in the
// minion's state dir; the job runs and lands in the cache.
func TestScheduleFunctions(t *testing.T) {
	e := harness.NewEnv(t, motdTree, "", "")
	e.AddMinion("m1", "", "")
	e.AcceptAll("m1")
	out, errOut, code := e.Brine("m1", "schedule.add", "pinger", "function=test.ping", "seconds=1", "--out", "json", "-t", "20")
	if code != 0 || !strings.Contains(out, "Added job: pinger") {
		t.Fatalf("schedule.add: exit %d\n%s%s", code, out, errOut)
	}
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		if len(scheduledJobs(t, e, "pinger")) == 0 {
			return fmt.Errorf("no run of pinger in the job cache yet")
		}
		return nil
	})
	if b, err := os.ReadFile(filepath.Join(e.Dir, "m1", "state", "schedule.json")); err != nil || !strings.Contains(string(b), "pinger") {
		t.Errorf("schedule.json: %v %s", err, b)
	}
	out, _, code = e.Brine("m1", "schedule.list", "--out", "json", "-t", "20")
	if code != 0 || !strings.Contains(out, `"pinger"`) || !strings.Contains(out, `"test.ping"`) {
		t.Errorf("schedule.list: exit %d\n%s", code, out)
	}
	if _, _, code := e.Brine("m1", "schedule.disable_job", "pinger", "-t", "20"); code != 0 {
		t.Errorf("schedule.disable_job: exit %d", code)
	}
	out, _, _ = e.Brine("m1", "schedule.list", "--out", "json", "-t", "20")
	if !strings.Contains(out, `"enabled": false`) {
		t.Errorf("schedule.list after disable_job:\n%s", out)
	}
	if out, _, code := e.Brine("m1", "schedule.delete", "pinger", "-t", "20"); code != 0 || !strings.Contains(out, "Deleted") {
		t.Errorf("schedule.delete: exit %d\n%s", code, out)
	}
	if out, _, code := e.Brine("m1", "schedule.delete", "pinger", "-t", "20"); code == 0 {
		t.Errorf("schedule.delete of a job that is gone: exit 0\n%s", out)
	}
}

const mineTree = `
-- top.sls --
base:
  '*':
    - hosts
    - lb
-- hosts.sls --
{#- salt-formulas' hostsfile: every minion's first address from the mine #}
{%- set addrs = salt['mine.get']('*', 'network.ip_addrs') %}
/etc/hosts.brine:
  file.managed:
    - makedirs: True
    - contents: |
        127.0.0.1 localhost
{%- for name, addrlist in addrs.items() %}
        {{ addrlist|first }} {{ name }}
{%- endfor %}
-- lb.sls --
{#- haproxy-style: the backends are the web minions, by grain #}
/etc/haproxy.cfg:
  file.managed:
    - makedirs: True
    - contents: |
        backend web
{%- for server, addrs in salt['mine.get']('role:web', 'network.ip_addrs', tgt_type='grain') | dictsort %}
            server {{ server }} {{ addrs[0] }}:80 check
{%- endfor %}
        secret: {{ salt['mine.get']('*', 'secret_ip') | tojson }}
`

// A minion's mine value appears in another's rendered file, as the
// hostsfile and haproxy formulas build them; the master's mine_get ACL
// and a function's allow_tgt decide who reads what.
func TestMineRendersAcrossMinions(t *testing.T) {
	e := harness.NewEnv(t, mineTree, "", `mine_get:
  'web': ['network\.ip_addrs', 'secret_ip']
  'db1': ['network\..*']
`)
	mine := func() string {
		return `mine_interval: 0
mine_functions:
  network.ip_addrs: [brine0]
  secret_ip:
    - mine_function: network.ip_addrs
    - interface: brine0
    - allow_tgt: web1
`
	}
	e.AddMinion("web1", "role: web, ip4_interfaces: {brine0: [10.0.0.1]}", mine())
	e.AddMinion("web2", "role: web, ip4_interfaces: {brine0: [10.0.0.2]}", mine())
	e.AddMinion("db1", "role: db, ip4_interfaces: {brine0: [10.0.0.3]}", mine())
	e.AddMinion("other", "role: other, ip4_interfaces: {brine0: [10.0.0.4]}", mine())
	ids := []string{"web1", "web2", "db1", "other"}
	e.AcceptAll(ids...)
	// Each sends its mine at start; mine.update sends it again now.
	if out, errOut, code := e.Brine("*", "mine.update", "-t", "30"); code != 0 {
		t.Fatalf("mine.update: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.Brine("*", "state.apply", "-t", "30"); code != 0 {
		t.Fatalf("state.apply: exit %d\n%s%s", code, out, errOut)
	}
	read := func(id, p string) string {
		b, err := os.ReadFile(filepath.Join(e.Dir, id, "root", p))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	allHosts := "127.0.0.1 localhost\n10.0.0.3 db1\n10.0.0.4 other\n10.0.0.1 web1\n10.0.0.2 web2\n"
	lb := "backend web\n    server web1 10.0.0.1:80 check\n    server web2 10.0.0.2:80 check\n"
	for _, tc := range []struct {
		id, hosts, haproxy string
	}{
		// web1 reads addresses, and secret_ip, whose allow_tgt is web1.
		// tojson writes as Salt's (json.dumps: ", " and ": ").
		{"web1", allHosts, lb + `secret: {"db1": ["10.0.0.3"], "other": ["10.0.0.4"], "web1": ["10.0.0.1"], "web2": ["10.0.0.2"]}` + "\n"},
		// web2 may read secret_ip by mine_get, but allow_tgt says no.
		{"web2", allHosts, lb + "secret: {}\n"},
		// db1 reads network.* only.
		{"db1", allHosts, lb + "secret: {}\n"},
		// other matches no mine_get entry: an empty mine.
		{"other", "127.0.0.1 localhost\n", "backend web\nsecret: {}\n"},
	} {
		if got := read(tc.id, "etc/hosts.brine"); got != tc.hosts {
			t.Errorf("%s's /etc/hosts.brine:\n%s\nwant\n%s", tc.id, got, tc.hosts)
		}
		if got := read(tc.id, "etc/haproxy.cfg"); got != tc.haproxy {
			t.Errorf("%s's /etc/haproxy.cfg:\n%s\nwant\n%s", tc.id, got, tc.haproxy)
		}
	}
	// mine.get from the command line, and mine.delete / mine.flush.
	out, _, code := e.Brine("db1", "mine.get", "web*", "network.ip_addrs", "--out", "json", "-t", "20")
	if code != 0 || !strings.Contains(out, `"web1": [`) || strings.Contains(out, `"db1": [`) {
		t.Errorf("db1 mine.get web*: exit %d\n%s", code, out)
	}
	if _, _, code := e.Brine("web2", "mine.flush", "-t", "20"); code != 0 {
		t.Errorf("mine.flush: exit %d", code)
	}
	out, _, _ = e.Brine("web1", "mine.get", "*", "network.ip_addrs", "--out", "json", "-t", "20")
	if strings.Contains(out, "web2") || !strings.Contains(out, "web1") {
		t.Errorf("mine.get after web2's mine.flush:\n%s", out)
	}
	if _, _, code := e.Brine("web1", "mine.delete", "secret_ip", "-t", "20"); code != 0 {
		t.Errorf("mine.delete: exit %d", code)
	}
	out, _, _ = e.Brine("web1", "mine.get", "web1", "secret_ip,network.ip_addrs", "--out", "json", "-t", "20")
	if strings.Contains(out, "secret_ip") || !strings.Contains(out, `"network.ip_addrs"`) {
		t.Errorf("mine.get of two functions after mine.delete secret_ip:\n%s", out)
	}
}

// brine call --local has no master, so no mine: it says so, and
// answers mine.get with the host's own value when the target matches
// it, as Salt's masterless minion answers from its own cache.
func TestMineWithoutMaster(t *testing.T) {
	dir := t.TempDir()
	harness.WriteFile(t, filepath.Join(dir, "grains.yaml"), "ip4_interfaces: {brine0: [10.9.9.9]}\nrole: solo\n")
	call := func(args ...string) (string, string, int) {
		cmd := exec.Command(harness.Bin, append([]string{"call", "--local", "--id", "solo", "--grains-file", filepath.Join(dir, "grains.yaml"),
			"--file-root", dir, "--out", "json"}, args...)...)
		var o, eb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &eb
		err := cmd.Run()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return o.String(), eb.String(), code
	}
	out, errOut, code := call("mine.get", "*", "network.ip_addrs")
	if code != 0 || !strings.Contains(errOut, "no master, so no mine") {
		t.Fatalf("call --local mine.get: exit %d\n%s%s", code, out, errOut)
	}
	var got map[string]map[string][]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if ips := got["local"]["solo"]; len(ips) == 0 || !slices.Contains(ips, "10.9.9.9") {
		t.Errorf("call --local mine.get '*': %s; want solo's own addresses", out)
	}
	out, _, code = call("mine.get", "G@role:web", "network.ip_addrs", "tgt_type=compound")
	if code != 0 || !strings.Contains(out, `"local": {}`) {
		t.Errorf("call --local mine.get of a target that is not this host: exit %d\n%s", code, out)
	}
	out, _, code = call("mine.update")
	if code == 0 || !strings.Contains(out, "no master") {
		t.Errorf("call --local mine.update: exit %d\n%s", code, out)
	}
}

const mineSendTree = `
-- top.sls --
base:
  '*':
    - zk
-- zk.sls --
{#- zookeeper-formula style: send this minion's value, then read all #}
{%- do salt['mine.send']('zk_role', 'role', mine_function='grains.get') %}
{%- set roles = salt['mine.get']('*', 'zk_role') %}
{%- set ips = salt['mine.get']('*', 'network.ip_addrs') %}
/etc/zk.brine:
  file.managed:
    - makedirs: True
    - contents: |
{%- for id, role in roles | dictsort %}
        {{ id }} {{ role }} {{ ips.get(id, ['-'])[0] }}
{%- endfor %}
`

// mine.send from a template and from the command line stores one value
// on the master, keeping the minion's other mine values (Salt's
// mine.send: _mine_store(mine_data), not clear), and a render that sends
// then reads sees its own value.
func TestMineSendThroughMaster(t *testing.T) {
	e := harness.NewEnv(t, mineSendTree, "", "")
	conf := "mine_interval: 0\nmine_functions:\n  network.ip_addrs: [brine0]\n"
	e.AddMinion("zk1", "role: leader, ip4_interfaces: {brine0: [10.0.0.1]}", conf)
	e.AddMinion("zk2", "role: follower, ip4_interfaces: {brine0: [10.0.0.2]}", conf)
	e.AcceptAll("zk1", "zk2")
	if out, errOut, code := e.Brine("*", "mine.update", "-t", "30"); code != 0 {
		t.Fatalf("mine.update: exit %d\n%s%s", code, out, errOut)
	}
	// zk2 sends its value first, from the command line.
	out, errOut, code := e.Brine("zk2", "mine.send", "zk_role", "role", "mine_function=grains.get", "--out", "json", "-t", "20")
	if code != 0 || !strings.Contains(out, `"zk2": true`) {
		t.Fatalf("mine.send: exit %d\n%s%s", code, out, errOut)
	}
	if out, errOut, code := e.Brine("zk1", "state.apply", "-t", "30"); code != 0 {
		t.Fatalf("state.apply: exit %d\n%s%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(e.Dir, "zk1", "root", "etc/zk.brine"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "zk1 leader 10.0.0.1\nzk2 follower 10.0.0.2\n"; string(b) != want {
		t.Errorf("zk1's /etc/zk.brine:\n%s\nwant\n%s", b, want)
	}
}
