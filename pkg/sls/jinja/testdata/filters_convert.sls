int: {{ '42'|int }} {{ '4.7'|int }} {{ 'x'|int }} {{ 'x'|int(7) }} {{ 3.9|int }} {{ '0x1f'|int(0, 16) }}
float: {{ '1.5'|float }} {{ 2|float }} {{ 'x'|float }}
string: {{ 5|string ~ 'a' }} {{ [1]|string }}
list: {{ 'abc'|list }} {{ {'b': 1, 'a': 2}|list }}
bool: {{ 'yes'|to_bool }} {{ 'off'|bool }} {{ 1|to_bool }} {{ 'True'|to_bool }}
trim: [{{ '  x  '|trim }}] [{{ 'xxaxx'|trim('x') }}]
length: {{ [1, 2, 3]|length }} {{ 'abcd'|count }} {{ pillar.users|length }}
case: {{ 'MiXed'|lower }} {{ 'MiXed'|upper }} {{ 'hello world'|title }} {{ 'hello World'|capitalize }}
math: {{ -3|abs }} {{ (-2.5)|abs }} {{ 2.567|round(2) }} {{ 2.5|round }} {{ 2.1|round(0, 'ceil') }} {{ 2.9|round(method='floor') }}
{#- Salt's to_bool: only yes, 1 and true (any case) are true strings; lists by length; floats false. #}
to_bool: {{ 'on'|to_bool }} {{ 'Y'|to_bool }} {{ 'TRUE'|to_bool }} {{ 0|to_bool }} {{ [1]|to_bool }} {{ []|to_bool }} {{ {}|to_bool }} {{ none|to_bool }} {{ 1.5|to_bool }}
