package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/master"
)

// -external: the master on a nats-server of its own (docs/scaling.md,
// topology 2b, with one node): the minions' connections are the
// server's, and the master holds its own alone. The server is
// nats-server as its module in go.mod builds it (run.sh builds
// bin/nats-server), configured as docs/scaling.md says: its
// authorization included from the nats-auth.conf the master writes.

// externalConfig is the master.yaml of the external mode; the rest of
// the master's config is startMaster's.
func (d *driver) externalConfig() string {
	return fmt.Sprintf("nats_url: nats://127.0.0.1:%d\n", d.port)
}

// startNATSServer makes the master write nats-auth.conf (its first
// start, which ends: no server knows it yet), then starts nats-server
// with it on d.port.
func (d *driver) startNATSServer() error {
	state := filepath.Join(d.dir, "master")
	first := exec.Command(d.brine, "master", "-c", d.etc)
	log, err := os.Create(filepath.Join(d.dir, "master-first.log"))
	if err != nil {
		return err
	}
	defer log.Close()
	first.Stdout, first.Stderr = log, log
	if err := first.Run(); err == nil {
		return fmt.Errorf("the master's first start, with no server up, exited 0 (see %s)", log.Name())
	}
	auth, err := os.ReadFile(filepath.Join(state, master.NATSAuthFile))
	if err != nil {
		return fmt.Errorf("the master's first start wrote no %s: %w", master.NATSAuthFile, err)
	}
	nd := filepath.Join(d.dir, "nats")
	if err := write(filepath.Join(nd, master.NATSAuthFile), string(auth)); err != nil {
		return err
	}
	conf := filepath.Join(nd, "nats-server.conf")
	if err := write(conf, fmt.Sprintf(`server_name: swarm
listen: 127.0.0.1:%d
max_connections: %d
jetstream {
  store_dir: %s/js
}
include %s
`, d.port, d.nofile, nd, master.NATSAuthFile)); err != nil {
		return err
	}
	slog, err := os.Create(filepath.Join(d.dir, "nats-server.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(d.natsServer, "-c", conf)
	cmd.Stdout, cmd.Stderr = slog, slog
	if err := cmd.Start(); err != nil {
		slog.Close()
		return err
	}
	d.nats = &child{name: "nats-server", cmd: cmd, closer: slog}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if ready(slog.Name(), "Server is ready") {
			if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", d.port)); err == nil {
				c.Close()
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nats-server not ready after 30s (see %s)", slog.Name())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// ready reports whether the log file holds a line containing s.
func ready(file, s string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.Contains(sc.Text(), s) {
			return true
		}
	}
	return false
}

// natsPid is the external nats-server's process id, 0 when there is none.
func (d *driver) natsPid() int {
	if d.nats == nil {
		return 0
	}
	return d.nats.cmd.Process.Pid
}

// externalRows are the CPU and memory rows of the external mode: the
// master and its nats-server apart, each next to the floor.
func (d *driver) externalRows(n int, c cpuSplit, rss int, floor floorResult, rssTarget string) {
	d.add(row{measure: "CPU time of one ping: the command / the master / its nats-server / the swarm's minions (medians)", minions: count(n),
		brine: fmt.Sprintf("%s / %s / %s / %s", ms(c.command), ms(c.master), ms(c.nats), ms(c.swarm))})
	d.add(row{measure: "the master's CPU time per minion pinged (median)", minions: count(n),
		brine: fmt.Sprintf("%.0f µs", float64(c.master.Microseconds())/float64(n))})
	mp := d.master.cmd.Process.Pid
	d.add(row{measure: "RSS of the master process alone (on a nats-server of its own), every minion connected, after the pings", minions: count(n),
		brine: fmt.Sprintf("%s (anonymous %s)", mb(rss), mb(statusKB(mp, "RssAnon:"))), target: rssTarget})
	np := d.natsPid()
	nrss := statusKB(np, "VmRSS:")
	d.add(row{measure: "RSS of the nats-server beside it, holding the minions' connections; the floor's: its plain nats-server's", minions: count(n),
		brine: fmt.Sprintf("%s (anonymous %s)", mb(nrss), mb(statusKB(np, "RssAnon:"))), floor: mb(floor.rssKB),
		ratio: ratio(float64(nrss), float64(floor.rssKB))})
	d.add(row{measure: "RSS of the master and its nats-server together", minions: count(n),
		brine: mb(rss + nrss), floor: mb(floor.rssKB), ratio: ratio(float64(rss+nrss), float64(floor.rssKB))})
}
