{#- Salt's show_full_context global: what the template sees, as data. #}
{%- set mine = {'k': [1, 'x']} %}
{%- macro m() %}{% endmacro %}
{%- set ctx = show_full_context() %}
{{ ctx.mine }} {{ ctx.grains.os }} {{ ctx.m }} {{ ctx.salt }} {{ 'sls' in ctx }} {{ ctx.tpldir }}
