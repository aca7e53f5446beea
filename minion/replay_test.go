package minion

import (
	"context"
	"os"
	"strings"
	"testing"
)

// A job the minion ran is refused when it comes again after a restart:
// its nonce is in the book on disk, not only in memory. So is a job
// it refused as busy, and a kill.
func TestReplayAfterRestartRefused(t *testing.T) {
	r := newStopRig(t, nil)
	msg, jid := r.signedJob("cmd.run", "touch "+r.path("ran"))
	r.mn.onJob(context.Background(), msg)
	waitFor(t, "the job to run", func() bool { return r.exists("ran") })
	// Its return is refused (the master did not send it): then the
	// job is crossed out of the journal.
	waitFor(t, "the job to be crossed out", func() bool { return len(r.journal()) == 0 })

	r.stop()
	if err := r.exited(); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if err := os.Remove(r.path("ran")); err != nil {
		t.Fatal(err)
	}
	r.start(nil)
	r.mn.onJob(context.Background(), msg)
	if !strings.Contains(r.logs.String(), "replayed") {
		t.Fatalf("the job %s sent again after a restart was not refused as replayed:\n%s", jid, r.logs)
	}
	// A job run once more would have been logged as started: none was.
	if strings.Contains(r.logs.String(), "job started") || r.exists("ran") {
		t.Errorf("the replayed job ran after the restart:\n%s", r.logs)
	}
}
