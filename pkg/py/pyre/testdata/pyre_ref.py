"""Python's re for pyre_test.go.

stdin: a JSON list of operations, each
    {"op": "search" | "match" | "sub" | "escape",
     "pattern", "flags", "text", "repl", "count"};
stdout: a JSON list of results, in the same order:
    search, match: null, or [match, group 1, ...] (null for a group that
        took no part);
    sub: [result, number of replacements];
    escape: the escaped text;
    or {"error": text} where re raises.
"""
import json
import re
import sys


def run(c):
    op = c["op"]
    if op == "escape":
        return re.escape(c["text"])
    rx = re.compile(c["pattern"], c.get("flags", 0))
    if op == "sub":
        return list(rx.subn(c["repl"], c["text"], count=c.get("count", 0)))
    m = (rx.search if op == "search" else rx.match)(c["text"])
    return None if m is None else [m.group(0), *m.groups()]


out = []
for c in json.load(sys.stdin):
    try:
        out.append(run(c))
    except Exception as e:
        out.append({"error": "%s: %s" % (type(e).__name__, e)})
json.dump(out, sys.stdout)
