range: {{ range(3)|list }} {{ range(1, 4)|list }} {{ range(10, 0, -3)|list }}
namespace: {% set ns = namespace(found=false, count=0) %}{% for r in grains.roles %}{% if r == 'db' %}{% set ns.found = true %}{% endif %}{% set ns.count = ns.count + 1 %}{% endfor %}{{ ns.found }} {{ ns.count }}
dict: {{ dict(a=1, b=2) }} {{ dict([('x', 1)]) }}
zip: {{ zip([1, 2], ['a', 'b'])|list }}
joiner: {% set j = joiner(' | ') %}{% for x in ['a', 'b', 'c'] %}{{ j() }}{{ x }}{% endfor %}
cycler: {% set c = cycler('r', 'g') %}{{ c.next() }} {{ c.next() }} {{ c.next() }} {{ c.current }}
