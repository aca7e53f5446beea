{#- a comment
    spanning several lines
#}
{%- set long = {
      'a': 1,
      'b': [1, 2],
    } %}
{%- if long.a == 1
      and long.b|length == 2 %}
multi-line tag: ok
{%- endif %}
{{ long.b
   | join(', ') }}
{%- set block %}
  block set {{ long.a }}
{%- endset %}
block: [{{ block }}]
{%- set a, b = 1, 2 %}
{%- set (c, d) = ['x', 'y'] %}
tuple set: {{ a }} {{ b }} {{ c }} {{ d }}
trim:   {{- ' left' }}   {{ 'right ' -}}   end
keep {{ 'both' }} spaces
{% if true -%}
    stripped-after-tag
{%- endif %}
{%+ if true %}plus{% endif %}
{%- with x = 5, y = 6 %}
with: {{ x + y }}
{%- endwith %}
{#- inline comment #}
done
{%- set shout | upper %}quiet {{ 'words' }}{% endset %}
block set filter: {{ shout }}
{% filter replace('a', 'o')|upper %}banana {{ 'cat' }}{% endfilter %}
