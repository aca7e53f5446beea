# HAL fails in a CentOS 5 domU (seed: "chkconfig haldaemon off"). Merged
# into xen_guest from xen-guest.sls.
xen_guest:
  disabled_services:
    - haldaemon
