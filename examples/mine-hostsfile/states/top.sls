base:
  '*':
    - hostsfile
  'roles:lb':
    - match: grain
    - haproxy
