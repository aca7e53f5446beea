"""Render a golden case with real Jinja2 (plus stand-ins for the Salt
filters and salt[] functions the cases use), to compare with brine:

    python3 testdata/jinja2_ref.py testdata NAME | diff - testdata/NAME.golden

Differences expected: dict order (brine sorts keys), error message format,
and the Salt tags import_yaml / import_json / load_yaml this script lacks.
"""
import sys, os, re, json, yaml, fnmatch, copy, hashlib, base64, shlex
import jinja2
from jinja2 import StrictUndefined, Environment, FileSystemLoader

td = sys.argv[1]
name = sys.argv[2]
cv = {}
for f in [td + "/default.vars.yaml", td + "/" + name + ".vars.yaml"]:
    if os.path.exists(f):
        for k, v in (yaml.safe_load(open(f)) or {}).items():
            if isinstance(v, dict) and isinstance(cv.get(k), dict): cv[k].update(v)
            else: cv[k] = v
grains, pillar, opts = cv.get("grains", {}), cv.get("pillar", {}), cv.get("opts", {})

def trav(d, key, default=None, delim=":"):
    cur = d
    for p in key.split(delim):
        if isinstance(cur, dict) and p in cur: cur = cur[p]
        elif isinstance(cur, list):
            try: cur = cur[int(p)]
            except Exception: return default
        else: return default
    return cur

def update(dest, upd, merge_lists=False):
    for k, v in upd.items():
        if isinstance(dest.get(k), dict) and isinstance(v, dict): update(dest[k], v)
        else: dest[k] = copy.deepcopy(v)
    return dest

def filter_by(lookup_dict, grain="os_family", merge=None, default="default", base=None):
    ret = None
    val = trav(grains, grain, [])
    for each in val if isinstance(val, list) else [val]:
        for key in lookup_dict:
            if fnmatch.fnmatchcase(str(each), str(key)):
                ret = lookup_dict[key]; break
        if ret is not None: break
    if ret is None: ret = lookup_dict.get(default, None)
    if base and base in lookup_dict:
        bv = lookup_dict[base]
        if ret is None: ret = bv
        elif isinstance(bv, dict): ret = update(copy.deepcopy(bv), ret)
    if merge:
        if ret is None: ret = merge
        else: update(ret, copy.deepcopy(merge))
    return ret

def pget(key, default="", merge=False, delimiter=":"):
    v = trav(pillar, key, KeyError, delimiter)
    if v is KeyError: return default
    if merge and isinstance(default, dict) and isinstance(v, dict): return update(copy.deepcopy(default), v)
    return v
def gget(key, default="", delimiter=":"):
    v = trav(grains, key, KeyError, delimiter)
    return default if v is KeyError else v
def cget(key, default="", delimiter=":"):
    for src in (opts, grains, pillar):
        v = trav(src, key, KeyError, delimiter)
        if v is not KeyError: return v
    return default

salt = {"pillar.get": pget, "grains.get": gget, "config.get": cget, "grains.filter_by": filter_by,
        "cmd.run": lambda cmd: "ran: " + cmd, "defaults.merge": lambda d, s, merge_lists=False, in_place=True: update(d if in_place else copy.deepcopy(d), s),
        "slsutil.merge": lambda a, b, strategy="smart", renderer="yaml", merge_lists=False: update(copy.deepcopy(a), b),
        "defaults.deepcopy": copy.deepcopy, "log.debug": lambda *a: "", "log.info": lambda *a: "",
        "file.dirname": os.path.dirname, "file.basename": os.path.basename, "file.join": os.path.join,
        "test.true": lambda: True, "test.false": lambda: False,
        "slsutil.serialize": lambda s, o, **k: yaml.safe_dump(o, default_flow_style=False) if s == "yaml" else json.dumps(o, **k),
        "grains.items": lambda: grains, "pillar.items": lambda: pillar}

def fyaml(v, flow_style=True):
    y = yaml.safe_dump(v, default_flow_style=flow_style, width=10**9).strip()
    if y.endswith("\n..."): y = y[:-4]
    return y
def tobool(v):
    if isinstance(v, str): return v.lower() in ("true", "yes", "on", "1", "y")
    if isinstance(v, int): return v > 0
    return bool(v)
def rsearch(txt, rgx, ignorecase=False, multiline=False):
    f = (re.I if ignorecase else 0) | (re.M if multiline else 0)
    o = re.search(rgx, txt, f); return o.groups() if o else None
def rmatch(txt, rgx, ignorecase=False, multiline=False):
    f = (re.I if ignorecase else 0) | (re.M if multiline else 0)
    o = re.match(rgx, txt, f); return o.groups() if o else None
def rrepl(txt, rgx, val, ignorecase=False, multiline=False):
    f = (re.I if ignorecase else 0) | (re.M if multiline else 0)
    return re.sub(rgx, val, txt, flags=f)
def uniq(v):
    out = []
    for x in v:
        if x not in out: out.append(x)
    return out

tplpath = cv.get("tplpath") or name + ".sls"
sls = cv.get("sls") or tplpath[:-4].replace("/init", "").replace("/", ".")
d = os.path.dirname(tplpath)
env = Environment(loader=FileSystemLoader([td + "/tree", td]), undefined=StrictUndefined,
                  extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"], keep_trailing_newline=True)
env.filters.update(yaml=fyaml, json=lambda v, sort_keys=True, indent=None: json.dumps(v, sort_keys=sort_keys, indent=indent),
    to_bool=tobool, regex_search=rsearch, regex_match=rmatch, regex_replace=rrepl, traverse=lambda d, k, default=None, delimiter=":": trav(d, k, default, delimiter),
    unique=uniq, yaml_dquote=lambda s: json.dumps(s), yaml_squote=lambda s: "'" + s.replace("'", "''") + "'",
    quote=shlex.quote, md5=lambda s: hashlib.md5(s.encode()).hexdigest(), sha256=lambda s: hashlib.sha256(s.encode()).hexdigest(),
    base64_encode=lambda s: base64.b64encode(s.encode()).decode(), base64_decode=lambda s: base64.b64decode(s).decode(),
    difference=lambda a, b: [x for x in uniq(a) if x not in b], union=lambda a, b: uniq(list(a) + list(b)),
    intersect=lambda a, b: [x for x in uniq(a) if x in b], load_yaml=yaml.safe_load, load_json=json.loads,
    flatten=lambda l, levels=None: l, yaml_encode=lambda v: fyaml(v))
env.tests['match'] = lambda v, r: re.match(r, v) is not None
env.filters['bool'] = tobool
src = open(td + "/" + name + ".sls").read()
vars = dict(grains=grains, pillar=pillar, opts=opts, salt=salt, sls=sls, slspath=d, tpldir=d or ".", tplpath=tplpath, tplfile=tplpath, saltenv="base", id=cv.get("id"))
vars.update(cv.get("vars") or {})
try:
    out = env.from_string(src).render(**vars)
except Exception as e:
    out = "ERROR: %s: %s\n" % (type(e).__name__, e)
sys.stdout.write(out)
