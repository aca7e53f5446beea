{#- An SLS that extends a file beside it by a relative name and one by a
    salt:// URL, as Salt's loader finds them. #}
{%- set pkgs = ['htop'] %}
{%- extends './pkgs.sls' %}
{% block extra %}
extra: {% include 'salt://inherit/loopvar.jinja' %}
{%- endblock %}
