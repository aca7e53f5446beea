base:
  '*':
    - no-ipv6
