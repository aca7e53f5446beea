{#- loop.changed, recursive loops, and loop.depth (1 in plain nested loops). #}
{%- set rows = [{'grp': 'a', 'v': 1}, {'grp': 'a', 'v': 2}, {'grp': 'b', 'v': 3}, {'grp': 'a', 'v': 4}] %}
{%- for r in rows %}
{%- if loop.changed(r.grp) %}
[{{ r.grp }}]
{%- endif %}
  {{ r.v }}
{%- endfor %}
changed with two values: {% for x, y in [(1, 1), (1, 1), (1, 2)] %}{{ loop.changed(x, y) }} {% endfor %}
depth of nested plain loops: {% for a in [1] %}{% for b in [2] %}{{ loop.depth }}/{{ loop.depth0 }}{% endfor %}{% endfor %}
{%- set tree = [{'name': 'etc', 'kids': [{'name': 'ssh', 'kids': [{'name': 'sshd_config', 'kids': []}]}, {'name': 'hosts', 'kids': []}]}, {'name': 'var', 'kids': []}] %}
tree:
{%- for node in tree recursive %}
{{ '  ' * loop.depth0 }}- {{ node.name }} (depth {{ loop.depth }}, {{ loop.index }} of {{ loop.length }})
{%- if node.kids %}{{ loop(node.kids) }}{% endif %}
{%- endfor %}
filtered recursive: {% for n in tree if n.name != 'var' recursive %}{{ n.name }}{% if n.kids %}({{ loop(n.kids) }}){% endif %} {% endfor %}
