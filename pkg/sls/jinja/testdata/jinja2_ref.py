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
import base64
import fnmatch
import hashlib
import hmac
import ipaddress
import itertools
import json
import re
import uuid
from xml.dom import minidom
from xml.etree.ElementTree import Element, SubElement, tostring
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



# --- Salt 3006 filters ported from their source, for the conformance set ---


def method_call(obj, f_name, *f_args, **f_kwargs):
    """salt/utils/jinja.py method_call"""
    return getattr(obj, f_name, lambda *args, **kwargs: None)(*f_args, **f_kwargs)


def exactly_n(iterable, amount=1):
    """salt.utils.data.exactly_n (the exactly_n_true filter)"""
    i = iter(iterable)
    return all(any(i) for j in range(amount)) and not any(i)


def exactly_one(iterable):
    """salt.utils.data.exactly_one (the exactly_one_true filter)"""
    return exactly_n(iterable)


def sorted_ignorecase(to_sort):
    """salt.utils.data.sorted_ignorecase"""
    return sorted(to_sort, key=lambda x: x.lower())


def salt_to_num(text):
    """salt.utils.stringutils.to_num"""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def mysql_to_dict(data, key):
    """salt.utils.data.mysql_to_dict"""
    ret = {}
    headers = [""]
    for line in data:
        if not line:
            continue
        if line.startswith("+"):
            continue
        comps = line.split("|")
        for idx, comp in enumerate(comps):
            comps[idx] = comp.strip()
        if len(headers) > 1:
            index = len(headers) - 1
            row = {}
            for field in range(index):
                if field < 1:
                    continue
                row[headers[field]] = salt_to_num(comps[field])
            ret[row[key]] = row
        else:
            headers = comps
    return ret


def expr_match(line, expr):
    """salt.utils.stringutils.expr_match"""
    try:
        if fnmatch.fnmatch(line, expr):
            return True
        try:
            if re.match(r"\A{}\Z".format(expr), line):
                return True
        except re.error:
            pass
    except TypeError:
        pass
    return False


def check_whitelist_blacklist(value, whitelist=None, blacklist=None):
    """salt.utils.stringutils.check_whitelist_blacklist"""
    if blacklist:
        if isinstance(blacklist, str):
            blacklist = [blacklist]
        if not hasattr(blacklist, "__iter__"):
            raise TypeError(
                "Expecting iterable blacklist, but got {} ({})".format(
                    type(blacklist).__name__, blacklist
                )
            )
    else:
        blacklist = []

    if whitelist:
        if isinstance(whitelist, str):
            whitelist = [whitelist]
        if not hasattr(whitelist, "__iter__"):
            raise TypeError(
                "Expecting iterable whitelist, but got {} ({})".format(
                    type(whitelist).__name__, whitelist
                )
            )
    else:
        whitelist = []

    _blacklist_match = any(expr_match(value, expr) for expr in blacklist)
    _whitelist_match = any(expr_match(value, expr) for expr in whitelist)

    if blacklist and not whitelist:
        return not _blacklist_match
    elif whitelist and not blacklist:
        return _whitelist_match
    elif blacklist and whitelist:
        return not _blacklist_match and _whitelist_match
    else:
        return True


def salt_to_bytes(s):
    """salt.utils.stringutils.to_bytes, for str (utf-8)"""
    if isinstance(s, bytes):
        return s
    if isinstance(s, str):
        return s.encode("utf-8")
    raise TypeError("expected str, bytes, or bytearray not {}".format(type(s)))


def hmac_signature(string, shared_secret, challenge_hmac):
    """salt.utils.hashutils.hmac_signature (the hmac filter)"""
    msg = salt_to_bytes(string)
    key = salt_to_bytes(shared_secret)
    challenge = salt_to_bytes(challenge_hmac)
    hmac_hash = hmac.new(key, msg, hashlib.sha256)
    valid_hmac = base64.b64encode(hmac_hash.digest())
    return valid_hmac == challenge


def hmac_compute(string, shared_secret):
    """salt.utils.hashutils.hmac_compute"""
    msg = salt_to_bytes(string)
    key = salt_to_bytes(shared_secret)
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


DEFAULT_TARGET_DELIM = ":"


def traverse_dict(data, key, default=None, delimiter=DEFAULT_TARGET_DELIM):
    """salt.utils.data.traverse_dict"""
    ptr = data
    try:
        for each in key.split(delimiter):
            ptr = ptr[each]
    except (KeyError, IndexError, TypeError):
        return default
    return ptr


def ensure_dict_key(in_dict, keys, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate.ensure_dict_key"""
    if delimiter in keys:
        a_keys = keys.split(delimiter)
    else:
        a_keys = [keys]
    dict_pointer = in_dict
    while a_keys:
        current_key = a_keys.pop(0)
        if current_key not in dict_pointer or not isinstance(
            dict_pointer[current_key], dict
        ):
            dict_pointer[current_key] = OrderedDict() if ordered_dict else {}
        dict_pointer = dict_pointer[current_key]
    return in_dict


def _dict_rpartition(in_dict, keys, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate._dict_rpartition"""
    if delimiter in keys:
        all_but_last_keys, _, last_key = keys.rpartition(delimiter)
        ensure_dict_key(
            in_dict, all_but_last_keys, delimiter=delimiter, ordered_dict=ordered_dict
        )
        dict_pointer = traverse_dict(
            in_dict, all_but_last_keys, default=None, delimiter=delimiter
        )
    else:
        dict_pointer = in_dict
        last_key = keys
    return dict_pointer, last_key


def traverse_dict_and_list(data, key, default=None, delimiter=DEFAULT_TARGET_DELIM):
    """salt.utils.data.traverse_dict_and_list (the traverse filter). Its
    KeyError branch re-reads the key with salt.utils.args.yamlify_arg; here
    PyYAML's safe_load stands in for it, which reads the keys the
    conformance cases use (names, numbers) as yamlify_arg does."""
    ptr = data
    if isinstance(key, str):
        key = key.split(delimiter)

    if isinstance(key, int):
        key = [key]

    for each in key:
        if isinstance(ptr, list):
            try:
                idx = int(each)
            except ValueError:
                embed_match = False
                for embedded in (x for x in ptr if isinstance(x, dict)):
                    try:
                        ptr = embedded[each]
                        embed_match = True
                        break
                    except KeyError:
                        pass
                if not embed_match:
                    return default
            else:
                embed_match = False
                for embedded in (x for x in ptr if isinstance(x, dict)):
                    try:
                        ptr = embedded[idx]
                        embed_match = True
                        break
                    except KeyError:
                        pass
                if not embed_match:
                    try:
                        ptr = ptr[idx]
                    except IndexError:
                        return default
        else:
            try:
                ptr = ptr[each]
            except KeyError:
                try:
                    loaded_key = yaml.safe_load(each) if isinstance(each, str) else each
                except Exception:  # pylint: disable=broad-except
                    return default
                if loaded_key == each:
                    return default
                else:
                    try:
                        ptr = ptr[loaded_key]
                    except (KeyError, TypeError):
                        return default
            except TypeError:
                return default
    return ptr


def compare_dicts(old=None, new=None):
    """salt.utils.data.compare_dicts"""
    ret = {}
    for key in set(new or {}).union(old or {}):
        if key not in old:
            ret[key] = {"old": "", "new": new[key]}
        elif key not in new:
            ret[key] = {"new": "", "old": old[key]}
        elif new[key] != old[key]:
            ret[key] = {"old": old[key], "new": new[key]}
    return ret


def compare_lists(old=None, new=None):
    """salt.utils.data.compare_lists"""
    ret = {}
    for item in new:
        if item not in old:
            ret.setdefault("new", []).append(item)
    for item in old:
        if item not in new:
            ret.setdefault("old", []).append(item)
    return ret


def is_iter(thing, ignore=(str,)):
    """salt.utils.data.is_iter"""
    if ignore and isinstance(thing, ignore):
        return False
    try:
        iter(thing)
        return True
    except TypeError:
        return False


def flatten(data, levels=None, preserve_nulls=False, _ids=None):
    """salt.utils.data.flatten"""
    if _ids is None:
        _ids = set()
    if id(data) in _ids:
        raise RecursionError("Reference cycle detected. Check input list.")
    _ids.add(id(data))

    ret = []

    for element in data:
        if not preserve_nulls and element in (None, "None", "null"):
            continue
        elif is_iter(element):
            if levels is None:
                ret.extend(flatten(element, preserve_nulls=preserve_nulls, _ids=_ids))
            elif levels >= 1:
                ret.extend(
                    flatten(
                        element,
                        levels=(int(levels) - 1),
                        preserve_nulls=preserve_nulls,
                        _ids=_ids,
                    )
                )
            else:
                ret.append(element)
        else:
            ret.append(element)

    return ret


def substr_in_list(string_to_search_for, list_to_search):
    """salt.utils.data.substr_in_list (the substring_in_list filter)"""
    return any(string_to_search_for in s for s in list_to_search)


def is_hex(value):
    """salt.utils.stringutils.is_hex"""
    try:
        int(value, 16)
        return True
    except (TypeError, ValueError):
        return False


def contains_whitespace(text):
    """salt.utils.stringutils.contains_whitespace"""
    return any(x.isspace() for x in text)


def camel_to_snake_case(camel_input):
    """salt.utils.stringutils.camel_to_snake_case (to_snake_case)"""
    res = camel_input[0].lower()
    for i, letter in enumerate(camel_input[1:], 1):
        if letter.isupper():
            if camel_input[i - 1].islower() or (
                i != len(camel_input) - 1 and camel_input[i + 1].islower()
            ):
                res += "_"
        res += letter.lower()
    return res


def snake_to_camel_case(snake_input, uppercamel=False):
    """salt.utils.stringutils.snake_to_camel_case (to_camelcase)"""
    words = snake_input.split("_")
    if uppercamel:
        words[0] = words[0].capitalize()
    return words[0] + "".join(word.capitalize() for word in words[1:])


def md5_digest(instr):
    """salt.utils.hashutils.md5_digest (the md5 filter)"""
    return hashlib.md5(salt_to_bytes(instr)).hexdigest()


def sha1_digest(instr):
    """salt.utils.hashutils.sha1_digest"""
    return hashlib.sha1(salt_to_bytes(instr)).hexdigest()


def sha256_digest(instr):
    """salt.utils.hashutils.sha256_digest"""
    return hashlib.sha256(salt_to_bytes(instr)).hexdigest()


def sha512_digest(instr):
    """salt.utils.hashutils.sha512_digest"""
    return hashlib.sha512(salt_to_bytes(instr)).hexdigest()


def base64_b64encode(instr):
    """salt.utils.hashutils.base64_b64encode (base64_encode)"""
    return base64.b64encode(salt_to_bytes(instr)).decode()


def base64_b64decode(instr):
    """salt.utils.hashutils.base64_b64decode (base64_decode)"""
    decoded = base64.b64decode(salt_to_bytes(instr))
    try:
        return decoded.decode()
    except UnicodeDecodeError:
        return decoded


def uuid_(val):
    """salt/utils/jinja.py uuid_ (the uuid filter)"""
    if not isinstance(val, str):
        raise TypeError("expected str, bytes, or bytearray not {}".format(type(val)))
    return str(uuid.uuid5(uuid.UUID("91633EBF-1C86-5E33-935A-28061F4B480E"), val))


def format_xml(value):
    """SerializerExtension.format_xml"""

    def normalize_iter(value):
        if isinstance(value, (list, tuple)):
            if isinstance(value[0], str):
                xmlval = value
            else:
                xmlval = []
        elif isinstance(value, dict):
            xmlval = list(value.items())
        else:
            raise jinja2.exceptions.TemplateRuntimeError(
                "Value is not a dict or list. Cannot render as XML"
            )
        return xmlval

    def recurse_tree(xmliter, element=None):
        sub = None
        for tag, attrs in xmliter:
            if isinstance(attrs, list):
                for attr in attrs:
                    recurse_tree(((tag, attr),), element)
            elif element is not None:
                sub = SubElement(element, tag)
            else:
                sub = Element(tag)
            if isinstance(attrs, (str, int, bool, float)):
                sub.text = str(attrs)
                continue
            if isinstance(attrs, dict):
                sub.attrib = {
                    attr: str(val)
                    for attr, val in attrs.items()
                    if not isinstance(val, (dict, list))
                }
            for tag, val in [
                item
                for item in normalize_iter(attrs)
                if isinstance(item[1], (dict, list))
            ]:
                recurse_tree(((tag, val),), sub)
        return sub

    return minidom.parseString(
        tostring(recurse_tree(normalize_iter(value)))
    ).toprettyxml(indent=" ")


class SaltInvocationError(Exception):
    pass


def set_dict_key_value(in_dict, keys, value, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate.set_dict_key_value"""
    dict_pointer, last_key = _dict_rpartition(
        in_dict, keys, delimiter=delimiter, ordered_dict=ordered_dict
    )
    dict_pointer[last_key] = value
    return in_dict


def update_dict_key_value(in_dict, keys, value, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate.update_dict_key_value"""
    dict_pointer, last_key = _dict_rpartition(
        in_dict, keys, delimiter=delimiter, ordered_dict=ordered_dict
    )
    if last_key not in dict_pointer or dict_pointer[last_key] is None:
        dict_pointer[last_key] = OrderedDict() if ordered_dict else {}
    try:
        dict_pointer[last_key].update(value)
    except AttributeError:
        raise SaltInvocationError(
            "The last key contains a {}, which cannot update.".format(
                type(dict_pointer[last_key])
            )
        )
    except (ValueError, TypeError):
        raise SaltInvocationError(
            "Cannot update {} with a {}.".format(
                type(dict_pointer[last_key]), type(value)
            )
        )
    return in_dict


def append_dict_key_value(in_dict, keys, value, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate.append_dict_key_value"""
    dict_pointer, last_key = _dict_rpartition(
        in_dict, keys, delimiter=delimiter, ordered_dict=ordered_dict
    )
    if last_key not in dict_pointer or dict_pointer[last_key] is None:
        dict_pointer[last_key] = []
    try:
        dict_pointer[last_key].append(value)
    except AttributeError:
        raise SaltInvocationError(
            "The last key contains a {}, which cannot append.".format(
                type(dict_pointer[last_key])
            )
        )
    return in_dict


def extend_dict_key_value(in_dict, keys, value, delimiter=DEFAULT_TARGET_DELIM, ordered_dict=False):
    """salt.utils.dictupdate.extend_dict_key_value"""
    dict_pointer, last_key = _dict_rpartition(
        in_dict, keys, delimiter=delimiter, ordered_dict=ordered_dict
    )
    if last_key not in dict_pointer or dict_pointer[last_key] is None:
        dict_pointer[last_key] = []
    try:
        dict_pointer[last_key].extend(value)
    except AttributeError:
        raise SaltInvocationError(
            "The last key contains a {}, which cannot extend.".format(
                type(dict_pointer[last_key])
            )
        )
    except TypeError:
        raise SaltInvocationError(
            "Cannot extend {} with a {}.".format(
                type(dict_pointer[last_key]), type(value)
            )
        )
    return in_dict


def dict_to_sls_yaml_params(value, flow_style=False):
    """SerializerExtension.dict_to_sls_yaml_params"""
    return salt_format_yaml([{key: val} for key, val in value.items()], flow_style=flow_style)


def network_hosts(value, options=None, version=None):
    """salt.utils.network.network_hosts, for values without options (the
    stand-in's _filter_ipaddr keeps the valid addresses, IPv4 first, as
    salt.utils.network.ipaddr does)."""

    def valid(v, ver):
        try:
            obj = ipaddress.ip_address(v)
        except ValueError:
            try:
                obj = ipaddress.ip_interface(v)
            except ValueError:
                return None
        return str(v) if obj.version == ver else None

    def one(v):
        for ver in ([version] if version in (4, 6) else [4, 6]):
            r = valid(v, ver)
            if r:
                return r
        return None

    if isinstance(value, (list, tuple)):
        out = []
        for ver in ([version] if version in (4, 6) else [4, 6]):
            out.extend(x for x in value if valid(x, ver))
    else:
        out = one(value)
        out = [out] if out else None
    if not out:
        return
    hosts = lambda e: [str(h) for h in ipaddress.ip_network(e, strict=False).hosts()]
    if not isinstance(value, (list, tuple)):
        return hosts(out[0])
    return [hosts(e) for e in out]


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
    # Salt's filters from salt/utils/{data,stringutils,hashutils,dictupdate,
    # network}.py and SerializerExtension's itertools filters
    env.filters.update(
        method_call=method_call,
        traverse=traverse_dict_and_list,
        md5=md5_digest,
        xml=format_xml,
        uuid=uuid_,
        sha1=sha1_digest,
        sha256=sha256_digest,
        sha512=sha512_digest,
        base64_encode=base64_b64encode,
        base64_decode=base64_b64decode,
        compare_dicts=compare_dicts,
        compare_lists=compare_lists,
        is_iter=is_iter,
        is_list=lambda value: isinstance(value, list),
        flatten=flatten,
        substring_in_list=substr_in_list,
        is_hex=is_hex,
        contains_whitespace=contains_whitespace,
        to_num=salt_to_num,
        str_to_num=salt_to_num,
        to_snake_case=camel_to_snake_case,
        to_camelcase=snake_to_camel_case,
        exactly_n_true=exactly_n,
        exactly_one_true=exactly_one,
        sorted_ignorecase=sorted_ignorecase,
        mysql_to_dict=mysql_to_dict,
        check_whitelist_blacklist=check_whitelist_blacklist,
        hmac=hmac_signature,
        hmac_compute=hmac_compute,
        set_dict_key_value=set_dict_key_value,
        update_dict_key_value=update_dict_key_value,
        append_dict_key_value=append_dict_key_value,
        extend_dict_key_value=extend_dict_key_value,
        dict_to_sls_yaml_params=dict_to_sls_yaml_params,
        network_hosts=network_hosts,
        combinations=itertools.combinations,
        combinations_with_replacement=itertools.combinations_with_replacement,
        compress=itertools.compress,
        permutations=itertools.permutations,
        product=itertools.product,
        zip=zip,
        zip_longest=itertools.zip_longest,
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
