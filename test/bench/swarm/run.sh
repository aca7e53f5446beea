#!/bin/sh
# Run brine's fleet benchmark (test/bench/swarm) and print its tables on
# stdout, its progress on stderr. Usage:
#   test/bench/swarm/run.sh [-brine bin/brine] [-sizes 1000,10000] [-profile DIR] [-external | -tls | -cluster]
#
# -tls runs the master's server with TLS (tls: true, as beyond loopback),
# the minions pinning its CA at their first connection.
#
# -cluster runs three masters, each running a node of a NATS cluster
# (docs/scaling.md, 2a), the minions given the three nodes' URLs.
#
# -external runs the master on a nats-server process of its own
# (nats_url: docs/scaling.md, 2b), the minions connected to that server,
# and reports the master's and the server's RSS and CPU apart; the
# nats-server is built here from the module go.mod requires.
#
# The open-file limit is raised to the hard limit (the master holds a
# connection per minion; the swarm's processes 2,000 each). Run as root,
# the benchmark gets a network namespace of its own (unshare -n), with
# loopback alone and the whole port range: tens of thousands of loopback
# connections, and the TIME_WAIT that minions reconnecting leave behind,
# then use none of the machine's own ports, which other programs on a
# shared machine need.
set -e
cd "$(dirname "$0")/../../.."
go build -o bin/swarm ./test/bench/swarm
go build -o bin/nats-server github.com/nats-io/nats-server/v2
ulimit -n "$(ulimit -Hn)"
if [ "$(id -u)" = 0 ] && unshare -n true 2>/dev/null; then
	exec unshare -n sh -c 'ip link set lo up && sysctl -qw net.ipv4.ip_local_port_range="1024 65535" && exec "$@"' sh bin/swarm "$@"
fi
echo "swarm: not root: running on the machine's own network" >&2
exec bin/swarm "$@"
