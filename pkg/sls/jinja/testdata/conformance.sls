{{ 1 ~ 2 }}|{{ 'a' ~ none }}|{{ [1,2] ~ 'x' }}
{{ 10 // 3 }}|{{ -10 // 3 }}|{{ 10 % -3 }}|{{ 2 ** 3 ** 2 }}|{{ -2 ** 2 }}|{{ 7.5 // 2 }}|{{ 7.5 % 2 }}
{{ 1 if none else 2 }}|{{ [] or 'e' }}|{{ 'a' and 'b' }}|{{ 0 or none }}|{{ not [] }}
{{ 'abc'[1] }}|{{ 'abc'[-1] }}|{{ [1,2,3][1:] }}|{{ [1,2,3][:-1] }}|{{ 'hello'[::2] }}|{{ [1,2,3][5:] }}
{{ [1, 'a', none, true, 1.0, 2.50] }}|{{ {'a': [1, {'b': none}]} }}|{{ (1, 2) }}|{{ ('x',) }}
{{ 1 == 1.0 }}|{{ true == 1 }}|{{ 'a' != 'b' }}|{{ 1 < 2 <= 2 }}|{{ [1,2] < [1,3] }}|{{ 'a' in 'abc' }}|{{ 2 not in [1] }}
{% for x in [3,1,2]|sort %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %}|{% for a in 'xy' %}{{ loop.revindex }}{% endfor %}
{% for x in [1,2,3,4,5] if x > 2 %}{{ loop.index }}:{{ x }} {% else %}none{% endfor %}
{% for i in range(3) %}{% for j in range(2) %}{{ i }}{{ j }}{% if j == 0 %}{% continue %}{% endif %}-{% endfor %}{% if i == 1 %}{% break %}{% endif %}{% endfor %}
{% set x = 5 %}{% if x > 3 %}big{% elif x > 1 %}mid{% else %}small{% endif %}
{% macro m(a, b='B', c=none) %}[{{ a }}|{{ b }}|{{ c }}]{% endmacro %}{{ m(1) }}{{ m(1, 2) }}{{ m(1, c=3) }}{{ m(a='x', b='y') }}
{{ 'Hello World'|lower|replace('o', '0')|title }}|{{ '  x '|trim }}|{{ 'abc'|upper|reverse }}
{{ [1,2,3]|join('-') }}|{{ [1,2,3]|sum }}|{{ [1,2,3]|map('string')|join }}|{{ [1,2,3]|first }}|{{ [1,2,3]|last }}|{{ [1,2,3]|length }}
{{ '%s=%s' % ('a', 1) }}|{{ '%05d' % 42 }}|{{ '%.2f' % 3.14159 }}|{{ '%x' % 255 }}|{{ '%-5s|' % 'ab' }}|{{ '%5s|' % 'ab' }}|{{ '%r' % 'q' }}
{{ '{:>6}'.format('r') }}|{{ '{:*^7}'.format('c') }}|{{ '{0:.3f}'.format(2) }}|{{ '{:,}'.format(1234567) }}|{{ '{!r}'.format('s') }}|{{ '{:+d}'.format(5) }}
{{ 'a b c'.split() }}|{{ 'a,b'.split(',', 1) }}|{{ '  a  b '.split(none, 1) }}|{{ 'a.b.c'.rsplit('.', 1) }}|{{ 'x'.join(['1','2']) }}
{{ 'hello world'.title() }}|{{ "they're bill's".title() }}|{{ 'ABC def'.capitalize() }}|{{ 'abc'.center(7, '*') }}|{{ 'ab'.center(5) }}
{{ 0.1 + 0.2 }}|{{ 1/3 }}|{{ 2.0 }}|{{ 1e20 }}|{{ 123456789012345678.0 }}|{{ 0.0001 }}|{{ 0.00001 }}|{{ 1e15 }}|{{ 1e16 }}|{{ -0.5 }}
{{ 3|float }}|{{ '3.5'|float }}|{{ '12'|int + 1 }}|{{ 3.7|int }}|{{ '-4'|int }}|{{ true|int }}|{{ none|string }}
{{ [3,1,2]|sort(reverse=true)|list }}|{{ ['b','A','c']|sort(case_sensitive=true) }}|{{ [1,2,2,3]|unique|list }}|{{ [[1,2],[3]]|sum(start=[]) }}
{{ {'b':1,'a':2}|dictsort }}|{{ {'a':2,'b':1}|dictsort(false, 'value') }}|{{ [{'a':1},{'a':0}]|sort(attribute='a') }}
{{ range(0, 10, 3)|list }}|{{ range(5)|select('even')|list }}|{{ range(5)|reject('odd')|list }}|{{ [1,2,3]|batch(2)|list }}
{{ [none, 0, '', 'x']|select|list }}|{{ [1,2,3]|map('string')|list }}|{{ ['a','b']|map('upper')|join }}
{% set ns = namespace(a=1) %}{% set ns.a = ns.a + 1 %}{{ ns.a }}|{% set t = (1, 2) %}{{ t[0] }}{{ t|length }}
{{ 'x' is string }}{{ 1 is number }}{{ none is none }}{{ [] is sequence }}{{ {} is mapping }}{{ 3 is divisibleby 3 }}{{ 'a' is lower }}{{ 'A' is upper }}
{{ "a\"b" }}|{{ 'it''s' }}|{{ ['x\ny'] }}|{{ ["q'"] }}|{{ ['"'] }}|{{ ["a'b\"c"] }}
{{ 'abc' * 2 }}|{{ [1] * 3 }}|{{ 3 * 'z' }}|{{ [1,2] + [3] }}|{{ 'a' + 'b' }}
{% set a, b = 'xy' %}{{ b }}{{ a }}|{% set l = [1, 2, 3] %}{{ l.pop() }}{{ l }}|{% set d = {'k': 1} %}{{ d.pop('k') }}{{ d }}
{{ 'aXbXc'.replace('X', '-', 1) }}|{{ 'abc'.startswith('ab') }}|{{ 'abc'.find('c') }}|{{ 'a-b'.partition('-') }}|{{ 'ab'.zfill(5) }}
{{ 'x'|indent }}|{{ 'a\nb\n'|indent(2) }}|{{ 'a\n\nb'|indent(2, blank=true) }}|{{ 'a\nb'|indent('> ', first=true) }}
{{ -3|abs }}|{{ 2.5|round }}|{{ 3.5|round }}|{{ 1.55|round(1) }}|{{ 1.2345|round(2, 'floor') }}|{{ 10|round }}
{{ [1, [2, 3]]|list|length }}|{{ 'abc'|list }}|{{ {'a':1}|list }}|{{ 'ab'|wordcount }}|{{ 'a b'|wordcount }}
{% set out = [] %}{% for i in range(3) %}{% set _ = out.append(i * i) %}{% endfor %}{{ out }}
{{ dict(a=1)|dictsort }}|{{ zip if false else 'nozip' }}|{{ range(3)|reverse|list }}|{{ 'abc'|reverse }}
{{ [1,2,3]|min }}|{{ [1,2,3]|max }}|{{ ['b','a']|min }}
{{ "%s" % [1] }}|{{ "%s %s" % (1, [2]) }}|{{ "%(x)s-%(y)d" % {'x': 'a', 'y': 2} }}|{{ "%3d|%-3d|%03d" % (5, 5, 5) }}
