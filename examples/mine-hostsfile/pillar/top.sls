base:
  '*':
    - mine
