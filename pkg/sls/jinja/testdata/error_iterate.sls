{%- for u in pillar.get('not_there') %}
{{ u }}
{%- endfor %}
{%- for u in pillar.nope %}{% endfor %}
