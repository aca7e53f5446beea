{#- str.format of a bool: with a spec it is an int (format(True, '5') is
    '    1'), with none or after !s it is its word. #}
spec: {{ '{:5}|'.format(true) }} {{ '{:>3}|'.format(false) }} {{ '{:d}'.format(true) }} {{ '{:.1f}'.format(true) }} {{ '{:03}'.format(true) }}
word: {{ '{}'.format(true) }} {{ '{!s:>5}|'.format(true) }} {{ '{!r}'.format(false) }} {{ '%5s|%d' % (true, true) }}
