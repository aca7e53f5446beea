# RANCID's router.db generated from the inventory in pillar (what the seed's
# Perl script exported from RackTables): only devices whose rancid flag is
# yes are listed. Hand-written entries in pillar rancid:manual come first,
# as the seed's router-manual.db did.
{% set rancid = salt['pillar.get']('rancid', {}) %}
{{ rancid.get('router_db', '/usr/local/rancid/var/networking/router.db') }}:
  file.managed:
    - source: salt://rancid/router.db.j2
    - template: jinja
    - makedirs: True
    - mode: 640
