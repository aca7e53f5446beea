"""Python's pprint.pformat, as Salt's pprint outputter calls it, for
pprint_test.go: stdin a JSON list of documents; stdout a JSON list of
what pformat(doc) writes for each."""
import json
import pprint
import sys

json.dump([pprint.pformat(d) for d in json.load(sys.stdin)], sys.stdout)
