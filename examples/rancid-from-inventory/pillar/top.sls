base:
  '*':
    - inventory
    - rancid
