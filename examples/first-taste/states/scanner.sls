# Network scanning tools, in one pkg.installed (one apt-get call). nmap has
# the same name everywhere; tcpdump is part of FreeBSD's base system, so it
# is not installed there; xprobe's package name comes from map.jinja, per
# OS family.
{% from "map.jinja" import scanner with context %}

scanner-tools:
  pkg.installed:
    - pkgs:
      - nmap
{% if grains['os'] != 'FreeBSD' %}
      - tcpdump
{% endif %}
{% if scanner.xprobe %}
      - {{ scanner.xprobe }}
{% endif %}
