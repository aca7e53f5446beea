{#- Salt 3006's own filters that brine lacked before round ten, each as
    its Salt function (ported in jinja2_ref.py) computes it. #}
{{ [1, 2, 1, 3, 4]|method_call('index', 1, 1, 3) }}
{{ ['web01.example.com', 'db01.example.com']|map('method_call', 'split', '.', 1)|list }}
{{ 'a-b-c'|method_call('replace', '-', '+') }}
{{ {'a': 1}|method_call('get', 'a') }}
{{ {'a': 1}|method_call('get', 'b', 7) }}
{{ 'abc'|method_call('nope') }}
{{ 'abc'|method_call('upper') }}
{{ ['yes', 0, False, 'True']|exactly_n_true(2) }}
{{ ['yes', 0, False, 'True']|exactly_n_true(1) }}
{{ ['yes', 0, False, 'True']|exactly_n_true(3) }}
{{ [0, '', none]|exactly_n_true(0) }}
{{ [0, 1]|exactly_n_true(0) }}
{{ [0, '']|exactly_n_true(-1) }}
{{ ['yes', False, 0, None]|exactly_one_true }}
{{ ['yes', 'no']|exactly_one_true }}
{{ []|exactly_one_true }}
{{ ['foo', 'Foo', 'bar', 'Bar', 'BAZ']|sorted_ignorecase }}
{{ 'cBa'|sorted_ignorecase }}
{{ 5|check_whitelist_blacklist }}
{{ 'web1'|check_whitelist_blacklist(whitelist=['web*']) }}
{{ 'db1'|check_whitelist_blacklist(whitelist=['web*']) }}
{{ 'db1'|check_whitelist_blacklist(blacklist='db*') }}
{{ 'db1'|check_whitelist_blacklist(blacklist=['x'], whitelist='db\\d') }}
{{ 'db1'|check_whitelist_blacklist(['db1'], ['db1']) }}
{{ 'DB1'|check_whitelist_blacklist(whitelist=['db*']) }}
{{ 'a.b'|check_whitelist_blacklist(whitelist=['a[.]b']) }}
{{ 'ab'|check_whitelist_blacklist(whitelist=['a(']) }}
{{ 5|check_whitelist_blacklist(whitelist=[5, 6, 7]) }}
{{ 5|check_whitelist_blacklist(blacklist=[5, 6, 7]) }}
{{ 'x'|check_whitelist_blacklist(whitelist=[], blacklist=none) }}
{{ ['+----+------+', '| id | name |', '+----+------+', '| 1  | a b  |', '| 2  | x  |', ''
    , '+----+------+']|mysql_to_dict('name') }}
{{ ['| id | name | t |', '| x  | 07   | 2.5 |']|mysql_to_dict('id') }}
{{ [1, 2, 1, 3, 4].index(1, -3) }}
{{ [1, 2, 1, 3, 4].index(4, 0, 100) }}
{{ 'get salted'|hmac('shared secret', 'eBWf9bstXg+NiP5AOwppB5HMvZiYMPzEM9W5YMm/AmQ=') }}
{{ 'get salted'|hmac('shared secret', 'nope') }}
{{ 'get salted'|hmac_compute('shared secret') }}
{{ 'é'|hmac_compute('ké') }}
{%- set foo = {} %}
{{ foo|set_dict_key_value('bar:baz', 42) }}
{{ foo }}
{{ {}|set_dict_key_value('bar.baz.qux', 42, delimiter='.') }}
{{ {'a': 1}|set_dict_key_value('a:b', 2) }}
{{ {'a': 1}|set_dict_key_value('c', [1]) }}
{{ {'bar': {'baz': [1, 2]}}|append_dict_key_value('bar:baz', 42) }}
{{ {}|append_dict_key_value('bar:baz:qux', 42) }}
{{ {'a': none}|append_dict_key_value('a', 1) }}
{{ {'bar': {'baz': [1, 2]}}|extend_dict_key_value('bar:baz', [42, 42]) }}
{{ {}|extend_dict_key_value('bar:baz:qux', [42]) }}
{{ {}|extend_dict_key_value('a', 'xy') }}
{{ {'bar': {'baz': {'qux': 1}}}|update_dict_key_value('bar:baz', {'quux': 3}) }}
{{ {}|update_dict_key_value('bar:baz:qux', {'quux': 3}) }}
{{ {'a': {'b': 1}}|update_dict_key_value('a', [['c', 2]]) }}
{%- set shared = {'l': [1]} %}
{%- set l = shared.l %}
{%- do shared|append_dict_key_value('l', 2) %}
{{ l }}
{{ {'b': 1, 'a': {'x': [1, 2]}}|dict_to_sls_yaml_params }}
{{ {'b': 1, 'a': 'x'}|dict_to_sls_yaml_params(true) }}
{{ '192.168.0.1/30'|network_hosts }}
{{ '10.0.0.0/31'|network_hosts }}
{{ '10.0.0.7'|network_hosts }}
{{ '10.0.0.7/29'|network_hosts }}
{{ 'fe80::/126'|network_hosts }}
{{ 'fe80::/127'|network_hosts }}
{{ ['10.0.0.0/30', 'foo', 'fe80::/127']|network_hosts }}
{{ ['10.0.0.0/30', 'fe80::/127']|network_hosts(version=6) }}
{{ 'foo'|network_hosts }}
{{ [1, 2, 3]|zip('ab')|list }}
{{ [1, 2, 3]|zip('ab', [true])|list }}
{{ [1, 2, 3]|zip_longest('ab')|list }}
{{ [1, 2, 3]|zip_longest('ab', fillvalue='-')|list }}
{{ 'ABCD'|combinations(2)|list }}
{{ [1, 2, 3]|combinations(3)|list }}
{{ [1, 2]|combinations(3)|list }}
{{ [1, 2]|combinations(0)|list }}
{{ 'ABC'|combinations_with_replacement(2)|list }}
{{ [1]|combinations_with_replacement(3)|list }}
{{ []|combinations_with_replacement(0)|list }}
{{ 'ABC'|permutations|list }}
{{ 'ABC'|permutations(2)|list }}
{{ [1, 2]|permutations(3)|list }}
{{ 'ab'|product('xy')|list }}
{{ 'ab'|product(repeat=2)|list }}
{{ [1, 2]|product([])|list }}
{{ 'ABCDEF'|compress([1, 0, 1, 0, 1, 1])|list }}
{{ 'ABC'|compress([1])|list }}
{%- if []|zip([]) %}
a zip is true even when empty
{%- endif %}
{{ [1, 2]|combinations(2)|map('join', '-')|join(',') }}
{{ [[1, 'a'], [2, 'b']]|product([0])|map('first')|list }}
{#- Salt's older filters, as their functions give them (round ten). #}
{{ {'a': 1}|compare_dicts({}) }} {{ [1, 2]|compare_lists([2, 3]) }}
{{ ['1.5', 1.5, true, '0x10', ' 7 ', '1_000', 'nan', '1e400', 'x']|map('to_num')|list }}
{{ -2.7|to_num }} {{ '12'|str_to_num + 1 }}
{{ [1, [2, [3, [none, 'None']]], 'null', {'k': 1}, (4, 5)]|flatten }}
{{ [1, [2, [3, [4]]]]|flatten(levels=1) }} {{ [[none], 'x']|flatten(preserve_nulls=true) }}
{{ ' 12 '|is_hex }} {{ '-0x1_f'|is_hex }} {{ '0xg'|is_hex }} {{ 16|is_hex }} {{ 'ffffffffffffffffffffffff'|is_hex }}
{{ (1, 2)|is_list }} {{ [1]|is_list }}
{{ 'ßtraße_ünïcode'|to_camelcase(uppercamel=true) }} {{ 'ÜberCamelÉtat'|to_snake_case }}
{{ 'Z2V0\nIHNh bHRlZA=='|base64_decode }} {{ 'YQ==YQ=='|base64_decode }} {{ 'w6k='|base64_decode }} {{ ''|base64_decode }}
{{ {'root_node': {'bar': 42, 'foo': True, 'qux': 2.0, 'baz': [1, 2, 3]}}|xml }}
{{ {'a': {'b': {'c': 'x'}, 'd': [{'e': 1}, {'e': 2}], 'f': 'g&<"h'}}|xml }}
{{ {'a': 'line\r\nnext\rx'}|xml }}{{ {'a': {'t': 'x\ny\tz\r'}}|xml }}
