{#- Python 3's dict views, as Salt 3006 renders them: they print as
    dict_keys([...]), iterate, count and answer `in` as lists do. #}
{%- set d = {'b': 1, 'a': 2} %}
keys: {{ d.keys() }}
values: {{ d.values() }}
items: {{ d.items() }}
empty: {{ {}.keys() }} {{ {}.items() }}
list: {{ d.keys()|list }} {{ d.items()|list }} {{ d.values()|list }}
len: {{ d.keys()|length }} {{ 'a' in d.keys() }} {{ 'z' in d.keys() }} {{ 1 in d.values() }}
first: {{ d.keys()|first }} {{ d.values()|sum }} {{ d.keys()|sort|join(',') }} {{ d.items()|first }}
loop: {% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %} {% for k in d.keys() %}{{ loop.index }}{{ k }}{% endfor %}
joined: {{ d.keys()|join('+') }} {{ d.values()|map('string')|join('-') }}
string: {{ d.keys()|string }} {{ d.keys() ~ '' }}
nested: {{ {'x': d.keys()} }} {{ [d.values()] }}
truth: {{ 'yes' if d.keys() else 'no' }} {{ 'yes' if {}.keys() else 'no' }}
equal: {{ d.keys() == ['b', 'a'] }} {{ d.keys() == {'a': 0, 'b': 0}.keys() }} {{ d.keys() == {'a': 0}.keys() }} {{ d.items() == {'a': 2, 'b': 1}.items() }} {{ d.items() == {'a': 1, 'b': 2}.items() }} {{ d.values() == d.values() }} {{ d.keys() != ['b', 'a'] }}
member: {{ ('b', 1) in d.items() }} {{ ('b', 2) in d.items() }} {{ d.keys() | list == ['b', 'a'] }}
json: {{ d.keys() | list | tojson }} {{ d.items() | list | tojson }}
build: {{ dict(d.items()) }} {{ d.items() | map('first') | list }} {{ d.values() | max }} {{ d.keys() | reverse | list }} {{ d.items() | selectattr('1', 'gt', 1) | list }}
set: {{ d.keys() | unique | list }} {{ d.keys() | sort(reverse=true) | join }} {{ d.keys() | length > 1 }} {{ d.keys() | select('in', ['a']) | list }}
{#- dict.get is Python's, for pillar and grains too: 'a:b' is one key. #}
{%- set p = {'app': {'name': 'shop'}, 'a:b': 'colon key'} %}
get: {{ p.get('app:name') }} {{ p.get('app:name', 'd') }} {{ p.get('app', {}).get('name') }} {{ p.get('a:b') }}
{#- Salt's list test; Jinja 3's filter and test tests; a test's keyword arguments. #}
tests: {{ [1] is list }} {{ 'ab' is list }} {{ {} is list }} {{ 'upper' is filter }} {{ 'nope' is filter }} {{ 'even' is test }} {{ 'ABC' is match('a', ignorecase=True) }} {{ 'ABC' is match('a') }} {{ 'x\nABC' is match('.\na', ignorecase=True) }}
