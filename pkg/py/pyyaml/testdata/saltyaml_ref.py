# Reference for pyyaml_test.go: loads each document with PyYAML's
# SafeLoader given the two rules of Salt's loader (salt/utils/yamlloader.py)
# that brine follows: an int written with leading zeros loses them and is
# read in base 10, and a timestamp keeps its text. Prints, for each
# document, [type name, value] with floats as their repr.
import json
import math
import sys

import yaml


class Loader(yaml.SafeLoader):
    pass


def salt_int(loader, node):
    v = node.value
    if v != "0" and v.startswith("0") and not v.startswith(("0b", "0x")):
        v = v.lstrip("0") or "0"
        node = yaml.ScalarNode(node.tag, v, node.start_mark, node.end_mark, node.style)
    return yaml.SafeLoader.construct_yaml_int(loader, node)


def text(loader, node):
    return loader.construct_scalar(node)


Loader.add_constructor("tag:yaml.org,2002:int", salt_int)
Loader.add_constructor("tag:yaml.org,2002:timestamp", text)


def tagged(v):
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]
    if isinstance(v, float):
        if math.isnan(v):
            return ["float", "nan"]
        return ["float", repr(v)]
    if v is None:
        return ["null", None]
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, list):
        return ["list", [tagged(e) for e in v]]
    if isinstance(v, dict):
        return ["dict", {str(k): tagged(e) for k, e in v.items()}]
    return ["other", repr(v)]


out = []
for doc in json.load(sys.stdin):
    try:
        out.append(tagged(yaml.load(doc, Loader=Loader)))
    except yaml.YAMLError:
        out.append(["error", None])
json.dump(out, sys.stdout)
