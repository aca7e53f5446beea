{#- An INI writer in the style formulas use: scalars on one line (a bool
    counts as a number, as in Jinja), lists continued under the key. #}
{%- macro line(key, val) %}
  {%- if val is string or val is number %}
{{ key }} = {{ val }}
  {%- else %}
{{ key }} = {{ val | first }}
    {%- for more in val[1:] %}
{{ more | indent(width=key | length + 3, first=True) }}
    {%- endfor %}
  {%- endif %}
{%- endmacro %}
{%- set sections = {'main': {'enabled': true, 'retries': 3, 'ratio': 0.5, 'paths': ['/a', '/b', '/c']},
                    'extra': {'off': false, 'name': 'x'}} %}
{%- for sec, kv in sections | dictsort %}
[{{ sec }}]
  {%- for k, v in kv | dictsort %}{{ line(k, v) }}{% endfor %}
{% endfor %}
tests: {{ true is number }} {{ true is integer }} {{ 1.0 is integer }} {{ none is number }}
