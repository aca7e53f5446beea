pkgs:
{%- for p in ['vim', 'git'] %}
  - {{ p }}
{%- endfor %}
conf:
  {% if true -%}
  on: yes
  {%- endif %}
{% for i in range(2) -%}
item{{ i }}
{% endfor -%}
tail
{#- a comment that eats the newline before it #}
{% raw -%}
  {{ not rendered }} {%- also not -%}
{%- endraw %}
x  {{- ' y ' -}}  z
{% set v = 1 -%}
   after set
{%+ if true %}kept{% endif %}
  {%- if true %}stripped-left{% endif %}
last line {{ 'no newline after the tag' -}}
