{%- macro user(name, uid=none, shell='/bin/bash', groups=[]) %}
{{ name }}:
  user.present:
    - shell: {{ shell }}
{%- if uid is not none %}
    - uid: {{ uid }}
{%- endif %}
{%- if groups %}
    - groups: {{ groups|yaml }}
{%- endif %}
{%- endmacro %}
{%- macro users(data) %}
{%- for name, u in data|dictsort %}
{{- user(name, uid=u.uid, shell=u.get('shell', '/bin/sh'), groups=u.get('groups', [])) }}
{%- endfor %}
{%- endmacro %}
{{- users(pillar.users) }}
{{ user('carol') }}
{{- user('dave', 7, groups=['x']) }}
{%- macro vargs(a) %}{{ a }}|{{ varargs }}|{{ kwargs }}{% endmacro %}
varargs: {{ vargs(1, 2, 3, k='v') }}
{%- macro greet(who) %}hi {{ who }}{% endmacro %}
call in expr: {{ greet('x')|upper }} {{ greet(who='y') ~ '!' }}
