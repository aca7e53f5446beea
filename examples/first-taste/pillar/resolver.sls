resolver:
  domain: example.com
  search:
    - example.com
  nameservers:
    - 4.2.2.1
    - 4.2.2.2
  options:
    - timeout:2
    - attempts:2
