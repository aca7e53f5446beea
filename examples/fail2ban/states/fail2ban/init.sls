# fail2ban in front of CloudStack's API (seed 004): the package, a jail and
# a filter per HTTP status in pillar fail2ban:jails, and the service,
# restarted whenever a jail or filter file changes.
include:
  - .jails

fail2ban:
  pkg.installed: []
  service.running:
    - enable: True
    - require:
      - pkg: fail2ban
    - watch:
      - sls: fail2ban.jails
