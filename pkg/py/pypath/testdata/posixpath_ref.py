# Reference for pypath_test.go: reads [[op, args...], ...] as JSON and
# prints the result of posixpath's function for each.
import json
import posixpath
import sys

ops = {"normpath": posixpath.normpath, "join": posixpath.join, "split": lambda p: list(posixpath.split(p)),
       "dirname": posixpath.dirname, "basename": posixpath.basename}
print(json.dumps([ops[c[0]](*c[1:]) for c in json.load(sys.stdin)]))
