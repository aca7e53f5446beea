{% from "xen-guest/map.jinja" import xen with context %}
# Xen shows the guest's console, not its virtual terminals: a getty on the
# console, and tty1..tty6 commented out (kept in the file for the reader).
xen-console:
  inittab.present:
    - name: co
    - runlevels: 2345
    - action: respawn
    - process: {{ xen.getty }} console

default-ttys:
  inittab.commented:
    - ids: ['1', '2', '3', '4', '5', '6']
