{#- A conditional extends, a required block given by the child, and the
    child's output before extends. #}
before
{%- if grains.os == 'Debian' %}
{%- extends 'inherit/required.jinja' %}
{%- endif %}
{% block must %}given {{ grains.os }}{% endblock %}
after is dropped
{% do salt_side_effect.append(1) if salt_side_effect is defined else none %}
