{#- A chain of three: super() walks it, self renders the most derived. #}
{% extends "inherit/middle.jinja" %}
{% block title %}Top<{{ super() }}>{% endblock %}
{% block nested %}N[{{ super() }}]{% endblock %}
{% block body %}{{ self.title() }} / {{ super()|upper }}{% endblock %}
