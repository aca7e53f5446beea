package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// The floor, as issue 10 defines it: an embedded nats-server, N
// connections each answering one subject, one client publishing once
// and collecting N replies. It runs in the same layout as brine's: the
// server in a process of its own (`swarm natsd`, as the master's), the
// N connections in processes of about 2,000 (`swarm answer`, as the
// swarm's minions), the client in the driver.

// floorSubject is the one subject every floor connection answers.
const floorSubject = "floor.ping"

// runNatsd is the `swarm natsd` child: a plain embedded nats-server on
// loopback, until SIGTERM. It prints "ready URL".
func runNatsd(args []string) error {
	fs := flag.NewFlagSet("natsd", flag.ContinueOnError)
	port := fs.Int("port", -1, "port")
	pprofAddr := fs.String("pprof", "", "serve net/http/pprof on this loopback address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *pprofAddr != "" {
		srv := &http.Server{Addr: *pprofAddr, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.ListenAndServe() }()
		defer srv.Close()
	}
	if _, err := raiseNofile(); err != nil {
		return err
	}
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: *port, NoSigs: true, MaxConn: 1 << 20})
	if err != nil {
		return err
	}
	s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		return errors.New("natsd: not ready")
	}
	fmt.Printf("ready %s\n", s.ClientURL())
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	s.Shutdown()
	s.WaitForShutdown()
	return nil
}

// runAnswer is the `swarm answer` child: n connections, each answering
// floorSubject with its number, until SIGTERM. It prints "ready N".
func runAnswer(args []string) error {
	fs := flag.NewFlagSet("answer", flag.ContinueOnError)
	url := fs.String("url", "", "the server")
	n := fs.Int("n", 2000, "how many connections")
	perSec := fs.Int("rate", 1000, "connections made per second")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if _, err := raiseNofile(); err != nil {
		return err
	}
	var conns []*nats.Conn
	defer func() {
		for _, nc := range conns {
			nc.Close()
		}
	}()
	tick := time.NewTicker(time.Second / time.Duration(max(1, *perSec)))
	defer tick.Stop()
	for i := 0; i < *n; i++ {
		nc, err := nats.Connect(*url, nats.Name(fmt.Sprintf("floor-%d", i)), nats.MaxReconnects(-1))
		if err != nil {
			return fmt.Errorf("answer %d: %w", i, err)
		}
		conns = append(conns, nc)
		reply := []byte(fmt.Sprintf(`{"id":"m%05d","return":true}`, i))
		if _, err := nc.Subscribe(floorSubject, func(m *nats.Msg) { _ = m.Respond(reply) }); err != nil {
			return err
		}
		if err := nc.Flush(); err != nil {
			return err
		}
		<-tick.C
	}
	fmt.Printf("ready %d\n", len(conns))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	<-ctx.Done()
	return nil
}

// floorOnce publishes once on floorSubject and waits for n replies; it
// returns how long that took.
func floorOnce(nc *nats.Conn, n int, total time.Duration) (time.Duration, error) {
	inbox := nc.NewInbox()
	ch := make(chan *nats.Msg, n)
	sub, err := nc.ChanSubscribe(inbox, ch)
	if err != nil {
		return 0, err
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := nc.Flush(); err != nil {
		return 0, err
	}
	timeout := time.NewTimer(total)
	defer timeout.Stop()
	start := time.Now()
	if err := nc.PublishRequest(floorSubject, inbox, []byte(`{"fun":"test.ping"}`)); err != nil {
		return 0, err
	}
	for got := 0; got < n; got++ {
		select {
		case <-ch:
		case <-timeout.C:
			return 0, fmt.Errorf("floor: %d of %d replies after %v", got, n, total)
		}
	}
	return time.Since(start), nil
}

// floorMedian measures the floor runs times and returns the median.
func floorMedian(url string, n, runs int) (time.Duration, error) {
	nc, err := nats.Connect(url, nats.Name("floor-client"))
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	var ds []time.Duration
	for i := 0; i < runs; i++ {
		d, err := floorOnce(nc, n, time.Minute)
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	return median(ds), nil
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
