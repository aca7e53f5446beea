base:
  '*':
    - resolver
