package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/test/harness"
)

// sendEvent runs `brine event send` on a minion's config dir.
func sendEvent(t *testing.T, e *harness.Env, id string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, harness.Bin, append([]string{"event", "send", "-c", filepath.Join(e.Dir, id)}, args...)...)
	out, err := cmd.CombinedOutput()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), code
}

// eventsOf reads what `brine events` printed (not pretty): tag -> data,
// in order.
type printedEvent struct {
	Tag  string
	Data map[string]any
}

func eventsOf(t *testing.T, p *harness.Proc) []printedEvent {
	t.Helper()
	b, err := os.ReadFile(p.Log)
	if err != nil {
		t.Fatal(err)
	}
	var out []printedEvent
	for _, line := range strings.Split(string(b), "\n") {
		tag, js, ok := strings.Cut(line, "\t")
		if !ok {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal([]byte(js), &d); err != nil {
			t.Fatalf("event line %q: data is not JSON: %v", line, err)
		}
		out = append(out, printedEvent{tag, d})
	}
	return out
}

func findEvent(evs []printedEvent, tag string) *printedEvent {
	for i := range evs {
		if evs[i].Tag == tag {
			return &evs[i]
		}
	}
	return nil
}

// TestEventBus: `brine events` prints the master's events in Salt's tags
// and shapes: a minion's own event (under its namespace, with its
// authenticated id), a job's new and ret events, key events and a new
// minion's start.
func TestEventBus(t *testing.T) {
	e := harness.NewEnv(t, "-- top.sls --\nbase: {}\n-- ev.sls --\nfirst:\n  test.succeed_with_changes: []\nsecond:\n  test.succeed_without_changes: []\n"+
		"third:\n  test.succeed_without_changes:\n    - fire_event: True\nfourth:\n  test.succeed_without_changes:\n    - fire_event: deploy/web\n", "", "")
	e.AddMinion("m1", "role: web", "")
	e.AcceptAll("m1")
	ev := harness.StartProc(t, "events", filepath.Join(e.Dir, "events.log"), "events", "-c", e.Etc)

	// The stream is there once an event sent now shows in it.
	harness.CheckFor(t, 20*time.Second, 200*time.Millisecond, func() error {
		if out, code := sendEvent(t, e, "m1", "deploy/done", `{"version": "1.2", "id": "forged"}`); code != 0 {
			return fmt.Errorf("event send: exit %d: %s", code, out)
		}
		if findEvent(eventsOf(t, ev), "minion/m1/deploy/done") == nil {
			return fmt.Errorf("no minion/m1/deploy/done in:\n%s", ev.LogText())
		}
		return nil
	})
	got := findEvent(eventsOf(t, ev), "minion/m1/deploy/done")
	inner, _ := got.Data["data"].(map[string]any)
	if got.Data["id"] != "m1" || inner["version"] != "1.2" || inner["id"] != "forged" || got.Data["_stamp"] == nil {
		t.Fatalf("minion event data = %v; want id m1 (the master's), the minion's data under data, a _stamp", got.Data)
	}

	// A job: its new event, then each return.
	out, errOut, code := e.Brine("m1", "test.ping", "-v")
	if code != 0 {
		t.Fatalf("test.ping: %d %s%s", code, out, errOut)
	}
	jid := regexp.MustCompile(`[0-9]{20}`).FindString(out + errOut)
	if jid == "" {
		t.Fatalf("no jid in %s%s", out, errOut)
	}
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		evs := eventsOf(t, ev)
		n, r := findEvent(evs, "salt/job/"+jid+"/new"), findEvent(evs, "salt/job/"+jid+"/ret/m1")
		if n == nil || r == nil {
			return fmt.Errorf("job %s: new %v ret %v", jid, n, r)
		}
		if n.Data["fun"] != "test.ping" || fmt.Sprint(n.Data["minions"]) != "[m1]" || n.Data["tgt"] != "m1" {
			return fmt.Errorf("new event data = %v", n.Data)
		}
		if r.Data["return"] != true || r.Data["success"] != true || r.Data["id"] != "m1" || r.Data["retcode"] != float64(0) {
			return fmt.Errorf("ret event data = %v", r.Data)
		}
		return nil
	})

	// A state run: an event per state (salt/job/<jid>/prog/<id>/<n>).
	out, errOut, code = e.Brine("m1", "state.sls", "ev", "-v")
	jid = regexp.MustCompile(`[0-9]{20}`).FindString(out + errOut)
	if code != 0 || jid == "" {
		t.Fatalf("state.sls ev: %d %s%s", code, out, errOut)
	}
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		evs := eventsOf(t, ev)
		p0, p1 := findEvent(evs, "salt/job/"+jid+"/prog/m1/0"), findEvent(evs, "salt/job/"+jid+"/prog/m1/1")
		if p0 == nil || p1 == nil {
			return fmt.Errorf("prog events of %s: %v %v", jid, p0, p1)
		}
		ret, _ := p1.Data["data"].(map[string]any)["ret"].(map[string]any)
		if ret["__id__"] != "second" || ret["result"] != true || p1.Data["id"] != "m1" || p1.Data["jid"] != jid {
			return fmt.Errorf("prog event data = %v", p1.Data)
		}
		// fire_event, as Salt's State.event: the state's name, or the
		// text given, under salt/state_result/<jid>/<id>/, instead of
		// its prog event.
		f3, f4 := findEvent(evs, "salt/state_result/"+jid+"/m1/third"), findEvent(evs, "salt/state_result/"+jid+"/m1/deploy/web")
		if f3 == nil || f4 == nil {
			return fmt.Errorf("fire_event events of %s: %v %v", jid, f3, f4)
		}
		ret, _ = f4.Data["data"].(map[string]any)["ret"].(map[string]any)
		if ret["__id__"] != "fourth" || f4.Data["id"] != "m1" || f4.Data["jid"] != jid {
			return fmt.Errorf("fire_event event data = %v", f4.Data)
		}
		if p := findEvent(evs, "salt/job/"+jid+"/prog/m1/2"); p != nil {
			return fmt.Errorf("a fire_event state also has its prog event: %v", p)
		}
		return nil
	})

	// event.send, the execution function, from a job.
	if out, errOut, code := e.Brine("m1", "event.send", "deploy/exec", "version=2"); code != 0 {
		t.Fatalf("event.send: %d %s%s", code, out, errOut)
	}
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		x := findEvent(eventsOf(t, ev), "minion/m1/deploy/exec")
		if x == nil {
			return fmt.Errorf("no minion/m1/deploy/exec")
		}
		if d, _ := x.Data["data"].(map[string]any); x.Data["id"] != "m1" || d["version"] != float64(2) {
			return fmt.Errorf("event.send data = %v", x.Data)
		}
		return nil
	})

	// A new minion: its key request (salt/auth, pend), its acceptance
	// (salt/key), its first connection (salt/minion/<id>/start).
	e.AddMinion("m2", "role: db", "")
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		a := findEvent(eventsOf(t, ev), "salt/auth")
		if a == nil || a.Data["id"] != "m2" || a.Data["act"] != "pend" || a.Data["pub"] == "" {
			return fmt.Errorf("salt/auth of m2: %v", a)
		}
		return nil
	})
	e.AcceptAll("m2")
	harness.CheckFor(t, 20*time.Second, 100*time.Millisecond, func() error {
		evs := eventsOf(t, ev)
		k := findEvent(evs, "salt/key")
		if k == nil || k.Data["id"] != "m2" || k.Data["act"] != "accept" || k.Data["result"] != true {
			return fmt.Errorf("salt/key of m2: %v", k)
		}
		if s := findEvent(evs, "salt/minion/m2/start"); s == nil || s.Data["id"] != "m2" {
			return fmt.Errorf("salt/minion/m2/start: %v", s)
		}
		if findEvent(evs, "minion_start") == nil {
			return fmt.Errorf("no minion_start")
		}
		return nil
	})

	// --tag filters, --count stops: the command ends by itself.
	out2 := make(chan string, 1)
	go func() {
		o, _, _ := e.Brine("events", "--tag", "minion/*/second", "--count", "1", "--pretty")
		out2 <- o
	}()
	var printed string
	harness.CheckFor(t, 30*time.Second, 200*time.Millisecond, func() error {
		sendEvent(t, e, "m2", "first")
		sendEvent(t, e, "m2", "second", "{n: 2}")
		select {
		case printed = <-out2:
			return nil
		default:
			return fmt.Errorf("brine events --count 1 still running")
		}
	})
	if !strings.HasPrefix(printed, "minion/m2/second\t{\n    \"_stamp\": ") || strings.Contains(printed, "first") || !strings.Contains(printed, `"n": 2`) {
		t.Fatalf("brine events --tag --count --pretty printed:\n%s", printed)
	}

	// A tag with a space, data that is no mapping: refused before sending.
	if out, code := sendEvent(t, e, "m1", "bad tag"); code == 0 {
		t.Fatalf("event send of a tag with a space: exit 0: %s", out)
	}
	if out, code := sendEvent(t, e, "m1", "t", "[1, 2]"); code == 0 {
		t.Fatalf("event send of a list as data: exit 0: %s", out)
	}
}
