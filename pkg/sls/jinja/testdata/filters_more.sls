{#- Jinja's groupby, urlencode, wordwrap, striptags, filesizeformat. #}
{%- set hosts = [{'name': 'db1', 'role': 'db'}, {'name': 'web1', 'role': 'web'}, {'name': 'db2', 'role': 'db'}] %}
{%- for g in hosts | groupby('role') %}
{{ g.grouper }}: {{ g.list | map(attribute='name') | join(',') }}
{%- endfor %}
{%- for role, items in hosts | groupby('role') %}
{{ role }} has {{ items | length }}
{%- endfor %}
urlencode: {{ 'a b/c&d' | urlencode }} {{ {'q': 'x y', 'n': 1} | urlencode }}
striptags: {{ '<p>Hello   <b>world</b></p><!-- c -->' | striptags }}
filesize: {{ 1 | filesizeformat }} {{ 999 | filesizeformat }} {{ 1500 | filesizeformat }} {{ 1048576 | filesizeformat(true) }} {{ 3000000000 | filesizeformat }}
wordwrap:
{{ 'the quick brown fox jumps over the lazy dog' | wordwrap(12) }}
