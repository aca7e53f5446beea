"""fnmatch.fnmatchcase for fnmatch_test.go.

stdin: a JSON list of [pattern, name]; stdout: a JSON list of booleans,
or of the error's text where fnmatch raises.
"""
import fnmatch
import json
import sys

out = []
for pat, name in json.load(sys.stdin):
    try:
        out.append(fnmatch.fnmatchcase(name, pat))
    except Exception as e:  # a pattern re cannot compile
        out.append("%s: %s" % (type(e).__name__, e))
json.dump(out, sys.stdout)
