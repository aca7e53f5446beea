{#- Tests that ask only isinstance or identity of a value answer for an
    undefined one (StrictUndefined refuses only its use), as icinga2-formula's
    `hostconf['remove'] is sameas true` relies on for a key pillar leaves out. -#}
{%- set d = {'a': 1} -%}
{{ d['x'] is sameas true }}|{{ d.x is sameas none }}|{{ nope is sameas false }}|{{ d['x'] is not sameas true }}
{{ d['x'] is none }}|{{ d.x is boolean }}|{{ nope is false }}|{{ nope is true }}|{{ d['x'] is not true }}
{{ d['x'] is integer }}|{{ d.x is float }}|{{ nope is number }}|{{ d['x'] is string }}|{{ nope is mapping }}
{{ d['x'] is sequence }}|{{ nope is escaped }}|{{ d.x is callable }}|{{ nope is not callable }}|{{ d['x'] is list }}
{%- if d.remove is sameas true %}removed{% else %}kept{% endif %}
{% for k in ['a', 'b'] %}{{ k }}={{ d[k] is number }};{% endfor %}
