"""What Salt's file.serialize writes with its default serializer options,
for file_data_test.go: stdin a JSON list of datasets; stdout a JSON list of
[json, yaml] pairs. json is salt.utils.json.dumps (json.dumps with
ensure_ascii False) with indent 2, separators (",", ": ") and sort_keys;
yaml is PyYAML's dump with Salt's safe representers and
default_flow_style False. file.serialize then adds a newline to each."""
import json
import sys

import yaml

out = []
for d in json.load(sys.stdin):
    j = json.dumps(d, indent=2, separators=(",", ": "), sort_keys=True, ensure_ascii=False)
    y = yaml.dump(d, Dumper=yaml.SafeDumper, default_flow_style=False)
    out.append([j, y])
json.dump(out, sys.stdout)
