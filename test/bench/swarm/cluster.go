package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/brine-cm/brine/master"
)

// -cluster: three masters, each running one node of a NATS cluster
// (docs/scaling.md, topology 2a), on loopback, the key set made by the
// first and copied to the others as scaling.md says. The minions are
// given the three nodes' URLs and each picks one at random, so each node
// holds about a third of the connections; the command runs on the first
// master's node (-c its etc), as an operator logged in there would.

// clusterNodes is how many masters -cluster runs.
const clusterNodes = 3

// startCluster writes each master's master.yaml and starts the three;
// node 0's state dir and etc are the single master's (d.dir/master,
// d.etc), so that the rest of the driver finds the operator's key and
// the command's config where it always does. env (the profiler's
// address) is node 0's alone.
func (d *driver) startCluster(srv string, env []string) error {
	routePorts := make([]int, clusterNodes)
	d.clientPorts = make([]int, clusterNodes)
	var routes []string
	for i := range clusterNodes {
		var err error
		if i == 0 {
			d.clientPorts[i] = d.port
		} else if d.clientPorts[i], err = freePort(); err != nil {
			return err
		}
		if routePorts[i], err = freePort(); err != nil {
			return err
		}
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", routePorts[i]))
	}
	etc := func(i int) string {
		if i == 0 {
			return d.etc
		}
		return filepath.Join(d.dir, fmt.Sprintf("etc%d", i))
	}
	state := func(i int) string {
		if i == 0 {
			return filepath.Join(d.dir, "master")
		}
		return filepath.Join(d.dir, fmt.Sprintf("master%d", i))
	}
	for i := range clusterNodes {
		node := fmt.Sprintf(`port: %d
server_name: n%d
cluster:
  name: swarm
  listen: 127.0.0.1:%d
  routes: [%s]
`, d.clientPorts[i], i, routePorts[i], strings.Join(routes, ", "))
		if err := write(filepath.Join(etc(i), "master.yaml"), node+d.masterConfig(state(i), srv)); err != nil {
			return err
		}
	}
	first, err := d.runMaster("master", etc(0), env)
	if err != nil {
		return err
	}
	d.masters = []*child{first}
	// The first master makes the key set as it starts, before it waits
	// for the others; each other gets a copy before its first start.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(state(0), master.JobKeyFile)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the first master made no key set in 30s (see %s)", filepath.Join(d.dir, "master.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
	for i := 1; i < clusterNodes; i++ {
		if err := master.CopyKeySet(state(0), state(i)); err != nil {
			return err
		}
		m, err := d.runMaster(fmt.Sprintf("master%d", i), etc(i), d.masterEnv)
		if err != nil {
			return err
		}
		d.masters = append(d.masters, m)
	}
	return nil
}

// clusterRows are the CPU and memory rows of the cluster mode: the
// three masters' CPU together, and each one's RSS with its node's share
// of the connections, next to the floor's one server holding them all.
func (d *driver) clusterRows(n int, c cpuSplit, floor floorResult) {
	d.add(row{measure: "CPU time of one ping: the command / the three masters / the swarm's minions (medians)", minions: count(n),
		brine: fmt.Sprintf("%s / %s / %s", ms(c.command), ms(c.master), ms(c.swarm))})
	var each []string
	total := 0
	for _, m := range d.masters {
		kb := statusKB(m.cmd.Process.Pid, "VmRSS:")
		total += kb
		each = append(each, mb(kb))
	}
	d.add(row{measure: "RSS of each master (its node holding about a third of the connections), after the pings; the floor's: one nats-server holding them all", minions: count(n),
		brine: strings.Join(each, " / "), floor: mb(floor.rssKB)})
	d.add(row{measure: "RSS of the three masters together", minions: count(n),
		brine: mb(total), floor: mb(floor.rssKB), ratio: ratio(float64(total), float64(floor.rssKB))})
}
