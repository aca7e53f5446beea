"""Salt's LooseVersion comparison (salt/utils/versions.py version_cmp) for
pyversion_test.go: distutils' LooseVersion parse (component_re and the
int conversion, as in Lib/distutils/version.py), and Salt's Python 3
_cmp, which compares zero-padded strings when a part is not a number.

stdin: a JSON list of [a, b]; stdout: a JSON list of -1, 0 or 1.
"""
import json
import re
import sys

component_re = re.compile(r"(\d+ | [a-z]+ | \.)", re.VERBOSE)


def parse(vstring):
    components = [x for x in component_re.split(vstring) if x and x != "."]
    for i, obj in enumerate(components):
        try:
            components[i] = int(obj)
        except ValueError:
            pass
    return components


def str_version(v):
    return [str(vp).zfill(8) if isinstance(vp, int) else vp for vp in v]


def cmp(a, b):
    va, vb = parse(a), parse(b)
    if all(isinstance(p, int) for p in va + vb):
        x, y = va, vb
    else:
        x, y = str_version(va), str_version(vb)
    if x == y:
        return 0
    return -1 if x < y else 1


json.dump([cmp(a, b) for a, b in json.load(sys.stdin)], sys.stdout)
