{#- Mapping keys that are not text: YAML's `80:`, Jinja's {1: 'a'}. Python
    dicts keep them as numbers, bools and None, and so does brine. #}
{% import_yaml "intkeys.yaml" as d %}
{% for k, v in d|dictsort %}{{ k }}={{ v }} {{ k is number }} {{ k + 1 }} {{ '%05d'|format(k|int) }};{% endfor %}
{{ d[80] }} {{ d[8] + 'y' }} {{ d[16] }} {{ d.get(443) }} {{ d.get('443', 'none') }} {{ 80 in d }} {{ '80' in d }}
{{ d|tojson }}
{{ d }}
{{ d.keys()|list }} {{ d.items()|list }}
{{ d|yaml }}
{{ d|json }}
{{ d|dictsort(by='value') }}
{% for k in d %}{{ k|string }}/{{ k is string }} {% endfor %}
{% set e = {1: 'a', 2: 'b'} %}{{ e }} {{ e[1] }} {{ e|tojson }} {{ e|json }}
{% do e.update({3: 'c'}) %}{% set _ = e.setdefault(4, 'd') %}{{ e }} {{ e.pop(1) }} {{ e }}
{{ {true: 1, none: 2, 1.5: 3} }}
{{ {true: 'b', none: 'n', 2: 'c'}|tojson }} {{ {true: 'b', none: 'n'}|yaml }} {{ {true: 'b', false: 'n'}|json }}
{{ dict([(1, 'x'), (2, 'y')]) }} {{ {10: 'a', 9: 'b', 100: 'c'}|dictsort }} {{ {10: 'a', 9: 'b'}|yaml(False) }}
{% set m = {} %}{% for p in [22, 80] %}{% do m.update({p: 'open'}) %}{% endfor %}{{ m }} {{ m|max }} {{ m|list|sum }}
{% set d = {80: 'a', 8: 'b'} %}{{ d|pprint }} {{ d.copy() }} {{ dict(d) }} {{ dict(d, x=1) }} {{ d|list }} {{ d|first }}
{{ d|traverse("80", "none") }}
{% for k in d|sort %}{{ k }},{% endfor %} {{ d|dictsort(true) }} {{ d.items()|sort }} {{ d.keys()|max }}
