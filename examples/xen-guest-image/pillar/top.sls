base:
  '*':
    - xen-guest
  # CentOS-style images also get the services to disable.
  'os_family:RedHat':
    - match: grain
    - xen-guest-redhat
