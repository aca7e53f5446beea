# The LXC host recipe of the seed (Chef: three packages, a directory and an
# "execute mount ... not_if mount | grep cgroup"), as states: the mount is a
# mount.mounted, which checks the live mount table itself and writes fstab
# so that it comes back after a reboot.
{% from "lxc-host/map.jinja" import lxc_host with context %}

lxc-packages:
  pkg.installed:
    - pkgs: {{ lxc_host.pkgs | json }}

cgroup-dir:
  file.directory:
    - name: {{ lxc_host.cgroup_dir }}
    - user: root
    - group: root
    - mode: 755

cgroup-mount:
  mount.mounted:
    - name: {{ lxc_host.cgroup_dir }}
    - device: none
    - fstype: {{ lxc_host.cgroup_fstype }}
    - opts: defaults
    # The directory comes from cgroup-dir; mkmnt lets test=True predict the
    # mount before that state has made it.
    - mkmnt: True
    - require:
      - file: cgroup-dir
      - pkg: lxc-packages
