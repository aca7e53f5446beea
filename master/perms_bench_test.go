package master

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// BenchmarkMinionPermissions measures what a minion's permissions
// (proto.MinionPermissions, as the auth callout grants them) cost the
// NATS server: the heap each connected minion holds (B/minion, of 500
// minions), and a publish checked against them on a subject that holds a
// fresh job id each time, as acks and returns do (the server's
// permission cache never has it); and what the permission caches hold
// once every minion has published on 200 such subjects
// (B/minion-200-jobs, on top of B/minion).
func BenchmarkMinionPermissions(b *testing.B) {
	const n = 500
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("web%04d.example.org", i)
		pub, sub := proto.MinionPermissions(ids[i])
		opts.Users = append(opts.Users, &server.User{Username: ids[i], Password: "x", Permissions: &server.Permissions{
			Publish: &server.SubjectPermission{Allow: pub}, Subscribe: &server.SubjectPermission{Allow: sub}}})
	}
	opts.Users = append(opts.Users, &server.User{Username: "master", Password: "x"})
	s, err := server.NewServer(opts)
	if err != nil {
		b.Fatal(err)
	}
	go s.Start()
	if !s.ReadyForConnections(60 * time.Second) {
		b.Fatal("server not ready")
	}
	defer s.Shutdown()

	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	// The master's side: one subscriber to every return.
	mc, err := nats.Connect(s.ClientURL(), nats.UserInfo("master", "x"))
	if err != nil {
		b.Fatal(err)
	}
	defer mc.Close()
	got := make(chan struct{}, 1)
	count := 0
	if _, err := mc.Subscribe(proto.AllReturns, func(*nats.Msg) {
		count++
		if count == b.N {
			got <- struct{}{}
		}
	}); err != nil {
		b.Fatal(err)
	}
	_ = mc.Flush()

	before := heap()
	conns := make([]*nats.Conn, n)
	for i, id := range ids {
		nc, err := nats.Connect(s.ClientURL(), nats.UserInfo(id, "x"), nats.CustomInboxPrefix(proto.InboxPrefix(id)))
		if err != nil {
			b.Fatal(err)
		}
		defer nc.Close()
		for _, sub := range []string{proto.SubjJob(id), proto.SubjKill(id), proto.SubjJobAll, proto.SubjTrustPush} {
			if _, err := nc.Subscribe(sub, func(*nats.Msg) {}); err != nil {
				b.Fatal(err)
			}
		}
		// Every kind of subject once, as a minion's life does.
		for _, subj := range []string{proto.SubjHello(id), proto.SubjGrains(id), proto.SubjPresence(id), proto.SubjPillar(id),
			proto.SubjFile(id), proto.SubjFileChunk(id), proto.SubjMine(id), proto.SubjMinionEvent(id)} {
			_ = nc.Publish(subj, nil)
		}
		if err := nc.Flush(); err != nil {
			b.Fatal(err)
		}
		conns[i] = nc
	}
	perMinion := float64(heap()-before) / n
	// A long-lived master's: every minion has sent the acks and returns
	// of 200 jobs, each on a subject of its own, which the server's
	// permission cache of the connection keeps (up to 128 subjects).
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	afterJobs := heap()
	for i, nc := range conns {
		for j := range 200 {
			jid := proto.NewJID(t0.Add(time.Duration(j) * time.Second))
			_ = nc.Publish(proto.SubjAck(ids[i], jid), nil)
		}
		if err := nc.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	perMinionJobs := float64(heap()-afterJobs) / n

	nc := conns[0]
	jids := make([]string, b.N)
	for i := range jids {
		jids[i] = proto.NewJID(t0.Add(time.Duration(i) * time.Microsecond))
	}
	b.ResetTimer()
	for i := range b.N {
		if err := nc.Publish(proto.SubjReturn(ids[0], jids[i]), []byte(`{"v":1}`)); err != nil {
			b.Fatal(err)
		}
	}
	_ = nc.Flush()
	select {
	case <-got:
	case <-time.After(time.Minute):
		b.Fatalf("%d of %d returns reached the master", count, b.N)
	}
	b.StopTimer()
	b.ReportMetric(perMinion, "B/minion")
	b.ReportMetric(perMinionJobs, "B/minion-200-jobs")
}
