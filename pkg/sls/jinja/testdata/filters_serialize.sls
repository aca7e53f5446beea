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
