# Everything here has a default in the SLS; these are the seed's choices
# made explicit.
no_ipv6:
  interfaces:
    - all
    - default
    - lo
  sysctl_config: /etc/sysctl.d/60-no-ipv6.conf
  blacklist_file: /etc/modprobe.d/blacklist.conf
