# /etc/resolv.conf from pillar (resolver:nameservers, :search, :domain,
# :options). The template is resolv.conf next to this file.
/etc/resolv.conf:
  file.managed:
    - source: salt://resolv.conf
    - template: jinja
    - mode: 644
