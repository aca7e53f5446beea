{%- for x in ['a', 'b', 'c'] %}
{{ loop.index }} {{ loop.index0 }} {{ loop.first }} {{ loop.last }} {{ loop.length }} {{ loop.revindex }} {{ loop.revindex0 }} {{ x }}
{%- endfor %}
{%- for x in [] %}
never
{%- else %}
empty list: else branch
{%- endfor %}
{%- for k, v in {'a': 1, 'b': 2}.items() %}
kv {{ k }}={{ v }}
{%- endfor %}
{%- for n in range(10) if n is odd %}
filtered {{ n }} {{ loop.index }}/{{ loop.length }}
{%- endfor %}
{%- for row in [[1, 2], [3, 4]] %}
{%- for cell in row %}
nested {{ loop.index }} {{ cell }}
{%- endfor %}
{%- endfor %}
{%- for n in range(10) %}
{%- if n == 2 %}{% continue %}{% endif %}
{%- if n == 4 %}{% break %}{% endif %}
bc {{ n }}
{%- endfor %}
{%- for name in pillar.users %}
user {{ name }}{{ ',' if not loop.last }}
{%- endfor %}
{%- for a, b in [(1, 'x'), (2, 'y')] %}
tuple {{ a }} {{ b }}
{%- endfor %}
{%- for c in 'hi' %}char {{ c }} {% endfor %}
{%- set total = namespace(n=0) %}
{%- for i in [1, 2, 3] %}{% set total.n = total.n + i %}{% endfor %}
total {{ total.n }}
{%- for i in [1, 2] %}{% set inner = i %}{% endfor %}
scoped: {{ inner is defined }}
cycle: {% for i in range(3) %}{{ loop.cycle('odd', 'even') }} {% endfor %}
