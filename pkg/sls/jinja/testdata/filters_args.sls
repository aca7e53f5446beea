default: {{ missing|default('x') }} {{ ''|default('x') }} {{ ''|default('x', true) }} {{ none|default('n', boolean=True) }} {{ missing|d('short') }} {{ pillar.app.nope|default(8080) }}
join: {{ ['a', 'b', 'c']|join(', ') }} {{ [1, 2]|join }} {{ [{'n': 'x'}, {'n': 'y'}]|join(',', attribute='n') }}
replace: {{ 'a.b.c'|replace('.', '/') }} {{ 'aaa'|replace('a', 'b', 2) }}
indent4: |
  {{ 'line1\nline2\n\nline4'|indent(4) }}
indentkw: |
  {{ 'x\ny'|indent(width=2, first=False) }}
indentfirst: [{{ 'x\ny'|indent(2, true) }}]
chained: {{ pillar.users.keys()|list|sort|join(' + ')|upper }}
filter on expr: {{ ('a' ~ 'b')|upper }} {{ (1 + 2)|string ~ 'x' }}
