list: {{ ['a', 'b'] }} {{ [1, 2.5, none, true, false] }} {{ [] }}
dict: {{ {'a': 1} }} {{ {'k': 'v', 'n': none} }} {{ {} }}
none: {{ none }} bool: {{ true }} {{ false }}
floats: {{ 1.5 }} {{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e-5 }} {{ 100.0 / 3 }} {{ 3.0 * 2 }} {{ 2.5e3 }}
ints: {{ 42 }} {{ -7 }} {{ 1_000 }}
quotes: {{ ["it's", 'say "x"', 'back\\slash', 'new\nline'] }}
nested: {{ {'l': [{'a': 1}], 't': (1, 'x')} }}
pillar dict: {{ pillar.users.bob }} {{ grains.ipv4 }}
equality: {{ pillar.app == pillar.app }} {{ pillar.app == {} }} {{ [{'a': [1]}] == [{'a': [1]}] }} {{ {'a': 1} == [1] }}
