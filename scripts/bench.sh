#!/usr/bin/env bash
# make bench: whole-process workloads (W1–W3), the master/minion
# benchmark, the big-file fetch, the fleet of 10,000 minions (the master
# embedding its NATS server, the same over TLS, on a nats-server of its
# own, then on a cluster of three masters) and brine ssh against Ansible,
# written to docs/PERFORMANCE.md.
#
# The prose between the tables lives in test/bench/prose/*.md, one file
# a section; a test (test/bench TestProseInPerformanceDoc) checks that
# docs/PERFORMANCE.md holds each of them as written, so the prose is
# edited there and survives the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/PERFORMANCE.md
prose=test/bench/prose
go run ./test/bench -brine bin/brine -out "$out"
{
	printf '\n## Master and minions\n\n'
	printf 'Written by `test/bench/net` (part of `make bench`): a master process and minions\n'
	printf 'on loopback; up to 100 minions are real processes, beyond that minions run in\n'
	printf 'the benchmark process, each with its own NATS connection.\n\n'
	go run ./test/bench/net -brine bin/brine 2>/dev/null
	printf '\n'
	cat "$prose/net.md"
	printf '\n'
	cat "$prose/bigfile-intro.md"
	printf '\n'
	go run ./test/bench/bigfile -brine bin/brine 2>/dev/null
	printf '\n'
	cat "$prose/bigfile.md"
	printf '\n'
	cat "$prose/swarm-intro.md"
	printf '\nRun of %s.\n\n' "$(date -u +%F)"
	test/bench/swarm/run.sh -brine bin/brine 2>/dev/null
	printf '\n'
	cat "$prose/swarm.md"
	printf '\n'
	cat "$prose/tls-intro.md"
	printf '\nRun of %s.\n\n' "$(date -u +%F)"
	test/bench/swarm/run.sh -brine bin/brine -tls 2>/dev/null
	printf '\n'
	cat "$prose/tls.md"
	printf '\n'
	cat "$prose/external-intro.md"
	printf '\nRun of %s.\n\n' "$(date -u +%F)"
	test/bench/swarm/run.sh -brine bin/brine -external 2>/dev/null
	printf '\n'
	cat "$prose/external.md"
	printf '\n'
	cat "$prose/cluster-intro.md"
	printf '\nRun of %s.\n\n' "$(date -u +%F)"
	test/bench/swarm/run.sh -brine bin/brine -cluster 2>/dev/null
	printf '\n'
	cat "$prose/cluster.md"
	printf '\n'
	cat "$prose/ssh-intro.md"
	printf '\nRun of %s.\n\n' "$(date -u +%F)"
	go run ./test/bench/ssh -brine bin/brine 2>/dev/null
	printf '\n'
	cat "$prose/ssh.md"
} >>"$out"
cat "$out"
