concat: {{ 'a' ~ 1 ~ 2.5 ~ true ~ none }}
ternary: {{ 'yes' if 1 < 2 else 'no' }} {{ 'yes' if 1 > 2 else 'no' }} [{{ 'shown' if true }}] [{{ 'hidden' if false }}]
nested ternary: {{ 'a' if false else 'b' if false else 'c' }}
in: {{ 'a' in ['a', 'b'] }} {{ 'x' not in ['a'] }} {{ 'os' in grains }} {{ 'ell' in 'hello' }} {{ not 'a' in 'abc' }}
arith: {{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 2 ** 8 }} {{ 2 ** -1 }} {{ 7 / 2 }} {{ 6 / 2 }} {{ 1.5 + 1 }} {{ 10 - 2.5 }}
strings: {{ 'ab' * 3 }} {{ 'a' + 'b' }} {{ [1] + [2] }} {{ [0] * 3 }}
compare: {{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ 'a' < 'b' }} {{ [1, 2] == [1, 2] }} {{ {'a': [1]} == {'a': [1]} }} {{ {'a': 1} != {'a': 2} }} {{ 1 == 1.0 }} {{ grains == grains }}
logic: {{ true and 'x' }} {{ false or 'fallback' }} {{ none or [] }} {{ 0 and 1 }} {{ not none }}
literals: {{ [1, [2, 3], {'k': (4, 5)}] }} {{ (1,) }} {{ () }} {{ {'a': {'b': {'c': 1}}} }}
multi-line literal: {{ {
    'a': [1,
          2],
    'b': 'x',
} }}
constants: {{ True }} {{ False }} {{ None }} {{ true }} {{ false }} {{ none }}
subscripts: {{ grains['os'] }} {{ grains.ipv4[0] }} {{ grains.ipv4[-1] }} {{ 'abcdef'[1:3] }} {{ [1, 2, 3, 4][::2] }} {{ 'abc'[::-1] }} {{ grains.ipv4.0 }}
{% raw %}raw: {{ not rendered }} {% if %}{% endraw %}
{%- set l = [] %}{% do l.append(1) %}{% do l.append(2) if true %}
do: {{ l }}
unary: {{ -(1 + 2) }} {{ +3 }} {{ - 2 ** 2 }}
strfmt: {{ "%s and %s" % ('x', 'y') }} {{ '%d%%' % 50 }}
