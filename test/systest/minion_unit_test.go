//go:build systest

package systest

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/testbed"
)

// The shipped units, run by a real systemd: stopping the minion lets its
// running job finish and return; a state restarts the minion with
// `systemctl restart --no-block` and the minion comes back; a job still
// running at drain_timeout outlives the minion's stop (KillMode=process,
// what makes an upgrade of brine through brine safe) and is reported
// interrupted after the next start.

// gatedSLS runs until /root/gate exists; /root/pid holds its shell's pid
// (as the container sees it), /root/started and /root/finished mark its
// start and its own end.
const gatedSLS = `gated:
  cmd.run:
    - name: 'echo $$ > /root/pid; touch /root/started; while [ ! -e /root/gate ]; do sleep 0.1; done; touch /root/finished; echo drained'
`

const restartSLS = `restart-brine-minion:
  cmd.run:
    - name: systemctl restart --no-block brine-minion
`

func TestMinionUnitStopAndRestart(t *testing.T) {
	c := bootWithBrine(t, testbed.Systemd)
	mod, err := testbed.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"brine-master.service", "brine-minion.service"} {
		if err := c.CopyIn(filepath.Join(mod, "examples", "systemd", u), "/etc/systemd/system/"+u); err != nil {
			t.Fatal(err)
		}
	}
	minionYAML := "id: testbed\nmaster: nats://127.0.0.1:4222\npresence_interval: 2s\nheartbeat_interval: 1s\nretry_max: 2s\nlog_level: debug\n"
	if err := c.WriteFiles(map[string]string{
		"/etc/brine/master.yaml": "auto_accept: true\nlog_level: debug\n",
		"/etc/brine/minion.yaml": minionYAML,
		"/srv/salt/gated.sls":    gatedSLS,
		"/srv/salt/restart.sls":  restartSLS,
	}); err != nil {
		t.Fatal(err)
	}
	u := &units{t: t, c: c}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := c.Exec(context.Background(), "journalctl", "--no-pager", "-n", "200", "-u", "brine-minion", "-u", "brine-master")
			t.Logf("journal:\n%s", out)
		}
	})
	run(t, c, "systemctl", "daemon-reload")
	// Type=notify: start returns once the master serves, and once the
	// minion is accepted (auto_accept) and listens for jobs.
	run(t, c, "systemctl", "start", "brine-master")
	run(t, c, "systemctl", "start", "brine-minion")
	u.waitPing()

	t.Run("stop drains the running job", func(t *testing.T) {
		u.t = t
		jid := u.gatedJob()
		run(t, c, "systemctl", "stop", "--no-block", "brine-minion")
		u.waitState("deactivating")
		u.waitJournal("stopping: waiting for running jobs")
		if !u.alive(u.jobPid()) {
			t.Fatal("the job's shell died on the stop; want it running until it ends")
		}
		u.openGate()
		u.waitState("inactive")
		if r := u.show("Result"); r != "success" {
			t.Errorf("stop Result=%s; want success (no timeout, no kill)", r)
		}
		if !u.exists("/root/finished") {
			t.Error("the job did not run to its end")
		}
		out, code := u.brine("jobs", "lookup", jid, "--out", "json")
		if code != 0 || !strings.Contains(out, "drained") {
			t.Errorf("lookup of the drained job: exit %d; want its return in the cache\n%s", code, out)
		}
	})

	t.Run("a state restarts the minion", func(t *testing.T) {
		u.t = t
		run(t, c, "systemctl", "start", "brine-minion")
		u.waitPing()
		before := u.show("MainPID")
		out, code := u.brine("testbed", "state.sls", "restart", "-t", "60", "--out", "json")
		if code != 0 || !strings.Contains(out, `"result": true`) {
			t.Fatalf("state.sls restart: exit %d; want it returned and succeeded\n%s", code, out)
		}
		checkIn(t, time.Minute, func() error {
			if pid, st := u.show("MainPID"), u.show("ActiveState"); pid == before || pid == "0" || st != "active" {
				return fmt.Errorf("minion MainPID %s (was %s), %s", pid, before, st)
			}
			return nil
		})
		u.waitPing()
	})

	t.Run("drain_timeout leaves the job running", func(t *testing.T) {
		u.t = t
		if err := c.WriteFiles(map[string]string{"/etc/brine/minion.yaml": minionYAML + "drain_timeout: 2s\n"}); err != nil {
			t.Fatal(err)
		}
		run(t, c, "systemctl", "restart", "brine-minion")
		u.waitPing()
		jid := u.gatedJob()
		pid := u.jobPid()
		run(t, c, "systemctl", "stop", "brine-minion")
		if st := u.show("ActiveState"); st != "inactive" {
			t.Fatalf("minion %s after stop; want inactive", st)
		}
		if r := u.show("Result"); r != "success" {
			t.Errorf("stop Result=%s; want success: the minion exits at drain_timeout, before TimeoutStopSec", r)
		}
		if !u.alive(pid) {
			t.Fatal("the job's shell died with the minion; KillMode=process must leave it (it could be dpkg)")
		}
		u.waitJournal("stopping with jobs still running")
		u.openGate()
		checkIn(t, time.Minute, func() error {
			if !u.exists("/root/finished") {
				return errors.New("the left job has not finished")
			}
			return nil
		})
		run(t, c, "systemctl", "start", "brine-minion")
		checkIn(t, time.Minute, func() error {
			out, _ := u.brine("jobs", "lookup", jid)
			if !strings.Contains(out, "interrupted: the minion stopped while running this job") {
				return fmt.Errorf("lookup after the restart:\n%s", out)
			}
			return nil
		})
	})
}

// units drives brine and systemd inside the container.
type units struct {
	t *testing.T
	c *testbed.Container
}

func (u *units) exec(argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := u.c.Exec(ctx, argv...)
	return string(out), err
}

// brine runs the operator's command in the container, with its exit code.
func (u *units) brine(args ...string) (string, int) {
	u.t.Helper()
	out, err := u.exec(append([]string{testbed.BinPath}, args...)...)
	var ee *testbed.ExecError
	switch {
	case err == nil:
		return out, 0
	case errors.As(err, &ee):
		code := -1
		if x, ok := ee.Err.(interface{ ExitCode() int }); ok {
			code = x.ExitCode()
		}
		return out + ee.Stderr, code
	}
	u.t.Fatal(err)
	return "", -1
}

func (u *units) show(prop string) string {
	u.t.Helper()
	out, err := u.exec("systemctl", "show", "-p", prop, "--value", "brine-minion")
	if err != nil {
		u.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

func (u *units) waitState(want string) {
	u.t.Helper()
	checkIn(u.t, 2*time.Minute, func() error {
		if st := u.show("ActiveState"); st != want {
			return fmt.Errorf("brine-minion is %s; want %s", st, want)
		}
		return nil
	})
}

func (u *units) waitPing() {
	u.t.Helper()
	checkIn(u.t, 2*time.Minute, func() error {
		out, code := u.brine("testbed", "test.ping", "-t", "5", "--out", "json")
		if code != 0 || !strings.Contains(out, `"testbed": true`) {
			return fmt.Errorf("test.ping: exit %d\n%s", code, out)
		}
		return nil
	})
}

func (u *units) waitJournal(text string) {
	u.t.Helper()
	checkIn(u.t, time.Minute, func() error {
		out, _ := u.exec("journalctl", "--no-pager", "-u", "brine-minion")
		if !strings.Contains(out, text) {
			return fmt.Errorf("the minion's journal lacks %q", text)
		}
		return nil
	})
}

func (u *units) exists(p string) bool {
	_, err := u.c.ReadFile(p)
	return err == nil
}

// gatedJob starts the gated state and waits until it runs.
func (u *units) gatedJob() string {
	u.t.Helper()
	run(u.t, u.c, "rm", "-f", "/root/gate", "/root/started", "/root/finished", "/root/pid")
	out, code := u.brine("testbed", "state.sls", "gated", "--async")
	jid := strings.TrimSpace(strings.TrimPrefix(out, "Executed command with job ID: "))
	if code != 0 || len(jid) != 20 {
		u.t.Fatalf("state.sls gated --async: exit %d\n%s", code, out)
	}
	checkIn(u.t, time.Minute, func() error {
		if !u.exists("/root/started") {
			return errors.New("the gated job has not started")
		}
		return nil
	})
	return jid
}

func (u *units) jobPid() string {
	u.t.Helper()
	b, err := u.c.ReadFile("/root/pid")
	if err != nil {
		u.t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

// alive reports whether a process (by its pid in the container) runs.
func (u *units) alive(pid string) bool {
	_, err := u.exec("kill", "-0", pid)
	return err == nil
}

func (u *units) openGate() {
	u.t.Helper()
	if err := u.c.WriteFiles(map[string]string{"/root/gate": ""}); err != nil {
		u.t.Fatal(err)
	}
}

// checkIn polls f until it returns nil; total only guards against a
// hang.
func checkIn(t *testing.T, total time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("still failing after %v: %v", total, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
