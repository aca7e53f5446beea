# One jail.d and one filter.d file per jail in pillar fail2ban:jails. Only
# the files: apply fail2ban.jails alone to prepare an image with --root.
{% set defaults = salt['pillar.get']('fail2ban:jail_defaults', {}) %}
{% for name, jail in salt['pillar.get']('fail2ban:jails', {}) | dictsort %}
{% set settings = salt['defaults.merge'](defaults, jail, in_place=False) %}
/etc/fail2ban/jail.d/{{ name }}.conf:
  file.managed:
    - source: salt://fail2ban/files/jail.conf.j2
    - template: jinja
    - makedirs: True
    - mode: 644
    - context:
        name: {{ name }}
        jail: {{ settings | json }}

/etc/fail2ban/filter.d/{{ name }}.conf:
  file.managed:
    - source: salt://fail2ban/files/filter.conf.j2
    - template: jinja
    - makedirs: True
    - mode: 644
    - context:
        name: {{ name }}
        jail: {{ settings | json }}
{% endfor %}
