#!/bin/sh
# Run brine's network benchmark and print its Markdown table on stdout
# (progress goes to stderr). Usage: test/bench/net/run.sh [-max 1000] [-procs 100]
set -e
cd "$(dirname "$0")/../../.."
exec go run ./test/bench/net "$@"
