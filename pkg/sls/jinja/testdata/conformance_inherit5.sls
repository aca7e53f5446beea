{#- An SLS that extends an SLS, as Salt renders it: YAML after. #}
{%- set pkgs = ['curl', 'git'] %}
{%- extends 'inherit/pkgs.sls' %}
{% block extra %}
extra-file:
  file.managed:
    - name: /tmp/x
{%- endblock %}
