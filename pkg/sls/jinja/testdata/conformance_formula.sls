{#- Constructs as public formulas write them, with the default test grains and pillar. #}
{%- set os_map = {
    'Debian': {'pkg': 'nginx', 'conf': '/etc/nginx', 'svc': 'nginx'},
    'RedHat': {'pkg': 'nginx', 'conf': '/etc/nginx', 'svc': 'nginx', 'user': 'nginx'},
} %}
{%- set cfg = os_map.get(grains.os_family, {}) %}
{%- do cfg.update({'user': cfg.get('user', 'www-data')}) %}
{%- set settings = pillar.get('app', {}).get('settings', {}) %}
nginx:
  pkg.installed:
    - name: {{ cfg.pkg }}
  file.managed:
    - name: {{ cfg.conf ~ '/nginx.conf' }}
    - user: {{ cfg.user }}
    - mode: '{{ '%04o' % 420 }}'
{%- if grains.osmajorrelease >= 11 and grains.os_family in ['Debian', 'RedHat'] %}
    - modern: True
{%- endif %}
{%- for user, data in pillar.get('users', {})|dictsort %}
user_{{ user }}:
  user.present:
    - uid: {{ data.uid }}
    - shell: {{ data.get('shell', '/bin/bash') }}
    {%- if data.groups is defined %}
    - groups: {{ data.groups|join(',') }}
    - groups_list: {{ data.groups }}
    {%- endif %}
{%- endfor %}
{%- set ports = [80, 443] %}
{%- set extra = [] %}
{%- for p in ports if p != 80 %}{% do extra.append('port_' ~ p) %}{% endfor %}
ports: {{ ports|map('string')|join(' ') }} {{ extra }}
workers: {{ settings.workers|default(1) * 2 }} debug={{ settings.debug|lower if settings.debug is string else settings.debug }}
ip: {{ grains['ipv4']|first }} / {{ grains.ipv4|last }} / {{ grains.ipv4|length }}
roles: {% for r in grains.get('roles', []) %}{{ r }}{{ ', ' if not loop.last }}{% endfor %}
{%- set name = 'web01.example.org' %}
host: {{ name.split('.')[0] }} domain: {{ name.split('.', 1)[1] }} {{ name.startswith('web') }} {{ name|replace('.', '_') }}
fmt: {{ '{0}:{1}'.format('k', 'v') }} {{ '%-8s|%5s|' % ('left', 'right') }} {{ '%s=%s'|format('a', 1) }}
dict: {{ {'a': none, 'b': [true, 1.5, 'x']} }} {{ {'a': 1}|tojson }} {{ {'z': [1, 'x<>&\'']}|tojson }}
keys: {{ {'b': 1, 'a': 2}|dictsort|map('first')|list }} {{ {'b': 1, 'a': 2}.keys()|list|sort }} {{ {'a': 1, 'b': 2}.values()|sum }}
str: {{ 'a\tb'|replace('\t', ' ') }} {{ 42|string|length }} {{ 1.0 }} {{ 1.10 }} {{ 3.0 * 2 }} {{ 0.1 * 3 }} {{ 7 / 7 }}
esc: {{ '<a href="x">&</a>'|e }} {{ '<b>t</b>'|striptags }} {{ 'a b&c'|urlencode }} {{ {'k': 'v w'}|urlencode }}
{% with a = 1, b = 2 %}with: {{ a + b }}{% endwith %}
{% set j = joiner(', ') %}joined: {% for x in 'abc' %}{{ j() }}{{ x }}{% endfor %}
{% set c = cycler('r', 'g') %}cycled: {{ c.next() }}{{ c.next() }}{{ c.next() }}{{ c.current }}
{%- set lines = ['# header'] %}
{%- for k, v in {'b': 2, 'a': 1}|dictsort %}{% do lines.append(k ~ ' = ' ~ v) %}{% endfor %}
{{ lines|join('\n') }}
{{ ('x' ~ ('y' if true) ~ 'z')|upper }} {{ 'key' in {'key': none} }} {{ {'key': none}.key is none }}
{%- if pillar.empty_list %}nonempty{% else %}
empty list is false
{%- endif %}
{% filter upper %}filtered {{ 'text' }}{% endfilter %}
{{ 'ends with a tag' }}{% if true %}
{% endif %}
