{#- Salt's own globals (render_jinja_tmpl): odict is collections.OrderedDict. #}
{%- set o = odict([('zeta', 1), ('alpha', 2)], mid=3) %}
{%- set p = odict(o) %}{% do p.update({'zeta': 9, 'new': 0}) %}
keys {{ o.keys()|list }} {{ p.keys()|list }} {{ odict()|length }} {{ odict(o.items())|list }}
values {{ o.zeta }} {{ p.zeta }} {{ o['alpha'] }} {{ o.get('nope', 'none here') }} {{ o is mapping }} {{ 'mid' in o }}
{%- for k, v in p.items() %}
  {{ loop.index }}: {{ k }}={{ v }}
{%- endfor %}
sorted {{ o|dictsort }} {{ o|length }} {{ (o|list)[0] }}
{%- profile as 'counting' %}
{%- set counter = namespace(n=0) %}
{%- set seen = [] %}
{%- for i in range(4) %}{% set counter.n = counter.n + i %}{% do seen.append(i) %}{% endfor %}
{%- set inside = 'set in a profile block' %}
{%- endprofile %}
profile {{ counter.n }} {{ seen }} {{ inside }}
{% profile as 'label ' ~ 2 -%} body {{ 1 + 1 }} {%- endprofile %}
