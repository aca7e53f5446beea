{#- A filter's or a test's arguments are a call's: *args and **kwargs
    spread a list and a dict into them, as zoomdata- and openjdk-formula
    build repository lines with `repo_entry|format(**settings)`. #}
{%- set z = {'repo': 'main', 'version': '1.2', 'components': 'a b'} %}
{%- set words = ['x', 'y'] %}
format: {{ 'deb http://repo/%(version)s %(repo)s %(components)s'|format(**z) }} {{ '%s-%s'|format(*words) }} {{ '%.2g, %.2g'|format(*[1.234, 5.678]) }}
filters: {{ words|join(*[', ']) }} {{ 'abc'|replace(*['b', 'B']) }} {{ [3, 1, 2]|sort(**{'reverse': true}) }} {{ {'b': 1, 'a': 2}|dictsort(**{'by': 'value'}) }}
mixed: {{ [1, 2, 3, 4]|select(*['odd'])|list }} {{ 'a b'|replace('a', *['A']) }} {{ words|join(**{'d': '+'}) }}
tests: {{ 9 is divisibleby(*[3]) }} {{ 'a' is in(*[['a', 'b']]) }}
{% set d = {'a': 1} %}{{ dict(*[[('z', 0)]], b=2, **d) }} {{ dict(b=2, *[[('z', 0)]]) }}
