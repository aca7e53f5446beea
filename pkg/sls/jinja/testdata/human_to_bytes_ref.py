"""Salt 3005's human_to_bytes (salt/utils/stringutils.py), its lines as
they are, for TestHumanToBytesLikeSalt. stdin: a JSON list of
[size, default_unit, handle_metric]; stdout: a JSON list of results."""
import json
import re
import sys


def human_to_bytes(size, default_unit="B", handle_metric=False):
    m = re.match(r"(?P<value>[0-9.]*)\s*(?P<unit>.*)$", str(size).strip())
    value = m.group("value")
    # default unit
    unit = m.group("unit").lower() or default_unit.lower()
    try:
        value = int(value)
    except ValueError:
        try:
            value = float(value)
        except ValueError:
            return 0
    # flag for base ten
    dec = False
    if re.match(r"[kmgtpezy]b$", unit):
        dec = True if handle_metric else False
    elif not re.match(r"(b|[kmgtpezy](ib)?)$", unit):
        return 0
    p = "bkmgtpezy".index(unit[0])
    value *= 10 ** (p * 3) if dec else 2 ** (p * 10)
    return int(value)


json.dump([human_to_bytes(*c) for c in json.load(sys.stdin)], sys.stdout)
