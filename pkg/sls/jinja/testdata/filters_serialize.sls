scalar: {{ 'hello'|yaml }} {{ 42|yaml }} {{ true|yaml }} {{ none|yaml }} {{ 'yes'|yaml }} {{ '10:30'|yaml }}
inline: {{ pillar.app|yaml }}
list: {{ ['a', 1, none]|yaml }}
block:
  {{ pillar.app|yaml(False)|indent(2) }}
json: {{ pillar.app|json }}
tojson: {{ {'html': '<a href="x">&'}|tojson }}
json list: {{ [1, 'two', 3.5, true, none]|json }}
dquote: {{ 'say "hi"'|yaml_dquote }}
squote: {{ "it's"|yaml_squote }}
encode: {{ 'plain'|yaml_encode }} {{ 'with: colon'|yaml_encode }} {{ 5|yaml_encode }}
loaded: {{ ('{a: 1, b: [x, y]}'|load_yaml).b }} {{ ('{"k": [1, 2]}'|load_json).k }}
state:
  file.managed:
    - name: /etc/app.conf
    - context: {{ {'port': pillar.app.port, 'name': pillar.app.name}|json }}
    - users: {{ pillar.users.keys()|list|yaml }}
single letters stay plain, as PyYAML writes them: {{ {'y': 1, 'n': 'y'} | yaml }}
lists in a block mapping sit at the key's indent, as PyYAML writes them:
  {{ {'m': [1, 2], 'l': [[1, 2], [3]], 'd': [{'b': 2, 'a': 1}], 's': 'x'}|yaml(False)|indent(2) }}
a top-level list of lists: {{ [[1, 2], {'a': [1]}]|yaml(False)|indent(2) }}
json keeps order when asked: {{ {'b': 1, 'a': 2}|json(sort_keys=False) }} {{ {'b': 1, 'a': 2}|json }}
sequence: {{ 'x'|sequence }} {{ {'b': 1, 'a': 2}|sequence|list }} {{ [1]|sequence }}
timestamps stay text: {{ ('when: 2024-01-02\nat: 2001-12-14t21:59:43.10-05:00'|load_yaml).when }} {{ ('when: 2024-01-02'|load_yaml).when is string }}
odict keeps its order in yaml, a dict is sorted: {{ odict([('zeta', 1), ('alpha', 2)], mid=3)|yaml }} {{ {'zeta': 1, 'alpha': 2}|yaml }} {{ odict(b={'y': 1, 'x': 2}, a=[1])|yaml }} {{ odict([('b', 1), ('a', 2)])|json }}
{#- yaml_encode double-quotes every string, escaping as PyYAML does (TestYAMLDquoteLikePyYAML). #}
encode2: {{ 'foo'|yaml_encode }} {{ 'The word is "salty"'|yaml_encode }} {{ 'é'|yaml_dquote }}
