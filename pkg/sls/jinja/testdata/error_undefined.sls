ok: {{ grains.os }}
{%- set x = {
      'a': 1,
   } %}
{%- if x.a == 1 %}
value: {{ x.a }}
{%- endif %}
missing: {{ not_a_var }}
