{#- Dicts keep insertion order, as Python 3 dicts (and so Salt) do. #}
{%- import_yaml "order/services.yaml" as svc %}
{%- set lit = {'zulu': 1, 'alpha': 2, 'mike': 3} %}
literal: {% for k in lit %}{{ k }} {% endfor %}
items: {% for k, v in lit.items() %}{{ k }}={{ v }} {% endfor %}
keys/values: {{ lit.keys() | list }} {{ lit.values() | list }}
yaml file: {% for name, s in svc.items() %}{{ name }}:{{ s.port }} {% endfor %}
nested: {{ svc.zebra.opts | list }}
{%- do lit.update({'bravo': 4, 'alpha': 20}) %}
after update: {{ lit | list }} alpha={{ lit.alpha }}
{%- do lit.pop('zulu') %}
{%- do lit.setdefault('zulu', 0) %}
popped and re-added: {{ lit | list }}
{%- set cp = lit.copy() %}
{%- do cp.update(yankee=9) %}
copy: {{ cp | list }}
items filter: {{ (svc | items | list)[0][0] }}
dictsort stays sorted: {{ lit | dictsort | map('first') | list }}
yaml stays sorted (as PyYAML): {{ lit | yaml }}
json stays sorted (as Salt's json): {{ lit | json }}
{%- set merged = salt['slsutil.merge']({'b': 1, 'a': {'y': 1, 'x': 2}}, {'c': 3, 'a': {'w': 4}}) %}
slsutil.merge: {{ merged | list }} {{ merged.a | list }}
{%- set defaults = {'port': 80, 'name': 'web'} %}
{%- set got = salt['pillar.get']('no:such:key', default=defaults, merge=True) %}
pillar.get default: {{ got | list }}
{%- set lookup = {'Deb*': {'pkg': 'glob'}, 'Debian': {'pkg': 'exact'}} %}
filter_by, first match in dict order: {{ salt['grains.filter_by'](lookup, grain='os_family').pkg }}
{%- set ns = namespace(seen=[]) %}
{%- for k in svc %}{% set ns.seen = ns.seen + [k] %}{% endfor %}
namespace: {{ ns.seen | join(',') }}
