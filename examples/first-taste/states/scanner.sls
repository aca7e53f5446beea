# Network scanning tools. nmap has the same name everywhere; tcpdump is part
# of FreeBSD's base system, so it is not installed there; xprobe's package
# name comes from map.jinja, per OS family.
{% from "map.jinja" import scanner with context %}

nmap:
  pkg.installed: []

{% if grains['os'] != 'FreeBSD' %}
tcpdump:
  pkg.installed: []
{% endif %}

{% if scanner.xprobe %}
xprobe:
  pkg.installed:
    - name: {{ scanner.xprobe }}
{% endif %}
