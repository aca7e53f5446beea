{#- Dicts keep insertion order, as Python 3.7+ dicts do: every construct
    here is compared with Jinja2's output. #}
{%- set d = {'zulu': 1, 'alpha': 2, 'mike': 3} %}
loop: {% for k in d %}{{ k }} {% endfor %}
items: {% for k, v in d.items() %}{{ k }}={{ v }} {% endfor %}
keys: {{ d.keys() | list }} values: {{ d.values() | list }}
repr: {{ d }}
list/first/join: {{ d | list }} {{ d | first }} {{ d | join(',') }}
map/select: {{ d | map('upper') | list }} {{ d | select('ne', 'alpha') | list }}
dictsort: {{ d | dictsort }} by value: {{ d | dictsort(false, 'value') }} reversed: {{ d | dictsort(reverse=true) }}
loop of dictsort: {% for k, v in d | dictsort %}{{ k }} {% endfor %}
{%- do d.update({'bravo': 4, 'alpha': 20}) %}
update dict: {{ d }}
{%- do d.update(yankee=5, echo=6) %}
update kwargs: {{ d | list }}
{%- do d.update([('xray', 7), ('bravo', 40)]) %}
update pairs: {{ d }}
{%- set x = {'q': 1, 'c': 2} %}
dict kwargs: {{ dict(zz=1, aa=2, mm=3) }}
dict kwargs and **: {{ dict(b=1, **x) }}
dict of dict and kwargs: {{ dict(x, a=3, q=9) }}
dict of pairs: {{ dict([('k', 1), ('e', 2), ('y', 3)]) }}
{%- set c = d.copy() %}
{%- do c.pop('zulu') %}
{%- do c.setdefault('zulu', 0) %}
{%- do c.setdefault('alpha', 0) %}
pop then set again goes last: {{ c | list }}
copy is apart: {{ d | list }}
{%- set e = {} %}
{%- for k in ['m', 'c', 'x', 'a'] %}{% do e.update({k: loop.index}) %}{% endfor %}
built in a loop: {{ e }}
{%- set e2 = {} %}
{%- for k in ['m', 'c'] %}{% set _ = e2.setdefault(k, []) %}{% do e2[k].append(loop.index) %}{% endfor %}
setdefault in a loop: {{ e2 }}
nested: {% for k, v in {'b': {'z': 1, 'y': 2}, 'a': {'x': 3, 'w': 4}}.items() %}{{ k }}({{ v | list | join(',') }}) {% endfor %}
{%- macro m() %}{{ kwargs | list }} {{ kwargs }}{% endmacro %}
macro kwargs: {{ m(zeta=1, alpha=2, mu=3) }}
{%- import_yaml "order/services.yaml" as svc %}
import_yaml: {{ svc | list }} {% for name, s in svc.items() %}{{ name }}:{{ s.port }} {% endfor %}
import_yaml nested: {{ svc.zebra.opts }} {{ svc.zebra }}
{%- import_yaml "order/merged.yaml" as mrg %}
merge keys: {{ mrg.web }} {{ mrg.base }}
{%- import_json "order/data.json" as js %}
import_json: {{ js }} {{ js.alpha[0] | list }}
{%- set merged = {} %}
{%- for src in [svc, {'apple': {'port': 1}, 'kiwi': {}}] %}{% do merged.update(src) %}{% endfor %}
merged: {{ merged | list }}
tojson keeps the order (Salt's tojson does not sort): {{ d | tojson }}
