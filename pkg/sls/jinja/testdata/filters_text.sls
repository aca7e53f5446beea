regex_replace: {{ 'foo-123-bar'|regex_replace('[0-9]+', 'N') }} {{ 'a.b'|regex_replace('(\\w)\\.(\\w)', '\\2.\\1') }} {{ 'ABC'|regex_replace('b', 'x', ignorecase=True) }}
regex_search: {{ 'version 1.2.3'|regex_search('(\\d+)\\.(\\d+)') }} {{ 'abc'|regex_search('z') }}
regex_match: {{ 'abc123'|regex_match('([a-z]+)(\\d+)') }} {{ 'x abc'|regex_match('abc') }}
traverse: {{ pillar|traverse('app:settings:workers') }} {{ pillar|traverse('app:nope', 'dflt') }} {{ grains|traverse('ipv4:1') }}
quote: {{ 'simple'|quote }} {{ "it's spaced"|quote }}
center: [{{ 'x'|center(5) }}]
wordcount: {{ 'one two  three'|wordcount }}
format: {{ '%s-%s'|format('a', 'b') }} {{ '%05.1f|%-4d|%3s'|format(3.14159, 7, 'z') }} {{ '%(a)s!'|format(a='named') }}
percent: {{ '%s:%d' % ('host', 80) }} {{ '%s' % 'one' }}
hash: {{ 'abc'|md5 }} {{ 'abc'|sha256 }} {{ 'hi'|base64_encode }} {{ 'aGk='|base64_decode }}
{#- Bytes (str.encode) are hashed and encoded as they are, as Salt's hashutils take them (to_bytes). #}
hash_bytes: {{ '6Q=='|base64_decode }} {{ 'w6k='|base64_decode }} {{ 'abc'|to_bytes }} {{ 'é'|to_bytes('latin-1') }} {{ 'abc'|to_bytes|md5 }} {{ 'abc'.encode()|md5 }} {{ 'abc'.encode('ascii')|sha256 }} {{ 'é'.encode()|base64_encode }} {{ 'é'.encode('latin-1')|base64_encode }}
