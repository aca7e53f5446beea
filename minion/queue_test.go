package minion

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/brine-cm/brine/pkg/client"
	"github.com/brine-cm/brine/pkg/proto"
)

// publishTouch sends m1 a state.single cmd.run that touches name, with
// Salt's queue or concurrent keyword.
func (r *stopRig) publishTouch(name string, kw map[string]any) string {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	kwargs := map[string]any{"name": "touch " + r.path(name)}
	for k, v := range kw {
		kwargs[k] = v
	}
	rep, err := r.cli.Publish(ctx, client.Job{Target: "m1", TargetType: proto.TargetGlob, Fun: "state.single",
		Args: []any{"cmd.run"}, Kwargs: kwargs, Timeout: 30 * time.Second})
	if err != nil {
		r.t.Fatalf("publish: %v", err)
	}
	return rep.JID
}

// TestStateRunQueueAndConcurrent: while a state run goes on, another is
// refused as busy; with Salt's queue=True it waits its turn and then
// runs; with concurrent=True it runs alongside.
func TestStateRunQueueAndConcurrent(t *testing.T) {
	r := newStopRig(t, nil)
	first := r.publish("state.sls", "gated").JID
	r.waitStarted()

	busy := r.publishTouch("busy", nil)
	waitFor(t, "the busy refusal", func() bool { return r.lookup(busy) != nil })
	if ret := r.lookup(busy); ret.Retcode == 0 || !strings.Contains(string(mustJSON(ret.Return)), "busy, job "+first) || r.exists("busy") {
		t.Fatalf("a second state run = %+v; want it refused as busy", ret)
	}
	queued := r.publishTouch("queued", map[string]any{"queue": true})
	concurrent := r.publishTouch("concurrent", map[string]any{"concurrent": "True"})
	waitFor(t, "the concurrent run", func() bool { return r.exists("concurrent") && r.lookup(concurrent) != nil })
	if r.exists("queued") || r.lookup(queued) != nil {
		t.Fatalf("the queued run did not wait for the one going on:\n%s", r.logs)
	}
	if err := os.WriteFile(r.path("gate"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the queued run", func() bool { return r.lookup(queued) != nil })
	if ret := r.lookup(queued); ret.Retcode != 0 || !r.exists("queued") {
		t.Errorf("the queued run = %+v; want it run once the first ended", ret)
	}
	if ret := r.lookup(first); ret == nil || ret.Retcode != 0 {
		t.Errorf("the first run = %+v", ret)
	}
}
