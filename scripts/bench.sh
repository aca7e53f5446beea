#!/usr/bin/env bash
# make bench: whole-process workloads, written to docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
go run ./test/bench -brine bin/brine -out docs/PERFORMANCE.md "$@"
