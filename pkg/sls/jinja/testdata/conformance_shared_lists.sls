{#- A list is one object: appends made in a loop or an if, to a list that
    came from an expression rather than a literal, are seen after it. #}
{%- set concat = [0] + [1] %}
{%- for x in [5, 6] %}{% do concat.append(x) %}{% endfor %}
concat: {{ concat }}
{%- set sliced = [1, 2, 3][:] %}
{%- for x in [4] %}{% if x %}{% do sliced.extend([x, x]) %}{% endif %}{% endfor %}
sliced: {{ sliced }}
{%- set listed = 'ab' | list %}
{%- for x in 'cd' %}{% do listed.insert(0, x) %}{% endfor %}
listed: {{ listed }}
{%- set ranged = range(3) | list %}
{%- for x in [1] %}{% do ranged.pop() %}{% do ranged.reverse() %}{% endfor %}
ranged: {{ ranged }}
{%- set alias = concat %}
{%- for x in [7] %}{% do alias.append(x) %}{% endfor %}
alias: {{ concat }} {{ alias is sameas concat }}
{%- set a, b = [[1], [2] + []] %}
{%- for x in [3] %}{% do b.append(x) %}{% endfor %}
unpacked: {{ a }} {{ b }}
