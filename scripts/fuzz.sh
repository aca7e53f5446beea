#!/usr/bin/env bash
# Runs every Fuzz target in the module for a short time each.
set -euo pipefail
t=${1:-5s}
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
