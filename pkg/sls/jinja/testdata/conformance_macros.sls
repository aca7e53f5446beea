{%- macro wrap(tag) -%}<{{ tag }}>{{ caller() }}</{{ tag }}>{%- endmacro -%}
{% call wrap('p') %}hello {{ 1 + 1 }}{% endcall %}
{% macro rows(items) %}{% for i in items %}{{ caller(i, loop.index) }}{% endfor %}{% endmacro -%}
{% call(item, n) rows(['a', 'b']) %}[{{ n }}={{ item }}]{% endcall %}
{% macro opt(name, value=none, sep=' = ') -%}
{{ name }}{{ sep }}{{ value if value is not none else 'unset' }}
{%- endmacro %}
{{ opt('a') }}|{{ opt('b', 2) }}|{{ opt('c', sep=': ', value='x') }}
{% macro va() %}{{ varargs }}|{{ kwargs }}{% endmacro %}{{ va(1, 2, k='v') }}
{% macro nested(d, depth=0) -%}
{% for k, v in d|dictsort -%}
{{ '  ' * depth }}{{ k }}:{% if v is mapping %}
{{ nested(v, depth + 1) }}{% else %} {{ v }}
{% endif %}
{%- endfor %}
{%- endmacro %}
{{ nested({'a': 1, 'b': {'c': 2, 'd': {'e': 3}}}) }}
{% macro has_caller() %}{{ caller is defined }}{% endmacro %}{{ has_caller() }}
{%- macro m2(x) -%}{{ x * 2 }}{%- endmacro %}
{{ [1, 2, 3]|map('string')|join(',') }}|{{ m2(4) }}|{{ m2('ab') }}
{% set ns = namespace(found=false, items=[]) %}
{%- for x in [1, 5, 10] %}{% if x > 3 %}{% set ns.found = true %}{% do ns.items.append(x) %}{% endif %}{% endfor -%}
{{ ns.found }}|{{ ns.items }}
{% set counter = namespace(n=0) %}{% for i in range(3) %}{% for j in range(2) %}{% set counter.n = counter.n + 1 %}{% endfor %}{% endfor %}{{ counter.n }}
{% set block %}
line 1
  line {{ 2 }}
{% endset %}[{{ block }}]|{{ block|trim|length }}
{% set up | upper %}shout {{ 'it' }}{% endset %}{{ up }}
{% macro kw_only(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ kw_only(b=3, a=1) }}
{% macro echo(s) %}{{ s }}{% endmacro %}{{ echo(echo('x') ~ 'y') }}
{% macro described(a, b=1, c='x') %}{{ a }}{% endmacro -%}
macro attributes: {{ described.name }} {{ described.arguments }} {% macro outer() %}{{ caller.name }}{% endmacro %}{% call outer() %}body{% endcall %}
