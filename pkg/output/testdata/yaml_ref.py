"""PyYAML's safe_dump, as Salt's yaml outputter calls it, for
yaml_test.go: stdin a JSON list of strings; stdout a JSON list of what
safe_dump({'k': s}, default_flow_style=False) writes for each."""
import json
import sys

import yaml

json.dump([yaml.safe_dump({"k": s}, default_flow_style=False) for s in json.load(sys.stdin)], sys.stdout)
