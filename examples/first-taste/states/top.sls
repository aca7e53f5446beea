# Every minion gets the resolver and the scanner tools; minions with "bsd"
# in their id also get pfmon.
base:
  '*':
    - resolver
    - scanner
  '*bsd*':
    - pfmon
