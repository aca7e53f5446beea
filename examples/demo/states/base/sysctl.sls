# Disable IPv6, as the OpenVZ templates in the seed notes do.
{% for key in ['net.ipv6.conf.all.disable_ipv6', 'net.ipv6.conf.default.disable_ipv6', 'net.ipv6.conf.lo.disable_ipv6'] %}
{{ key }}:
  sysctl.present:
    - value: 1
{% endfor %}
