{%- set s = '  Hello World  ' %}
split: {{ 'a,b,,c'.split(',') }} {{ 'a b  c'.split() }} {{ 'a:b:c'.split(':', 1) }}
rsplit: {{ 'a.b.c'.rsplit('.', 1) }} {{ 'pkg-1.2-3'.rsplit('-', 1)[0] }}
starts: {{ 'foobar'.startswith('foo') }} {{ 'foobar'.endswith('bar') }} {{ 'foobar'.startswith(('x', 'f')) }}
case: {{ s.upper() }}|{{ s.lower() }}|{{ 'hello wORLD'.title() }}|{{ 'hello wORLD'.capitalize() }}
strip: [{{ s.strip() }}] [{{ s.lstrip() }}] [{{ s.rstrip() }}] [{{ 'xxhixx'.strip('x') }}]
replace: {{ 'a-b-c'.replace('-', '_') }} {{ 'a-b-c'.replace('-', '', 1) }}
format: {{ '{}-{}'.format('a', 1) }} {{ '{0}/{1}/{0}'.format('x', 'y') }} {{ '{name}:{port}'.format(name='h', port=80) }} {{ '{:>5}|{:<5}|{:^5}|{:05d}|{:.2f}'.format('r', 'l', 'c', 42, 3.14159) }}
join: {{ ', '.join(['a', 'b']) }} {{ '/'.join(grains.ipv4) }}
find: {{ 'abcabc'.find('c') }} {{ 'abc'.find('z') }} {{ 'a-b'.count('-') }}
tests: {{ '123'.isdigit() }} {{ 'abc'.isalpha() }} {{ 'ABC'.isupper() }} {{ 'abc'.islower() }}
misc: {{ '7'.zfill(3) }} {{ 'ab'.ljust(4, '.') }}| {{ 'ab'.rjust(4) }} {{ 'k=v=w'.partition('=') }}
lines: {{ 'one\ntwo\n'.splitlines() }}
