{#- str.encode gives bytes, as on Salt 3006's Python 3: printed as b'…',
    never equal to a str, decoded back to one; Python 2 formulas that
    expect a str back (zookeeper-style `node.encode('ascii') + ':'`) fail,
    conformance_errors.txt. #}
{%- set node = 'zk1' %}
print: {{ node.encode('ascii') }} {{ node.encode() }} {{ node.encode('utf-8') }} {{ node.encode(encoding='latin-1') }}
escaped: {{ 'é'.encode() }} {{ 'é'.encode('latin-1') }} {{ 'a\tb\n'.encode() }} {{ "it's".encode() }} {{ 'q"\''.encode() }} {{ '\\'.encode() }}
errors: {{ 'é'.encode('ascii', 'ignore') }} {{ 'é!'.encode('ascii', 'replace') }} {{ 'é'.encode().decode('ascii', 'replace') }}
back: {{ node.encode().decode() }} {{ 'é'.encode().decode('utf-8') }} {{ 'é'.encode('latin-1').decode('latin-1') }}
compare: {{ node.encode() == node }} {{ node.encode() == node.encode() }} {{ node.encode() != node }}
size: {{ 'é'.encode()|length }} {{ ''.encode()|length }} {{ 'yes' if ''.encode() else 'no' }} {{ 'yes' if 'x'.encode() else 'no' }}
joined: {{ node.encode() + ':'.encode() }} {{ node.encode() ~ ':' }}
nested: {{ [node.encode()] }} {{ {'a': node.encode()} }}
tests: {{ node.decode is defined }} {{ node.encode() is string }}
{{ 'ab'.encode()|list }} {% for c in 'hi'.encode() %}{{ c }},{% endfor %} {{ 'ab'.encode()[0] }} {{ 'ab'.encode()|first }} {{ 'ab'.encode()|last }} {{ 104 in 'hi'.encode() }} {{ 'abc'.encode()[1:] }} {{ 'abc'.encode()[-1] }}
{{ 'abc'.encode()|sum }} {{ 'abc'.encode()|max }} {{ 'ba'.encode()|sort }} {{ 'abc'.encode()|length }} {{ 'aab'.encode()|unique|list }} {{ 'ab'.encode()|map('string')|join(',') }} {{ 'ab'.encode()|reverse|list }} {{ 'ab'.encode()|batch(1)|list }}
{{ 'ab'.encode()|select('gt', 97)|list }} {{ 'ab'.encode()|tojson if false else '' }} {{ 'é'.encode()|list }} {{ 'ab'.encode() is iterable }} {{ 'ab'.encode() is sequence }}
