package web

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/proto"
)

// sse is one GET /events stream.
type sse struct {
	t      testing.TB
	events chan proto.Event
	cancel context.CancelFunc
}

// stream opens GET /events with the token and tag globs; the events
// come on a channel until the test ends.
func (w *webEnv) stream(token string, header bool, tags ...string) *sse {
	w.T.Helper()
	q := url.Values{"tag": tags}
	if !header {
		q.Set("token", token)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", w.base+"/events?"+q.Encode(), nil)
	if err != nil {
		w.T.Fatal(err)
	}
	if header {
		req.Header.Set("X-Auth-Token", token)
	}
	resp, err := w.client.Do(req)
	if err != nil {
		w.T.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		w.T.Fatalf("GET /events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &sse{t: w.T, events: make(chan proto.Event, 1024), cancel: cancel}
	w.T.Cleanup(cancel)
	go func() {
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var tag string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "tag: "):
				tag = strings.TrimPrefix(line, "tag: ")
			case strings.HasPrefix(line, "data: "):
				var ev proto.Event
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &ev); err != nil || ev.Tag != tag {
					ev = proto.Event{Tag: "bad: " + tag + " " + line}
				}
				select {
				case s.events <- ev:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return s
}

// until reads events until done says the wait is over; it returns them.
func (s *sse) until(what string, done func(seen []proto.Event) bool) []proto.Event {
	s.t.Helper()
	var seen []proto.Event
	deadline := time.After(60 * time.Second)
	for !done(seen) {
		select {
		case ev := <-s.events:
			if strings.HasPrefix(ev.Tag, "bad: ") {
				s.t.Fatalf("a malformed event: %s", ev.Tag)
			}
			seen = append(seen, ev)
		case <-deadline:
			s.t.Fatalf("%s: still waiting; saw %d events", what, len(seen))
		}
	}
	return seen
}

func retsOf(seen []proto.Event, jid string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, ev := range seen {
		if id, ok := strings.CutPrefix(ev.Tag, "salt/job/"+jid+"/ret/"); ok {
			var d map[string]any
			if json.Unmarshal(ev.Data, &d) == nil {
				out[id] = d
			}
		}
	}
	return out
}

// TestEvents: GET /events streams the bus live, filtered by tag glob;
// the read-only role's stream has no return data.
func TestEvents(t *testing.T) {
	w := newWebEnv(t, false)
	op, ro := w.login("operator.nk"), w.login("readonly.nk")
	opStream := w.stream(op, true, "salt/job/*/ret/*")
	roStream := w.stream(ro, false, "salt/job/*")

	ret := w.run(op, map[string]any{"client": "local_async", "tgt": "*", "fun": "test.echo", "arg": []any{"hush"}})
	jid, _ := ret[0].(map[string]any)["jid"].(string)
	if jid == "" {
		t.Fatalf("local_async: %v", ret)
	}
	both := func(seen []proto.Event) bool { return len(retsOf(seen, jid)) == 2 }
	seen := opStream.until("the operator's return events", both)
	for _, ev := range seen {
		if !strings.Contains(ev.Tag, "/ret/") {
			t.Errorf("the stream filtered on salt/job/*/ret/* carried %s", ev.Tag)
		}
	}
	for id, d := range retsOf(seen, jid) {
		if d["return"] != "hush" || d["id"] != id {
			t.Errorf("operator's ret event of %s = %v; want its return", id, d)
		}
	}
	seen = roStream.until("the read-only role's return events", both)
	newSeen := false
	for _, ev := range seen {
		newSeen = newSeen || ev.Tag == fmt.Sprintf("salt/job/%s/new", jid)
	}
	if !newSeen {
		t.Errorf("the read-only stream on salt/job/* has no salt/job/%s/new", jid)
	}
	for id, d := range retsOf(seen, jid) {
		if _, has := d["return"]; has || d["success"] != true {
			t.Errorf("read-only ret event of %s = %v; want how it ended without its return", id, d)
		}
	}

	// Key events, live: a new minion asks, the operator accepts it.
	keys := w.stream(ro, true, "salt/auth", "salt/key")
	w.AddMinion("m3", "role: db", "")
	act := func(tag, act string) func([]proto.Event) bool {
		return func(seen []proto.Event) bool {
			for _, ev := range seen {
				var d proto.KeyEventData
				if ev.Tag == tag && json.Unmarshal(ev.Data, &d) == nil && d.ID == "m3" && d.Act == act {
					return true
				}
			}
			return false
		}
	}
	keys.until("m3's key request (salt/auth pend)", act(proto.TagAuth, proto.ActPend))
	if out, errOut, code := w.Brine("key", "accept", "m3", "-y"); code != 0 {
		t.Fatalf("key accept m3: %d\n%s%s", code, out, errOut)
	}
	keys.until("m3's acceptance (salt/key accept)", act(proto.TagKey, proto.ActAccept))
}
