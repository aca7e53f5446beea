{%- set l = [] %}
{%- for i in range(4) %}
{%- do l.append(i) %}
{%- endfor %}
appended in loop: {{ l }}
{%- do l.extend(['a', 'b']) %}
extended: {{ l }}
popped: {{ l.pop() }} {{ l.pop(0) }} {{ l }}
{%- set ns = namespace(items=[]) %}
{%- for u in pillar.users %}{% do ns.items.append(u) %}{% endfor %}
namespace list: {{ ns.items }}
{%- set data = {'pkgs': ['vim']} %}
{%- do data.pkgs.append('git') %}
{%- do data['pkgs'].append('curl') %}
dict member: {{ data.pkgs }}
{%- set groups = pillar.users.alice.groups %}
{%- do groups.append('www-data') %}
from pillar: {{ groups }}
index/count: {{ [1, 2, 2].index(2) }} {{ [1, 2, 2].count(2) }}
{%- set s = [3, 1, 2] %}{% do s.sort() %}{% do s.insert(0, 0) %}{% do s.remove(2) %}
sorted: {{ s }}
