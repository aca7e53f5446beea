{%- set d = {'a': 1, 'b': 2} %}
items: {% for k, v in d.items() %}{{ k }}={{ v }} {% endfor %}
keys: {{ d.keys() | list }}
values: {{ d.values() | list }}
get: {{ d.get('a') }} {{ d.get('zz') }} {{ d.get('zz', 'fallback') }}
{%- do d.update({'c': 3}) %}
{%- do d.update(e=5) %}
update: {{ d }}
setdefault: {{ d.setdefault('a', 100) }} {{ d.setdefault('f', []) }}
{%- do d.setdefault('g', []).append('x') %}
{%- do d.setdefault('g', []).append('y') %}
after: {{ d.g }} {{ d.f }}
pop: {{ d.pop('c') }} {{ d.pop('nope', 'none-here') }} {{ 'c' in d }}
copy: {{ d.copy() == d }} {{ d.copy() is sameas d }}
dict.get, 'a:b' is one key: {{ pillar.get('app:settings:workers') }} {{ pillar.get('app:nope', 'd') }} {{ pillar.get('app', {}).get('settings', {}).get('workers') }}
pillar items: {% for name, u in pillar.users.items() %}{{ name }}:{{ u.uid }} {% endfor %}
