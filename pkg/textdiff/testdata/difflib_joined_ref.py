"""Python's difflib as Salt's file.append state calls it, for
textdiff_test.go: stdin a JSON list of [old, new] pairs of texts; stdout a
JSON list of "\n".join(difflib.unified_diff(old.splitlines(),
new.splitlines()))."""
import difflib
import json
import sys

json.dump(["\n".join(difflib.unified_diff(old.splitlines(), new.splitlines())) for old, new in json.load(sys.stdin)], sys.stdout)
