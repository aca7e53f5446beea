"""Python's pprint.pformat, as Salt's pprint outputter calls it, for
pprint_test.go: stdin a JSON list of [data, indent] pairs (indent null:
pformat's default); stdout a JSON list of what pformat writes."""
import json
import pprint
import sys

out = []
for data, indent in json.load(sys.stdin):
    out.append(pprint.pformat(data) if indent is None else pprint.pformat(data, indent=indent))
json.dump(out, sys.stdout)
