{#- Template inheritance, against Jinja2 3.1 with Salt's loader rules. #}
{%- set greeting = 'hi' %}
{%- extends 'inherit/base.jinja' %}
this text is not printed
{% block title %}Child title, then [{{ super() }}] {{ greeting }}{% endblock %}
{% block item %}child item {{ i }} / {{ super() }}{% endblock %}
{% block inner %}child-inner{% endblock %}
{% set after = 1 %}
