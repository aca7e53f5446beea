"""Python's difflib, as Salt's salt.utils.stringutils.get_diff calls it,
for textdiff_test.go: stdin a JSON list of [old, new] pairs; stdout a
JSON list of "".join(difflib.unified_diff(old lines, new lines)) with
the "--- \n+++ \n" header cut, as Unified leaves it to its callers."""
import difflib
import json
import sys

out = []
for old, new in json.load(sys.stdin):
    d = "".join(difflib.unified_diff(old.splitlines(True), new.splitlines(True)))
    out.append(d[len("--- \n+++ \n"):] if d else "")
json.dump(out, sys.stdout)
