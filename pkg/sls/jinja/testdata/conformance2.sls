a  {%- if true %} b {% endif -%}  c
x {{- 'y' -}} z {#- c -#} w
{% for i in [1,2] -%}  {{ i }}  {%- endfor %}
{%- set x -%}  inner  {%- endset -%}[{{ x }}]
{% macro f() -%}  body  {%- endmacro %}[{{ f() }}]
{% if false %}no{% elif true %}  yes  {% endif %}
{{ [1, 2, 3]|join(', ') }}{{ [] | join(',') }}|{{ [1, 'a']|join }}
{{ none|default('d') }}|{{ false|default('d', true) }}|{{ 0|d('zero', true) }}
{% set d = {'a': {'b': 1}} %}{{ d.a.b }}{{ d['a']['b'] }}{{ d.a.get('c', 'nc') }}{{ d.get('a').b }}
{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}|{% for k, v in {'x': 1, 'y': 2}|dictsort %}{{ k }}{{ v }}{% endfor %}
{% for x in [1,2,3] %}{{ loop.previtem|default('-') }}{{ loop.nextitem|default('-') }} {% endfor %}
{% set items = [{'n': 'a', 'g': {'v': 2}}, {'n': 'b', 'g': {'v': 1}}] %}{{ items|sort(attribute='g.v')|map(attribute='n')|join }}|{{ items|selectattr('g.v', 'equalto', 2)|map(attribute='n')|list }}
{{ [1,2,3,4]|batch(3, 0)|list }}|{{ ['a','b']|map(attribute='upper')|list|length }}
{{ 'a' ~ ('b' if true) ~ 'c' }}|{{ 'x' if true else undefined_var }}
{% set l = [1] %}{% set l2 = l + [2] %}{{ l }}{{ l2 }}
{% for i in range(2) %}{% set v = i %}{% endfor %}{{ v is defined }}
{% set g = 1 %}{% macro shows() %}{{ g }}{% endmacro %}{% set g = 2 %}{{ shows() }}
{% for i in [1] %}{% set inner = 'x' %}{{ inner }}{% endfor %}
{{ "abc" | replace("b", "") | length }}|{{ ['x'] | first | upper }}|{{ 'a,b' | replace(',', ' ') | wordcount }}
{%- for i in range(3) %}
  line {{ i }}
{%- endfor %}
{{ (1, 2) == (1, 2) }}|{{ [1] == (1,) }}|{{ {'a': 1} == {'a': 1.0} }}
{{ 'abc'.upper()[0] }}|{{ ['a', 'b'][0].upper() }}|{{ {'k': 'v'}.items()|list }}
{{ 5 - 3 - 1 }}|{{ 2 * 3 + 4 }}|{{ 2 + 3 * 4 }}|{{ (2 + 3) * 4 }}|{{ 100 / 10 / 5 }}|{{ 2 ** 0.5 }}
{{ 'a' < 'B' }}|{{ 'Z' < 'a' }}|{{ [2] > [1, 5] }}
{{ 'tab\there' }}|{{ 'uni \u00e9' }}|{{ '\x41' }}
{{ 1 + true }}|{{ true + true }}|{{ 3 == 3.0 }}|{{ 1.5|int }}
{% if 'a' %}t{% endif %}{% if '' %}f{% endif %}{% if [0] %}t{% endif %}{% if {} %}f{% endif %}{% if 0.0 %}f{% endif %}
