{#- {% call %} hands a block to a macro as caller(); caller() takes
    arguments when the call declares them, and sees the call site's names. #}
{%- macro section(title, level=1) -%}
{{ '#' * level }} {{ title }}
{{ caller() }}
{%- endmacro %}
{%- macro each(items) -%}
{%- for it in items %}
  * {{ caller(it, loop.index) }}
{%- endfor %}
{%- endmacro %}
{%- set owner = 'ops' %}
{% call section('Packages', level=2) -%}
managed by {{ owner }}
{%- endcall %}
{% call(name, n) each(['vim', 'curl']) -%}
{{ n }}. {{ name | upper }} for {{ owner }}
{%- endcall %}
{%- macro wrap() %}[{{ caller() }}]{% endmacro %}
nested: {% call wrap() %}{% call wrap() %}inner{% endcall %}{% endcall %}
kwargs untouched: {% macro k() %}{{ kwargs | list }}{{ caller() }}{% endmacro %}{% call k(a=1) %}!{% endcall %}
