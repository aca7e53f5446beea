package minion

import (
	"fmt"
	"io"
	"log/slog"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nkeys"

	"github.com/brine-cm/brine/pkg/proto"
)

// liveJobs is how many jobs a benchmark keeps within their expiry, as
// a minion does the jobs of the last job_expiry.
const liveJobs = 100

// signedJobs signs n jobs for m1 and 31 others (a group of the master's
// jobs to a large fleet, as the minion decodes it), job i issued at
// base+i ms and valid for liveJobs ms: checked at its issue time, the
// replay cache holds liveJobs nonces.
func signedJobs(b *testing.B, n int, base time.Time) ([][]byte, string) {
	group := []string{"m1"}
	for i := 2; len(group) < 32; i++ {
		group = append(group, fmt.Sprintf("web-%05d.example.com", i))
	}
	kp, err := nkeys.CreateAccount()
	if err != nil {
		b.Fatal(err)
	}
	pub, _ := kp.PublicKey()
	out := make([][]byte, n)
	for i := range out {
		at := base.Add(time.Duration(i) * time.Millisecond)
		job := &proto.Job{JID: proto.NewJID(at), Target: "*", TargetType: proto.TargetGlob, Fun: "test.ping",
			Minions: group, IssuedAt: at, Expiry: at.Add(liveJobs * time.Millisecond), Nonce: proto.NewNonce(), Timeout: proto.Duration(5 * time.Second)}
		if out[i], err = proto.SignJob(kp, job); err != nil {
			b.Fatal(err)
		}
	}
	return out, pub
}

// BenchmarkJobBookkeeping is what a minion does for each job besides
// running it and talking to the master: verify and decode it, keep its
// nonce across restarts, write it in the journal and cross it out. Run
// it with TMPDIR on tmpfs to leave the disk's fsync out.
func BenchmarkJobBookkeeping(b *testing.B) {
	cfg := Defaults()
	cfg.ID = "m1"
	cfg.StateDir = b.TempDir()
	m := New(&cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	bk, _, err := openBook(cfg.StateDir, time.Now(), m.liveNonces, m.log.Warn)
	if err != nil {
		b.Fatal(err)
	}
	defer bk.close()
	m.book = bk
	base := time.Now().UTC()
	jobs, pub := signedJobs(b, b.N+liveJobs, base)
	trusted := []string{pub}
	for i := range liveJobs {
		if _, err := proto.VerifyJob(jobs[i], trusted, base.Add(time.Duration(i)*time.Millisecond), m.seen); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := liveJobs; i < b.N+liveJobs; i++ {
		job, err := proto.VerifyJob(jobs[i], trusted, base.Add(time.Duration(i)*time.Millisecond), m.seen)
		if err != nil {
			b.Fatal(err)
		}
		m.journalStart(job, origin{})
		m.journalDone(job.JID)
	}
}

// BenchmarkVerifyJob is the verify and decode alone.
func BenchmarkVerifyJob(b *testing.B) {
	base := time.Now().UTC()
	jobs, pub := signedJobs(b, b.N, base)
	trusted := []string{pub}
	seen := proto.NewReplayCache()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for i := range b.N {
		if _, err := proto.VerifyJob(jobs[i], trusted, base.Add(time.Duration(i)*time.Millisecond), seen); err != nil {
			b.Fatal(err)
		}
	}
}

// reportCPU reports the process's CPU time (user and system) per
// operation from now until the returned func is called: on a shared
// machine, the wall clock measures the neighbours too.
func reportCPU(b *testing.B) func() {
	start := cpuTime(b)
	return func() {
		b.ReportMetric(float64((cpuTime(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
