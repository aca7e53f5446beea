{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 // -2 }}|{{ 7.0 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}|{{ 7 % -3 }}|{{ 5.5 % 2 }}|{{ 7 / 2 }}|{{ 6 / 3 }}
{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ (-2) ** 2 }}|{{ -2 ** 2 }}|{{ 2 ** 3 ** 2 }}|{{ 2.0 ** 2 }}|{{ 10 ** 18 }}|{{ (-2) ** 63 }}|{{ 9 ** 0.5 }}
{{ 1 < 2 < 3 }}|{{ 3 > 2 > 2 }}|{{ 1 == 1 == 1 }}|{{ 1 < 3 > 2 }}|{{ 'a' < 'b' <= 'b' }}|{{ 1 != 2 != 1 }}
{{ 'a' in 'cat' }}|{{ 'x' not in 'cat' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 'v' in {'k': 'v'} }}|{{ not 'a' in 'b' }}|{{ (1, 2) in [(1, 2)] }}
{{ 'a' ~ 1 ~ none ~ true ~ [1] }}|{{ (1 + 2) ~ 3 }}|{{ 1 ~ 2 * 3 }}|{{ 1 ~ 2 - 1 if false else 'p' }}|{{ 'x' ~ 2 * 3 }}|{{ ('a' ~ 'b')|upper }}|{{ 'a' ~ 'b'|upper }}
{{ x is defined }}|{{ x is undefined }}|{{ x is not defined }}|{{ none is defined }}|{{ none is none }}|{{ 0 is none }}|{{ x|default(none) is none }}
{{ {} is mapping }}|{{ [] is mapping }}|{{ [] is sequence }}|{{ 'ab' is sequence }}|{{ {} is sequence }}|{{ 1 is sequence }}|{{ 'x' is string }}|{{ 1 is string }}
{{ 1 is number }}|{{ 1.5 is number }}|{{ true is number }}|{{ 'one' is number }}|{{ 1 is integer }}|{{ 1.0 is integer }}|{{ 1.0 is float }}|{{ true is boolean }}|{{ 1 is boolean }}
{{ 'ab' is iterable }}|{{ 3 is iterable }}|{{ [] is iterable }}|{{ true is true }}|{{ 1 is true }}|{{ false is false }}|{{ 4 is even }}|{{ 3 is odd }}|{{ 9 is divisibleby(3) }}
{{ 1 is eq 1 }}|{{ 2 is gt 1 }}|{{ 2 is lt 1 }}|{{ 'a' is in 'abc' }}|{{ 'Ab' is lower }}|{{ 'AB' is upper }}|{{ none is sameas none }}|{{ range is callable }}|{{ 'x' is callable }}
{{ undefined_thing is defined and undefined_thing > 1 }}|{{ undefined_thing is not defined or undefined_thing }}|{{ (undefined_thing|default(3)) * 2 }}
{{ {'a': {'b': 1}}.a is mapping }}|{{ {'a': 1}.get('b') is none }}|{{ {'a': 1}.missing is defined }}|{{ [1, 2][0] is number }}
{{ 1 and 2 }}|{{ 0 and 2 }}|{{ 1 or 2 }}|{{ 0 or '' }}|{{ none or [] or 'last' }}|{{ not 0 }}|{{ not 'x' }}|{{ 'y' if 0 else 'n' }}|{{ 'x' if false }}|{{ ('x' if false) is defined }}|{{ 1 if 1 else 2 if 2 else 3 }}
{{ -1 }}|{{ +1 }}|{{ - -1 }}|{{ -(1 + 2) }}|{{ 1 - -1 }}|{{ 3 * -1 }}|{{ 1e3 }}|{{ 1_000 }}|{{ 0.5 + 0.25 }}|{{ 10 / 4 * 2 }}|{{ 2 * 3 % 4 }}
{{ [1, 2] + [3] }}|{{ (1,) + (2,) }}|{{ 'ab' * 0 }}|{{ [0] * 2 }}|{{ [1, [2]] == [1, [2]] }}|{{ {'a': [1]} == {'a': [1]} }}|{{ 1 == '1' }}|{{ none == none }}
{{ [1, 2, 3, 4][1:3] }}|{{ 'hello'[1:-1] }}|{{ [1, 2, 3][::-1] }}|{{ 'abcdef'[::2] }}|{{ [1, 2, 3][-2:] }}|{{ 'abc'[5:] }}|{{ (1, 2, 3)[1:] }}
{{ {'a': 1}['a'] }}|{{ {'a': {'b': [10, 20]}}.a.b.1 }}|{{ {'a': {'b': [10, 20]}}['a']['b'][-1] }}|{{ [[1, 2]][0][1] }}
{{ 3 > 2 and 'yes' or 'no' }}|{{ 1 in [1] and 2 not in [1] }}|{{ (1 < 2) == true }}|{{ 5 // 2 * 2 + 5 % 2 }}
