# The defaults live in states/lxc-host/map.jinja; override them here, for
# example to mount the v1 hierarchy on an old kernel:
#   lxc_host:
#     lookup:
#       cgroup_fstype: cgroup
lxc_host:
  lookup: {}
