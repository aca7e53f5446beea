a
  {%- raw -%}  {{ x }}  {%- endraw -%}
  b
{% raw %} {% if %} {# c #} {% endraw %}
c {#- comment -#}
  d
{%- for i in range(2) -%}
  [{{ i }}]
{%- endfor -%}
  e
{{- 'f' }}
{# multi
   line #} g
{% if true %}
h
{% endif %}
{%- set x = {'a': '}}', 'b': '%}'} %}{{ x.a }}{{ x['b'] }}
{{ '{{' }} {{ "{%" }} {{ '#}' }}
{% macro m(x) %}
  inside {{ x }}
{% endmacro %}
{{- m(1) -}}
end
