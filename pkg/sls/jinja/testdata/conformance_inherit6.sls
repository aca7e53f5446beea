{#- What a child sets, imports and defines at its top level, after its
    extends, its blocks and the parent see. #}
{% extends 'inherit/base.jinja' %}
{% from 'lib/macros.jinja' import kv %}
{% import 'lib/macros.jinja' as m %}
{% macro box(x) %}[{{ x }}]{% endmacro %}
{% set greeting = 'set after extends' %}
{% set items = [] %}
{% for i in [1, 2] %}{% do items.append(i) %}{% endfor %}
{% block title %}{{ box(greeting) }} {{ kv('k', items|length) }} {{ m.version }}{% endblock %}
{% block inner %}{% for x in items %}{{ box(x) }}{% endfor %}{% endblock %}
{% block item %}{{ self.inner() }}{% endblock %}
