base:
  '*':
    - lxc-host
