"""repr() and str() of Python literals, for pyfmt_test.go.

stdin: a JSON list of Python expressions (literals, and float('...'));
stdout: a JSON list of [repr, str] pairs, in the same order.
"""
import json
import sys

out = []
for src in json.load(sys.stdin):
    v = eval(src, {"__builtins__": {}, "float": float})
    out.append([repr(v), str(v)])
json.dump(out, sys.stdout)
