// Command swarm measures brine at fleet size on one machine (issue 10)
// and prints a Markdown table: a real `brine master` process, and
// thousands of real minions (the minion package, each with its own
// config, state dir, nkey and NATS connection) run about 2,000 to a
// process by this same program (`swarm minions`).
//
// For each fleet size (1,000 and 10,000 by default) it measures, in the
// same run, the floor of issue 10 (an embedded nats-server, N
// connections each answering one subject, one client publishing once
// and collecting N replies) and brine's whole `brine '*' test.ping`
// process, and quotes one as a ratio to the other; it times the
// onboarding of the fleet (`brine key accept -A` of every pending key,
// then until each minion is connected with its new rights) and
// `brine key list`; and it reads the master's RSS with the whole fleet
// connected, and a lone minion's idle RSS.
//
// The open-file limit is raised to the hard limit here, and the master
// and the children inherit it. Run it from the repository root:
//
//	go run ./test/bench/swarm -brine bin/brine [-sizes 1000,10000]
//
// With -profile DIR, the master, the last ping command and each swarm
// process write CPU profiles into DIR (go tool pprof).
//
// With -external, the master runs on a nats-server process of its own
// (nats_url; -nats-server, which run.sh builds from go.mod's module),
// the minions connect to that server, and the master's RSS and CPU are
// reported apart from the server's: the topology where the master's
// process holds its own connections alone (docs/scaling.md, 2b).
//
// With -cluster, three masters each run a node of a NATS cluster
// (docs/scaling.md, 2a), the minions are given the three nodes' URLs,
// and each master's RSS is reported with its node's share of the
// connections.
package main

import (
	"fmt"
	"os"
)

func main() {
	var err error
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "minions":
			err = runMinions(os.Args[2:])
		case "natsd":
			err = runNatsd(os.Args[2:])
		case "answer":
			err = runAnswer(os.Args[2:])
		default:
			err = runDriver(os.Args[1:])
		}
	} else {
		err = runDriver(nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "swarm:", err)
		os.Exit(1)
	}
}
