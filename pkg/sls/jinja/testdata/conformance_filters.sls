{{ none|default('d') }}|{{ ''|default('d') }}|{{ ''|default('d', true) }}|{{ false|d('f', true) }}|{{ 0|default(5) }}|{{ []|d('empty', true) }}
{{ undefined_name|default('u') }}|{{ undefined_name|d }}|{{ {'a': 1}.b|default('nob') }}
{% set users = [{'name': 'al', 'uid': 3, 'admin': true}, {'name': 'bo', 'uid': 1, 'admin': false}, {'name': 'cy', 'uid': 2, 'admin': false}] %}
{{ users|join(',', attribute='name') }}|{{ users|map(attribute='name')|join(' ') }}|{{ users|map(attribute='shell', default='sh')|list }}
{{ users|selectattr('admin')|map(attribute='name')|list }}|{{ users|rejectattr('admin')|map(attribute='name')|list }}
{{ users|selectattr('uid', 'gt', 1)|map(attribute='name')|list }}|{{ users|selectattr('admin', 'defined')|list|length }}|{{ users|rejectattr('admin', 'undefined')|list|length }}
{{ [1, 2, 3, 4, 5]|select('odd')|list }}|{{ [1, 2, 3, 4]|reject('even')|list }}|{{ ['a', 1, none, 'b']|select('string')|list }}|{{ [1, 2, 3]|select('ge', 2)|list }}
{{ ['a', 'bb', 'ccc']|select('in', ['a', 'ccc'])|list }}|{{ [0, 1, 2]|select('divisibleby', 2)|list }}|{{ [1, none]|reject('none')|list }}
{{ users|sort(attribute='uid')|map(attribute='name')|join }}|{{ users|sort(attribute='name', reverse=true)|map(attribute='uid')|list }}
{{ ['b', 'C', 'a']|sort }}|{{ ['b', 'C', 'a']|sort(case_sensitive=true) }}|{{ [3, 1, 2]|sort(reverse=true) }}
{% for g in users|groupby('admin', default=false) %}{{ g.grouper }}:{{ g.list|map(attribute='name')|join('+') }} {% endfor %}
{% for grouper, list in [{'k': 'x', 'v': 1}, {'k': 'y', 'v': 2}, {'k': 'x', 'v': 3}]|groupby('k') %}{{ grouper }}={{ list|map(attribute='v')|list }} {% endfor %}
{{ {'b': 2, 'A': 1, 'c': 3}|dictsort }}|{{ {'b': 2, 'A': 1}|dictsort(true) }}|{{ {'x': 2, 'y': 1}|dictsort(false, 'value', true) }}
{{ ['a', 'b', 'a', 'c']|unique|list }}|{{ [1, 2, 3, 4, 5]|batch(2)|list }}|{{ [1, 2, 3, 4, 5]|batch(2, 'x')|list }}
{{ [1, 2, 3, 4, 5]|slice(2)|list }}|{{ [1, 2, 3, 4, 5]|slice(3, 0)|list }}|{{ range(7)|slice(3)|map('list')|list }}
{{ 'a\nb\n\nc'|indent }}|{{ 'a\nb\n\nc'|indent(2, true) }}|{{ 'a\nb\n\nc'|indent(2, first=true, blank=true) }}|{{ 'x\ny'|indent(width='--') }}
{{ 'the quick brown fox jumps over the lazy dog'|wordwrap(12) }}
{{ 'averyveryverylongword and more'|wordwrap(8) }}|{{ 'a b c d e f'|wordwrap(3, wrapstring='|') }}
{{ 'hello world foo bar'|truncate(11) }}|{{ 'hello world'|truncate(5, true) }}|{{ 'hello world'|truncate(9, false, '..') }}|{{ 'short'|truncate(10) }}|{{ 'hello world foo'|truncate(13, leeway=0) }}
{{ '%s-%s'|format('a', 'b') }}|{{ '%d%%'|format(50) }}|{{ '%(a)s'|format(a='kw') }}|{{ '%5.1f'|format(3.14159) }}|{{ '%-4s|'|format('x') }}
{{ 'aaa'|replace('a', 'b', 2) }}|{{ 'a.b.c'|replace('.', '/') }}|{{ 'xyz'|replace('', '-') }}|{{ 'abc'|replace('b', '') }}
{{ '42'|int }}|{{ 'x'|int }}|{{ 'x'|int(7) }}|{{ '3.9'|int }}|{{ '0x1F'|int(0, 16) }}|{{ '0b11'|int(base=2) }}|{{ '010'|int(base=8) }}|{{ none|int(1) }}
{{ '2.5'|float }}|{{ 'x'|float }}|{{ 'x'|float(1.5) }}|{{ 3|float }}|{{ '1e3'|float }}|{{ true|float }}
{{ 'Hello'|center(9) }}|{{ 'ab'|list }}|{{ 'hello world'|title }}|{{ 'hELLO'|capitalize }}|{{ '  pad  '|trim }}|{{ 'xxhixx'|trim('x') }}
{{ [1, 2, 3]|sum }}|{{ [{'n': 2}, {'n': 3}]|sum(attribute='n') }}|{{ [1, 2]|sum(start=10) }}|{{ [[1], [2]]|sum(start=[]) }}
{{ 'abc'|first }}|{{ 'abc'|last }}|{{ [1, 2]|first }}|{{ {'k': 'v'}|first }}
{{ 'a b  c'|wordcount }}|{{ 'Hello'|length }}|{{ {'a': 1, 'b': 2}|length }}|{{ 'abc'|count }}
{{ -2.5|abs }}|{{ 2.567|round(2) }}|{{ 2.5|round(0, 'ceil') }}|{{ -2.5|round(0, 'floor') }}|{{ 1234|filesizeformat }}|{{ 1000000|filesizeformat(true) }}
{{ [1, 'a']|string }}|{{ 42|string ~ '!' }}|{{ 'x'|list }}|{{ (1, 2)|list }}|{{ {'a': 1}|items|list }}
{{ ['x', 'y']|map('upper')|list }}|{{ ['a-b', 'c-d']|map('replace', '-', '+')|list }}|{{ [1.6, 2.4]|map('round')|map('int')|list }}
{{ 'Hi %s, you are %d'|format('al', 30) }}|{{ "%s" % none }}|{{ "%s|%r" % ('a', 'a') }}|{{ '%c' % 65 }}|{{ '%o' % 8 }}|{{ '%e' % 12345.678 }}|{{ '%g' % 0.00001234 }}
{{ '%+.3d' % 7 }}|{{ '% d' % 7 }}|{{ '%#x' % 255 }}|{{ '%#o' % 8 }}|{{ '%X' % 255 }}|{{ '%10.4s|' % 'abcdefg' }}|{{ '%*d' % (5, 42) }}
{{ 'a,b,,c'.split(',') }}|{{ 'k=v=w'.split('=', 1) }}|{{ ' x  y '.split() }}|{{ 'a/b/c'.rsplit('/', 1)[0] }}|{{ ''.split() }}|{{ ''.split(',') }}
{{ '{} and {}'.format('a', 'b') }}|{{ '{1}{0}'.format('a', 'b') }}|{{ '{x}-{y}'.format(x=1, y=2) }}|{{ '{:05.1f}'.format(3.14159) }}|{{ '{:<4}|{:>4}|{:^4}'.format('a', 'b', 'c') }}
{{ '{0[0]}{1[k]}'.format(['l'], {'k': 'd'}) }}|{{ '{:x}{:o}{:b}'.format(255, 8, 5) }}|{{ '{:.2%}'.format(0.256) }}|{{ '{{}}'.format() }}|{{ '{:e}'.format(1234.5) }}
{{ 'abc'.startswith(('x', 'a')) }}|{{ 'abc'.endswith('bc') }}|{{ 'Abc'.lower().upper() }}|{{ 'a-b'.replace('-', '_') }}|{{ 'x'.ljust(3, '.') }}|{{ 'x'.rjust(3) }}
{{ '  s  '.strip() }}|{{ 'xxsxx'.strip('x') }}|{{ '..a'.lstrip('.') }}|{{ 'a\n'.rstrip() }}|{{ 'a b'.title() }}|{{ 'ab'.count('b') }}|{{ 'abc'.index('c') }}
{{ '12'.isdigit() }}|{{ 'ab'.isalpha() }}|{{ 'a1'.isalnum() }}|{{ ' '.isspace() }}|{{ 'AB'.isupper() }}|{{ 'ab'.islower() }}|{{ 'a\nb'.splitlines() }}|{{ 'k: v'.partition(': ') }}|{{ 'a.b.c'.rpartition('.') }}
tojson keeps insertion order (Salt's tojson has no sort_keys): {{ {'zeta': 1, 'alpha': [1, {'b': 2, 'a': none}]}|tojson }}
pprint sorts dict keys: {{ {'zeta': 1, 'alpha': {'m': [1, 2], 'b': none}, 'mid': (1, 'x')}|pprint }}
{%- set people = [{'n': 'bob', 'age': 30, 'g': 'x'}, {'n': 'al', 'age': 25, 'g': 'y'}, {'n': 'Cy', 'age': 30, 'g': 'x'}] %}
sort by several attributes: {{ people|sort(attribute='age,n')|map(attribute='n')|join(',') }} {{ people|sort(attribute='g,age', reverse=true)|map(attribute='n')|join(',') }}
groupby items by name: {{ people|groupby('g')|map(attribute='grouper')|list }} {{ (people|groupby('age'))[1].list|map(attribute='n')|list }} {{ people|groupby('g')|map(attribute='list')|map('length')|list }}
upper and lower use Unicode's multi-character mappings, as Python's: {{ 'straße'|upper }} {{ 'ﬁne ǆ'.upper() }} {{ 'İ'|lower|length }} {{ 'ΣΑΣ'.lower() }} {{ 'ΑΣ.Σ Σ'|lower }} {{ 'Straße'.lower() }}
{#- Salt's min and max are Python's: case-sensitive on strings. #}
minmax: {{ ['a', 'B']|max }} {{ ['a', 'B']|min }} {{ ['b', 'A', 'c']|max }} {{ [3, 1, 2]|min }}
