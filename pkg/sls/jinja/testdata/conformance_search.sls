{#- Constructs where a differential search (jinja2_gen_test.go) found
    brine and Jinja2 apart; each line is checked against Jinja2 on every run. #}
{%- set people = [{'n': 'a', 'team': 'Ops'}, {'n': 'b', 'team': 'dev'}, {'n': 'c', 'team': 'ops'}, {'n': 'd'}] %}
groupby ignores case: {{ people|selectattr('team', 'defined')|groupby('team') }}
{%- for team, members in people|groupby('team', default='none') %}
  {{ team }}: {{ members|map(attribute='n')|join(',') }}
{%- endfor %}
case_sensitive: {{ people|groupby('team', 'none', true)|map(attribute='grouper')|list }}
{%- set words = ['b', 'A', 'c', 'B'] %}
{%- do words.sort() %}
list.sort is case-sensitive: {{ words }}
{%- do words.sort(reverse=true) %}
list.sort(reverse=true): {{ words }}
{%- set inf = grains.num_cpus * 1e308 * 10 %}
{%- set nan = inf - inf %}
inf and nan: {{ '%e|%f|%g|%E|%5.1f|%-6f|%+f' % (inf, -inf, nan, inf, inf, nan, inf) }} {{ '%05.2f'|format(inf) }}
{{ '{:.2f}|{:e}|{:G}|{:%}|{:>6}|{:08.3f}|{:+}|{}'.format(inf, -inf, nan, inf, -inf, inf, inf, nan) }}
float // and %: {{ 0.5 // 0.1 }} {{ -0.0 % 1 }} {{ 7.5 // -2 }} {{ -7.5 % 2 }} {{ 1 // 0.3 }} {{ 5 % -0.0001 }}
float **: {{ 1e20 ** 7 }} {{ 2.0 ** -3 }} {{ 10 ** -2 }} {{ 1.1 ** 50 }} {{ 3 ** 0.5 }}
round ceil/floor: {{ -0.4|round(method='ceil') }} {{ -0.0|round(1, 'floor') }} {{ 0.3|round(0, 'floor') }}
int: {{ '12.7'|int }} {{ 'nan'|int(5) }} {{ 1e15|int }}
