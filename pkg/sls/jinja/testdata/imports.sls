{%- import 'lib/macros.jinja' as m %}
{%- from 'lib/settings.jinja' import role, port with context %}
{%- set libdir = 'lib' %}
{%- from libdir ~ '/macros.jinja' import kv as pair %}
{%- import_yaml libdir ~ '/data.yaml' as data %}
{%- import_json 'lib/data.json' as jdata %}
{{ m.kv('a', 1) }}
{{ m.section('main', {'b': 2, 'a': 1}) }}
version: {{ m.version }} private exported: {{ m._private is defined }}
{{ pair('role', role) }} {{ pair('port', port) }}
packages: {{ data.packages }} service: {{ data.service }}
json: {{ jdata.ports }} {{ jdata.tls }}
{%- set who = 'include' %}
{% include 'lib/header.jinja' %}
{%- include 'lib/missing.jinja' ignore missing %}
{%- load_yaml as loaded %}
key: {{ grains.os }}
list: [1, 2]
{%- endload %}
loaded: {{ loaded.key }} {{ loaded.list|sum }}
{%- load_json as lj %}
{"a": {{ [1, 2]|json }}}
{%- endload %}
loaded json: {{ lj.a }}
