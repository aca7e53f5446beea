line one
{% if true %}
in if
{% endif %}
macline {{ "\r" | length }}
{% set x %}a
b{% endset %}{{ x | length }}
