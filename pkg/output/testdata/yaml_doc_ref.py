"""PyYAML's safe_dump, as Salt's yaml outputter calls it, for
yaml_test.go: stdin a JSON list of documents; stdout a JSON list of what
safe_dump(doc, default_flow_style=False, allow_unicode=True) writes for each, as salt.utils.yaml.safe_dump calls it."""
import json
import sys

import yaml

json.dump([yaml.safe_dump(d, default_flow_style=False, allow_unicode=True) for d in json.load(sys.stdin)], sys.stdout)
