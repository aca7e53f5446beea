{#- Salt's yaml filter is PyYAML's safe_dump (allow_unicode): its scalar
    styles, folding at 80 columns, and flow or block layout. #}
{%- set d = {'long': 'word ' * 20, 'multi': 'line one\nline two', 'yes': 'no', 'num': '1e3', 'oct': '0o17', 'merge': '<<', 'list': [1, 'two', {'k': 'v'}], 'e': '', 'u': 'é 😀'} %}
flow: {{ d|yaml }}
block:
{{ d|yaml(False) }}
scalars: {{ 'plain'|yaml }} {{ 'yes'|yaml }} {{ 'a: b'|yaml }} {{ 'two\nlines'|yaml }} {{ 1.5|yaml }} {{ none|yaml }}
nested:
{{ {'a': [[1, 2], {'b': [3]}], 'c': {}}|yaml(False) }}
