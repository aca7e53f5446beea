{#- Salt's own filters; the expected values were computed with Salt's
    functions (uuid5 in Salt's namespace, camel_to_snake_case…). #}
uuid: {{ 'example' | uuid }} {{ 'web01' | uuid }}
snake: {{ 'HTTPServerName' | to_snake_case }} {{ 'camelCase' | to_snake_case }} {{ 'already_Snake' | to_snake_case }}
camel: {{ 'snake_case_NAME' | to_camelcase }} {{ 'snake_case' | to_camelcase(uppercamel=True) }}
str_to_num: {{ '42' | str_to_num + 1 }} {{ '1.5' | str_to_num * 2 }} {{ 'x1' | str_to_num }}
human_to_bytes: {{ '10M' | human_to_bytes }} {{ '2GiB' | human_to_bytes }} {{ '512' | human_to_bytes }} {{ '10m' | human_to_bytes }}
is_hex: {{ '0x1F' | is_hex }} {{ 'ffee' | is_hex }} {{ 'xyz' | is_hex }}
whitespace: {{ 'a b' | contains_whitespace }} {{ 'ab' | contains_whitespace }}
substring_in_list: {{ 'eth' | substring_in_list(['lo', 'eth0']) }} {{ 'wl' | substring_in_list(['lo', 'eth0']) }}
is_sorted: {{ [1, 2, 3] | is_sorted }} {{ [3, 1] | is_sorted }}
compare_lists: {{ [1, 2, 3] | compare_lists([2, 3, 4]) | dictsort }}
compare_dicts: {{ {'a': 1, 'b': 2} | compare_dicts({'a': 1, 'b': 3, 'c': 4}) | dictsort }}
ip: {{ ['10.0.0.1', 'nope', 'fe80::1', '192.168.0.0/24'] | ipaddr }} {{ ['10.0.0.1', 'fe80::1'] | ipv4 }} {{ ['10.0.0.1', 'fe80::1'] | ipv6 }} {{ 'bad' | ipaddr }}
network_size: {{ '10.0.0.0/24' | network_size }}
skip: [{{ 'gone' | skip }}]
ipwrap: {{ ['192.0.2.1', 'foo', 'fe80::', '2001:db8::1/64', 7] | ipwrap }} {{ '::1' | ipwrap }}:9100 {{ '10.0.0.1' | ipwrap }} {{ ('::ffff:10.0.0.1', 'x') | ipwrap }} {{ '2001:db8::/129' | ipwrap }}
{#- path_join is salt.utils.path.join: a later absolute part joins, it does not restart. #}
path_join: {{ '/etc'|path_join('/nginx', 'conf.d') }} {{ 'a/'|path_join('b/../c') }}
{#- is_iter, load_text and random_str are Salt's. #}
more: {{ [1]|is_iter }} {{ {'a': 1}|is_iter }} {{ 'ab'|is_iter }} {{ 5|is_iter }} {{ none|is_iter }} {{ 'x: 1'|load_text }} {{ (12|random_str)|length }} {{ (32|random_str)|length }}
