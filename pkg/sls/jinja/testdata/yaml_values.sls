{#- import_yaml reads values as Salt's loader does: yes/no/on/off are
    booleans, a leading zero is dropped (0640 is 640), 1:30 is 90. #}
{%- import_yaml "order/values.yaml" as v %}
{%- for k, val in v.items() %}
{{ k }}: {{ val }} ({{ 'bool' if val is boolean else 'int' if val is integer else 'float' if val is float else 'str' }})
{%- endfor %}
{%- if not v.enabled %}
disabled, as Salt sees `enabled: no`
{%- endif %}
