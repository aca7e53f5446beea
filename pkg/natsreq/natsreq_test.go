package natsreq

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/brine-cm/brine/pkg/proto"
)

// startServer starts an embedded NATS server on a random port.
func startServer(t *testing.T) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(60 * time.Second) {
		s.Shutdown()
		t.Fatal("nats server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

func connect(t *testing.T, s *server.Server) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// part is one message of an answer: its PartHeader value ("" for none)
// and its data.
type part struct {
	label string
	data  []byte
}

// inParts cuts b into n parts, labelled "i/n".
func inParts(b []byte, n int) []part {
	size := (len(b) + n - 1) / n
	var out []part
	for i, p := range proto.SplitParts(b, size) {
		out = append(out, part{proto.PartLabel(i, n), p})
	}
	if len(out) != n {
		panic(fmt.Sprintf("inParts: %d parts, want %d", len(out), n))
	}
	return out
}

// serve answers every request on subj with what answer returns, one
// message per part, in that order.
func serve(t *testing.T, nc *nats.Conn, subj string, answer func(req []byte) []part) {
	t.Helper()
	// The handler runs on nats.go's goroutine and may still be answering
	// when the test ends; done, set under mu by the cleanup, keeps it from
	// reporting on a finished test (which panics).
	var (
		mu   sync.Mutex
		done bool
	)
	sub, err := nc.Subscribe(subj, func(msg *nats.Msg) {
		mu.Lock()
		defer mu.Unlock()
		for _, p := range answer(msg.Data) {
			if done {
				return
			}
			out := &nats.Msg{Subject: msg.Reply, Data: p.data}
			if p.label != "" {
				out.Header = nats.Header{proto.PartHeader: []string{p.label}}
			}
			if err := nc.PublishMsg(out); err != nil {
				t.Errorf("answer: %v", err)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = sub.Unsubscribe()
		mu.Lock()
		done = true
		mu.Unlock()
	})
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
}

func request(t *testing.T, r *Requester, subj string, timeout time.Duration) ([]byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return r.Request(ctx, &nats.Msg{Subject: subj, Data: []byte("q")})
}

// whole is an answer of 5 parts' worth of distinct bytes.
func whole(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func TestRequestParts(t *testing.T) {
	s := startServer(t)
	svc, cli := connect(t, s), connect(t, s)
	r, err := New(cli)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	w := whole(5000)
	five := inParts(w, 5)

	tests := []struct {
		name  string
		parts []part
		want  []byte
	}{
		{"one part", []part{{"", []byte(`{"v":1}`)}}, []byte(`{"v":1}`)},
		{"one part labelled 0/1", []part{{"0/1", []byte("x")}}, []byte("x")},
		{"empty answer", []part{{"", nil}}, []byte{}},
		{"five parts", five, w},
		{"out of order", []part{five[3], five[1], five[4], five[0], five[2]}, w},
		{"duplicate part", []part{five[0], five[1], five[1], five[2], five[3], five[4]}, w},
		// A repeated part is ignored: the first copy counts, whatever
		// the second says.
		{"duplicate part, other data", []part{five[0], five[2], {five[2].label, []byte("garbled")}, five[1], five[4], five[3]}, w},
		{"empty parts", []part{{"1/3", nil}, {"0/3", []byte("ab")}, {"2/3", nil}}, []byte("ab")},
	}
	for k, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subj := fmt.Sprintf("svc.%d", k)
			serve(t, svc, subj, func([]byte) []part { return tt.parts })
			got, err := request(t, r, subj, 5*time.Second)
			if err != nil {
				t.Fatalf("Request = %v", err)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Request = %d bytes %.40q; want %d bytes %.40q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

// TestRequestConcurrent makes many requests at once on one Requester:
// each gets its own answer, whole, though the parts of all interleave.
func TestRequestConcurrent(t *testing.T) {
	s := startServer(t)
	svc, cli := connect(t, s), connect(t, s)
	r, err := New(cli)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	serve(t, svc, "echo", func(req []byte) []part {
		return inParts(bytes.Repeat(req, 50), 5)
	})
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q := []byte(fmt.Sprintf("<%02d>", i))
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			got, err := r.Request(ctx, &nats.Msg{Subject: "echo", Data: q})
			if err != nil || !bytes.Equal(got, bytes.Repeat(q, 50)) {
				t.Errorf("Request %d = %.40q, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
}

func TestRequestRefused(t *testing.T) {
	s := startServer(t)
	svc, cli := connect(t, s), connect(t, s)
	r, err := New(cli)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.MaxBytes = 1000

	t.Run("no responders", func(t *testing.T) {
		_, err := request(t, r, "nobody.here", 5*time.Second)
		if !errors.Is(err, nats.ErrNoResponders) {
			t.Errorf("Request = %v; want ErrNoResponders", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		serve(t, svc, "silent", func([]byte) []part { return nil })
		_, err := request(t, r, "silent", 200*time.Millisecond)
		if !errors.Is(err, nats.ErrTimeout) {
			t.Errorf("Request = %v; want ErrTimeout", err)
		}
	})
	t.Run("missing part", func(t *testing.T) {
		five := inParts(whole(500), 5)
		serve(t, svc, "lossy", func([]byte) []part { return append(five[:2:2], five[3:]...) })
		if _, err := request(t, r, "lossy", 300*time.Millisecond); !errors.Is(err, nats.ErrTimeout) {
			t.Errorf("Request = %v; want ErrTimeout", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := r.Request(ctx, &nats.Msg{Subject: "silent"}); !errors.Is(err, context.Canceled) {
			t.Errorf("Request = %v; want context.Canceled", err)
		}
	})

	refused := []struct {
		name  string
		parts []part
	}{
		// 5 parts of 400 bytes: 2000 bytes, over MaxBytes; the parts
		// past the limit are never kept.
		{"part flood over MaxBytes", inParts(whole(2000), 5)},
		{"many small parts over MaxBytes", inParts(whole(2000), 40)},
		{"one part over MaxBytes", []part{{"", whole(1001)}}},
		{"bad part header", []part{{"1 of 2", []byte("x")}}},
		{"part past its count", []part{{"5/5", []byte("x")}}},
		{"count over MaxParts", []part{{fmt.Sprintf("0/%d", proto.MaxParts+1), []byte("x")}}},
		{"parts that disagree", []part{{"0/3", []byte("x")}, {"1/2", []byte("y")}, {"2/3", []byte("z")}}},
	}
	for k, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			subj := fmt.Sprintf("bad.%d", k)
			serve(t, svc, subj, func([]byte) []part { return tt.parts })
			got, err := request(t, r, subj, 5*time.Second)
			if !errors.Is(err, proto.ErrPart) {
				t.Errorf("Request = %d bytes, %v; want ErrPart", len(got), err)
			}
		})
	}

	// The Requester still works after every refusal.
	serve(t, svc, "fine", func([]byte) []part { return inParts(whole(900), 3) })
	if got, err := request(t, r, "fine", 5*time.Second); err != nil || !bytes.Equal(got, whole(900)) {
		t.Errorf("Request after refusals = %d bytes, %v", len(got), err)
	}
}

// TestLateParts: parts of an answer that arrive after its request gave
// up go nowhere, and do not leak into the next request's answer.
func TestLateParts(t *testing.T) {
	s := startServer(t)
	svc, cli := connect(t, s), connect(t, s)
	r, err := New(cli)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	release := make(chan struct{})
	sub, err := svc.Subscribe("slow", func(msg *nats.Msg) {
		<-release
		for _, p := range inParts([]byte("late answer"), 2) {
			_ = svc.PublishMsg(&nats.Msg{Subject: msg.Reply, Data: p.data, Header: nats.Header{proto.PartHeader: []string{p.label}}})
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	_ = svc.Flush()
	if _, err := request(t, r, "slow", 100*time.Millisecond); !errors.Is(err, nats.ErrTimeout) {
		t.Fatalf("Request = %v; want ErrTimeout", err)
	}
	close(release)
	serve(t, svc, "quick", func([]byte) []part { return inParts([]byte("right"), 2) })
	for range 5 {
		if got, err := request(t, r, "quick", 5*time.Second); err != nil || string(got) != "right" {
			t.Fatalf("Request = %q, %v; want %q", got, err, "right")
		}
	}
	r.mu.Lock()
	n := len(r.waiting)
	r.mu.Unlock()
	if n != 0 {
		t.Errorf("%d requests still wait after every one returned", n)
	}
}
