#!/usr/bin/env bash
# Runs every Fuzz target in the module briefly: a number of inputs each
# by default, not a time. A time (make fuzz FUZZTIME=5m) ends with a
# deadline, and a worker busy on a slow input when it passes makes Go's
# fuzzing engine fail the run with "context deadline exceeded" though
# nothing was found; a count waits for the input to finish.
set -euo pipefail
t=${1:-5000x}
cd "$(dirname "$0")/.."
found=0
while IFS= read -r file; do
	dir=$(dirname "$file")
	for fn in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
		found=1
		echo "fuzz: ./$dir $fn ($t)"
		go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" "./$dir"
	done
done < <(git ls-files '*_test.go')
[ "$found" = 1 ] || echo "fuzz: no fuzz targets yet"
