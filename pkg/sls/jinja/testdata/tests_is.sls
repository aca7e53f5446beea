{%- set n = none %}
defined: {{ grains is defined }} {{ nothere is defined }} {{ nothere is not defined }} {{ grains.nope is defined }} {{ pillar.app.name is defined }}
none: {{ n is none }} {{ 1 is none }} {{ n is not none }}
string: {{ 'a' is string }} {{ 1 is string }}
mapping: {{ {} is mapping }} {{ [] is mapping }} {{ grains is mapping }}
iterable: {{ [] is iterable }} {{ 'x' is iterable }} {{ 1 is iterable }} {{ {} is iterable }}
sequence: {{ [] is sequence }} {{ 1 is sequence }}
number: {{ 1 is number }} {{ 1.5 is number }} {{ '1' is number }} {{ 1 is integer }} {{ 1.5 is float }}
sameas: {{ n is sameas none }} {{ true is sameas true }} {{ grains is sameas grains }} {{ {} is sameas {} }}
truefalse: {{ true is true }} {{ false is false }} {{ 1 is true }} {{ pillar.app.settings.debug is false }}
others: {{ 4 is divisibleby 2 }} {{ 3 is odd }} {{ 4 is even }} {{ 'web' is in grains.roles }} {{ 'x' is eq 'x' }} {{ 'abc' is match('a.c') }}
{%- if pillar.app.missing is not defined and pillar.app.port is defined %}
guarded: ok
{%- endif %}
{%- if grains.os_family in ['Debian', 'Ubuntu'] and grains.os is string %}
combined: ok
{%- endif %}
