{% from "xen-guest/map.jinja" import xen with context %}
# SELinux off in the image's config (CentOS: /etc/sysconfig/selinux is a
# link to it). Debian-style guests have no SELinux config: nothing to do.
{% if xen.selinux_config %}
selinux-disabled:
  file.replace:
    - name: {{ xen.selinux_config }}
    - pattern: '^SELINUX=.*$'
    - repl: SELINUX=disabled
    - append_if_not_found: True
    - backup: False
{% endif %}
