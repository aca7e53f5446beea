# The haproxy pattern: the backends are the minions with the grain
# roles:web, each at its first address from the mine.
haproxy-config:
  file.managed:
    - name: /etc/haproxy/haproxy.cfg
    - makedirs: True
    - source: salt://haproxy/haproxy.cfg.jinja
    - template: jinja
