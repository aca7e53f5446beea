{% block packages -%}
base-packages:
  pkg.installed:
    - pkgs: {{ pkgs|default(['vim'])|yaml }}
{%- endblock %}
{% block extra %}{% endblock %}
