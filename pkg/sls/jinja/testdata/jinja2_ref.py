"""Render brine's Jinja conformance cases with the real Jinja2, in the
environment Salt 3006 renders templates with, so that jinja2_test.go can
compare brine's output with it byte for byte on every `go test`.

jinja2_test.go runs `python3 testdata/jinja2_ref.py --json testdata/tree`
and writes the cases to stdin as JSON,
    [{"name": ..., "src": ..., "vars": {...}}, ...]
and reads back
    {"jinja2": VERSION, "results": {NAME: {"out": ...} or {"error": ...}}}.
One process renders every case: starting Python once per case would cost
more than the whole render.

By hand, to look at one case:
    python3 testdata/jinja2_ref.py testdata/conformance.sls

The environment is the one salt/utils/templates.py (render_jinja_tmpl)
builds when no jinja_env/jinja_sls_env option is set:
  - a SandboxedEnvironment with StrictUndefined;
  - the do and loopcontrols extensions;
  - Jinja's defaults otherwise: trim_blocks, lstrip_blocks and
    keep_trailing_newline are all False...
  - ...but Salt puts back the template's final newline after rendering
    (its workaround for Jinja dropping it), which is not the same as
    keep_trailing_newline=True when a `-%}` ends the file.
Salt's SerializerExtension also installs its finalizer, so a dict or an
OrderedDict printed by {{ }} is a PrintableDict: an OrderedDict prints as
a dict there (not through |string or ~).
Salt replaces some of Jinja's own filters with its own (salt/utils/jinja.py):
those are defined here as Salt defines them, so a case that uses them is
compared with what Salt, not plain Jinja2, prints. Salt's yaml and json
filters, and those of its own filters that are plain Python (regex_*,
to_bool, sequence, quote, the set filters, avg, skip), are here as Salt
defines them; its others are left out: cases using
them belong in the golden tests, not in the conformance set.
Salt's import_yaml and import_json tags (its SerializerExtension) are
here as Salt parses them: an import of the file as a template, whose text
is then loaded with PyYAML's safe_load or json.loads, as plain dicts.
"""
import json
import re
import shlex
import sys
from collections import OrderedDict
from collections.abc import Hashable

import jinja2
import yaml
from jinja2 import StrictUndefined, nodes
from jinja2.ext import Extension
from jinja2.environment import TemplateModule
from jinja2.sandbox import SandboxedEnvironment


class SerializerExtension(Extension):
    """import_yaml and import_json, as salt/utils/jinja.py parses them."""

    tags = {"import_yaml", "import_json", "profile"}

    def __init__(self, environment):
        # Salt's SerializerExtension installs its finalizer, through which
        # every {{ }} value passes: dicts and OrderedDicts become
        # PrintableDicts, so an OrderedDict prints as a dict.
        super().__init__(environment)
        environment.finalize = self.finalizer

    def finalizer(self, data):
        def explore(data):
            if isinstance(data, (dict, OrderedDict)):
                return PrintableDict([(key, explore(value)) for key, value in data.items()])
            elif isinstance(data, (list, tuple, set)):
                return data.__class__([explore(value) for value in data])
            return data

        return explore(data)

    def parse(self, parser):
        if parser.stream.current.value == "profile":
            # Salt's parse_profile: the label, then the body inline in
            # the enclosing scope, between two logging calls.
            lineno = next(parser.stream).lineno
            parser.stream.expect("name:as")
            label = parser.parse_expression()
            body = parser.parse_statements(["name:endprofile"], drop_needle=True)
            start = nodes.ExprStmt(self.call_method("profile_start", [label])).set_lineno(lineno)
            return [start] + body
        kind = parser.stream.current.value[len("import_"):]
        import_node = parser.parse_import()
        target = import_node.target
        load = self.call_method("load_" + kind, [nodes.Name(target, "load")])
        return [import_node, nodes.Assign(nodes.Name(target, "store"), load).set_lineno(import_node.lineno)]

    def profile_start(self, label):
        return None

    def load_yaml(self, value):
        if isinstance(value, TemplateModule):
            value = str(value)
        return yaml.safe_load(value)

    def load_json(self, value):
        if isinstance(value, TemplateModule):
            value = str(value)
        return json.loads(value)


class PrintableDict(OrderedDict):
    """salt.utils.odict.PrintableDict: prints as a dict, in its order."""

    def __str__(self):
        output = []
        for key, value in self.items():
            if isinstance(value, str):
                output.append("{!r}: {!r}".format(key, value))
            else:
                output.append("{!r}: {!s}".format(key, value))
        return "{" + ", ".join(output) + "}"

    def __repr__(self):
        output = []
        for key, value in self.items():
            output.append("{!r}: {!r}".format(key, value))
        return "{" + ", ".join(output) + "}"


def unique(values):
    # Salt's unique: a set for a hashable value (a string), else the list
    # without repeats, in order.
    if isinstance(values, Hashable):
        return set(values)
    ret = []
    for value in values:
        if value not in ret:
            ret.append(value)
    return ret


def ensure_sequence_filter(data):
    if not isinstance(data, (list, tuple, set, dict)):
        return [data]
    return data


def to_bool(val):
    if val is None:
        return False
    if isinstance(val, bool):
        return val
    if isinstance(val, str):
        return val.lower() in ("yes", "1", "true")
    if isinstance(val, int):
        return val > 0
    if not isinstance(val, Hashable):
        return len(val) > 0
    return False


def regex_flags(ignorecase, multiline):
    return (re.I if ignorecase else 0) | (re.M if multiline else 0)


def regex_search(txt, rgx, ignorecase=False, multiline=False):
    obj = re.search(rgx, txt, regex_flags(ignorecase, multiline))
    if not obj:
        return
    return obj.groups()


def regex_match(txt, rgx, ignorecase=False, multiline=False):
    obj = re.match(rgx, txt, regex_flags(ignorecase, multiline))
    if not obj:
        return
    return obj.groups()


def regex_replace(txt, rgx, val, ignorecase=False, multiline=False):
    return re.compile(rgx, regex_flags(ignorecase, multiline)).sub(val, txt)


def lst_avg(lst):
    if not isinstance(lst, Hashable):
        return float(sum(lst) / len(lst))
    return float(lst)


def union(lst1, lst2):
    if isinstance(lst1, Hashable) and isinstance(lst2, Hashable):
        return set(lst1) | set(lst2)
    return unique(lst1 + lst2)


def intersect(lst1, lst2):
    if isinstance(lst1, Hashable) and isinstance(lst2, Hashable):
        return set(lst1) & set(lst2)
    return unique([ele for ele in lst1 if ele in lst2])


def difference(lst1, lst2):
    if isinstance(lst1, Hashable) and isinstance(lst2, Hashable):
        return set(lst1) - set(lst2)
    return unique([ele for ele in lst1 if ele not in lst2])


def symmetric_difference(lst1, lst2):
    if isinstance(lst1, Hashable) and isinstance(lst2, Hashable):
        return set(lst1) ^ set(lst2)
    return unique([ele for ele in union(lst1, lst2) if ele not in intersect(lst1, lst2)])


def lst_min(obj):
    # Salt's min and max take no attribute= or case_sensitive=.
    return min(obj)


def lst_max(obj):
    return max(obj)


def tojson(val, indent=None, **options):
    # Salt's tojson: json.dumps, not sorted, ASCII, HTML-safe quoting.
    options.setdefault("ensure_ascii", True)
    if indent is not None:
        options["indent"] = indent
    return (
        json.dumps(val, **options)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("'", "\\u0027")
    )


def environment(tree):
    env = SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(tree),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols", SerializerExtension],
    )
    env.filters.update(unique=unique, min=lst_min, max=lst_max, tojson=tojson)
    # Salt's own filters that are plain Python (salt/utils/jinja.py)
    env.filters.update(
        sequence=ensure_sequence_filter,
        to_bool=to_bool,
        quote=shlex.quote,
        regex_escape=re.escape,
        regex_search=regex_search,
        regex_match=regex_match,
        regex_replace=regex_replace,
        avg=lst_avg,
        union=union,
        intersect=intersect,
        difference=difference,
        symmetric_difference=symmetric_difference,
        skip=lambda data: "",
    )
    env.globals["odict"] = OrderedDict  # render_jinja_tmpl's global
    env.tests["list"] = lambda v: isinstance(v, list)  # render_jinja_tmpl: salt.utils.data.is_list
    env.tests["match"] = salt_test_match  # salt.utils.jinja's match test
    env.filters["yaml"] = salt_format_yaml  # SerializerExtension's yaml filter
    env.filters["json"] = salt_format_json  # SerializerExtension's json filter
    return env


class SafeOrderedDumper(yaml.SafeDumper):
    """salt.utils.yaml.SafeOrderedDumper: an OrderedDict (the odict
    global) is a mapping in its own order, where a dict's keys are sorted."""


SafeOrderedDumper.add_representer(
    OrderedDict, lambda dumper, data: dumper.represent_dict(list(data.items()))
)


def salt_format_yaml(value, flow_style=True):
    """Salt's yaml filter: salt.utils.yaml.safe_dump (allow_unicode) with
    the flow style asked for, stripped, without a "..." end."""
    text = yaml.dump(
        value, Dumper=SafeOrderedDumper, default_flow_style=flow_style, allow_unicode=True
    ).strip()
    if text.endswith("\n..."):
        text = text[: len(text) - 4]
    return text


def salt_format_json(value, sort_keys=True, indent=None):
    """Salt's json filter: salt.utils.json.dumps (ensure_ascii=False), keys
    sorted unless sort_keys=False, stripped."""
    return json.dumps(value, sort_keys=sort_keys, indent=indent, ensure_ascii=False).strip()


def salt_test_match(txt, rgx, ignorecase=False, multiline=False):
    """Salt's match test: re.match with the flags asked for."""
    flags = (re.I if ignorecase else 0) | (re.M if multiline else 0)
    return re.compile(rgx, flags).match(txt) is not None


def render(env, src, variables):
    newline = "\n" if src.endswith("\n") else ""
    try:
        out = env.from_string(src).render(**variables)
    except Exception as e:  # any failure is a result to compare
        return {"error": "%s: %s" % (type(e).__name__, e)}
    return {"out": out + newline}


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--json":
        env = environment(sys.argv[2])
    elif len(sys.argv) == 2:
        with open(sys.argv[1], encoding="utf-8") as f:
            r = render(environment("testdata/tree"), f.read(), {})
        sys.stdout.write(r.get("out", "ERROR: %s\n" % r.get("error")))
        return
    else:
        sys.exit("usage: jinja2_ref.py --json TREE < cases.json | jinja2_ref.py FILE")
    cases = json.load(sys.stdin)
    results = {c["name"]: render(env, c["src"], c.get("vars") or {}) for c in cases}
    json.dump({"jinja2": jinja2.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
