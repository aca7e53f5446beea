package security

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
	"github.com/brine-cm/brine/test/harness"
)

// Class 3: one accepted minion cannot take the master down. Before,
// floods of pillar or chunk requests cut the master's own connection
// (and with it the auth callout), a heartbeat flood grew the master by
// 2 GB, an event flood wrote 2.1 GB to the job cache, and a presence
// flood had other minions reported not connected.
func TestFloodsDoNotTakeDownTheMaster(t *testing.T) {
	e := newEnv(t, "limits:\n  job_cache_bytes: 16777216\n  job_bytes_per_minion: 4194304\n")
	ev := newEvil(t, e, "evil")
	// A job sent to evil, so that its events are for a real job.
	var pub proto.PublishReply
	jid := proto.NewJID(time.Now())
	op := e.Operator(false, proto.OperatorInbox)
	if err := ask(op, proto.SubjPublish, &proto.PublishRequest{JID: jid, Target: "evil", TargetType: proto.TargetList,
		Fun: "test.ping", Timeout: proto.Duration(5 * time.Second)}, &pub); err != nil || len(pub.Minions) != 1 {
		t.Fatalf("publish to evil: %v %+v", err, pub)
	}
	var info proto.FileInfo
	if err := ask(ev.nc, proto.SubjFile("evil"), &proto.FileRequest{Path: "files/hello.txt"}, &info); err != nil {
		t.Fatal(err)
	}

	// A batch of the most states the master takes, each large (48
	// KiB in all): the master decodes it once and keeps it within the
	// job's limit.
	batch := &proto.StateEvents{JID: jid, ID: "evil"}
	for i := range proto.MaxStateEvents {
		batch.States = append(batch.States, proto.KeyedState{Key: "k", State: proto.StateResult{RunNum: i, Comment: strings.Repeat("x", 700)}})
	}
	bigEvent := ev.marshal(batch)
	floods := map[string]func(i int, nc *nats.Conn){
		"pillar": func(i int, nc *nats.Conn) {
			_ = nc.PublishRequest(proto.SubjPillar("evil"), proto.InboxPrefix("evil")+".f", ev.marshal(&proto.PillarRequest{ID: "evil"}))
		},
		"chunk": func(i int, nc *nats.Conn) {
			_ = nc.PublishRequest(proto.SubjFileChunk("evil"), proto.InboxPrefix("evil")+".f", ev.marshal(&proto.ChunkRequest{SHA256: info.SHA256, ChunkV: proto.ChunkVersion}))
		},
		"heartbeat": func(i int, nc *nats.Conn) {
			j := fmt.Sprintf("%020d", i)
			_ = nc.Publish(proto.SubjHB("evil", j), ev.marshal(&proto.Heartbeat{JID: j, ID: "evil"}))
		},
		"event": func(i int, nc *nats.Conn) { _ = nc.Publish(proto.SubjEvent("evil", jid), bigEvent) },
		"presence": func(i int, nc *nats.Conn) {
			_ = nc.Publish(proto.SubjPresence("evil"), ev.marshal(&proto.Presence{ID: "evil", Status: proto.Online}))
		},
		"grains": func(i int, nc *nats.Conn) {
			_ = nc.Publish(proto.SubjGrains("evil"), ev.marshal(&proto.Grains{ID: "evil", Grains: map[string]any{"n": i}}))
		},
	}
	const rounds = 20000
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for name, send := range floods {
		nc, _ := ev.connect()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if name == "event" && i >= 2000 { // 2,000 x 48 KiB: 96 MiB
					break
				}
				send(i, nc)
				if i%500 == 0 {
					_ = nc.Flush()
				}
			}
			_ = nc.Flush()
		}()
	}
	// While the flood goes on, the others answer and nobody is
	// reported not connected.
	for i := 0; i < 3; i++ {
		out, errOut, _ := e.Brine("-L", "m1,m2", "test.ping", "--out", "json", "-t", "5")
		if !strings.Contains(out, `"m1": true`) || !strings.Contains(out, `"m2": true`) {
			t.Errorf("during the flood, test.ping:\n%s%s", out, errOut)
		}
	}
	wg.Wait()
	close(stop)

	// The auth callout still answers: a new key can join.
	newEvil(t, e, "newcomer")
	ping(t, e, "m1", "m2")
	var mr proto.MinionsReply
	if err := ask(op, proto.SubjMinions, &proto.MinionsRequest{}, &mr); err != nil {
		t.Fatal(err)
	}
	for _, m := range mr.Minions {
		if (m.ID == "m1" || m.ID == "m2") && !m.Connected {
			t.Errorf("%s reported not connected after the flood", m.ID)
		}
	}
	rss, err := e.Master.RSS()
	if err != nil {
		t.Fatal(err)
	}
	if rss > 300<<20 {
		t.Errorf("master RSS after the flood: %d MiB", rss>>20)
	}
	// The job cache kept at most the job's limit of evil's events.
	var lr proto.JobLookupReply
	if err := askParts(op, proto.SubjJobsLookup, &proto.JobsRequest{JID: jid}, &lr); err != nil {
		t.Fatal(err)
	}
	used := cacheBytes(t, e)
	if used > 16<<20 {
		t.Errorf("job cache holds %d MiB, over its 16 MiB limit", used>>20)
	}
	if strings.Contains(e.Master.LogText(), "Slow Consumer Detected") && strings.Contains(e.Master.LogText(), "brine-master") {
		t.Errorf("the master's own connection was cut as a slow consumer")
	}
	harness.CheckFor(t, 5*time.Second, 100*time.Millisecond, func() error {
		if !strings.Contains(e.Master.LogText(), "rate limit") {
			return fmt.Errorf("no rate limit refusal logged")
		}
		return nil
	})
}
