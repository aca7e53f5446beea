{#- Blocks in a template that extends nothing render where they stand. #}
{%- set x = 'top' %}
{% block one %}one {{ x }}{% endblock %}
{% for x in ['loop'] %}
{% block two %}two {{ x }}{% endblock %} {% block three scoped %}three {{ x }}{% endblock %}
{% endfor %}
{{ self.one() }} {{ self.two()|length }}
{% if false %}{% extends 'inherit/base.jinja' %}{% endif %}
{% block four -%}
  four
{%- endblock four %}
{%- macro m() %}[{{ self.one() }}]{% endmacro %}
{{ m() }}
{% set captured %}{% block five %}five{% endblock %}{% endset %}{{ captured }}
{{ self.five() }}
{%- filter upper %}{% block six %}six{% endblock %}{% endfilter %}
{% for i in [1, 2] %}{% block outer7 scoped %}<{{ self.inner7() }}>{% block inner7 scoped %}{{ i }}{% endblock %}{% endblock %}{% endfor %}
