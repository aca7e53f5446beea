#!/usr/bin/env bash
# make bench: whole-process workloads (W1–W3) and the master/minion
# benchmark, written to docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/PERFORMANCE.md
go run ./test/bench -brine bin/brine -out "$out"
{
	printf '\n## Master and minions\n\n'
	printf 'Written by `test/bench/net` (part of `make bench`): a master process and minions\n'
	printf 'on loopback; up to 100 minions are real processes, beyond that minions run in\n'
	printf 'the benchmark process, each with its own NATS connection.\n\n'
	go run ./test/bench/net -brine bin/brine 2>/dev/null
	cat <<'MD'

Anchors (issue 3, measured on this kind of machine): `test.ping` to 100
minions, target under 100 ms, Salt 3006 takes 9.0 s; `state.apply test=True`
of a 50-file tree, Salt takes 35 s for 50 minions; idle RSS of a minion,
target under 15 MB (Salt 130 MB, grlx 16–23 MB); one minion of ten down with
`-t 5`, target under a second, Salt takes 16 to 19 s.
MD
} >>"$out"
cat "$out"
