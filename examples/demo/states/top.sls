# Every host gets the base SLS; hosts whose role grain is "web" also get web.
base:
  '*':
    - base
  'role:web':
    - match: grain
    - web
