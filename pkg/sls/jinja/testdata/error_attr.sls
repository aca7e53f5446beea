{#- comment
    over lines #}
{%- set cfg = pillar.get('app', {}) %}
{{ cfg.name }}
{{ cfg.nothere.deeper }}
