{% for x in ['a', 'b', 'c'] %}{{ loop.cycle('odd', 'even') }}{% if not loop.last %},{% endif %}{% endfor %}
{% for x in [1, 1, 2, 3, 3] %}{% if loop.changed(x) %}{{ x }}{% endif %}{% endfor %}
{% for x in [1, 2, 3] %}{{ loop.previtem if not loop.first else '^' }}{{ x }}{{ loop.nextitem if not loop.last else '$' }} {% endfor %}
{% for x in 'abc' %}{{ loop.index0 }}{{ loop.revindex0 }}{{ loop.length }}{% endfor %}
{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }}{% endfor %}|{% for k, v in {'x': 1}.items() %}{{ k }}={{ v }}{% endfor %}
{% for x in [] %}never{% else %}empty{% endfor %}|{% for x in [0, 1] if x %}{{ x }}{% else %}none{% endfor %}
{% for row in [[1, 2], [3]] %}{% for c in row %}{{ loop.depth }}.{{ c }}/{{ loop.length }} {% endfor %}{% endfor %}
{%- for item in [{'n': 'a', 'kids': [{'n': 'b', 'kids': []}]}] recursive %}
{{ loop.depth }}{{ item.n }}{% if item.kids %}{{ loop(item.kids) }}{% endif %}
{%- endfor %}
{% for i in range(10) %}{% if i is odd %}{% continue %}{% endif %}{% if i > 6 %}{% break %}{% endif %}{{ i }}{% endfor %}
{% set total = 0 %}{% for i in range(4) %}{% set total = total + i %}{% endfor %}{{ total }}
{% for k in {'b': 1, 'a': 2}|dictsort %}{{ k[0] }}{{ k[1] }}{% endfor %}|{% for k, v in {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) %}{{ k }}{% endfor %}
{% for x in range(3)|reverse %}{{ x }}{% endfor %}|{% for x in range(1, 10, 4) %}{{ x }}{% endfor %}|{% for x in range(5, 0, -2) %}{{ x }}{% endfor %}
{% for user, cfg in {'alice': {'uid': 1}, 'bob': {'uid': 2}}|dictsort %}{{ user }}:{{ cfg.uid }}{{ ',' if not loop.last }}{% endfor %}
{% for x in [3, 1, 2]|sort %}{{ loop.index }}{{ x }}{% endfor %}|{% for c in 'ab'|list %}{{ c }}{% endfor %}
