base:
  '*':
    - rancid
