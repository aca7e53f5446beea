"""Python's strftime for pystrftime_test.go: reads [[unix_seconds, micro,
format], ...] as JSON on stdin, prints the formatted strings (UTC)."""
import datetime
import json
import sys

cases = json.load(sys.stdin)
out = []
for secs, micro, fmt in cases:
    t = datetime.datetime.fromtimestamp(secs, tz=datetime.timezone.utc).replace(microsecond=micro)
    out.append(t.strftime(fmt))
json.dump(out, sys.stdout)
