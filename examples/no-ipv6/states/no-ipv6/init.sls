# IPv6 off, for containers and templates that have no IPv6 network: every
# AAAA lookup then times out and slows the boot (seed: "every performance
# problem is a DNS problem"). The three sysctls are set now and persisted;
# the ipv6 module is blacklisted for kernels that build it as a module.
{% set config = salt['pillar.get']('no_ipv6:sysctl_config', '/etc/sysctl.d/60-no-ipv6.conf') %}
{% for iface in salt['pillar.get']('no_ipv6:interfaces', ['all', 'default', 'lo']) %}
net.ipv6.conf.{{ iface }}.disable_ipv6:
  sysctl.present:
    - value: 1
    - config: {{ config }}
{% endfor %}

blacklist-ipv6:
  file.append:
    - name: {{ salt['pillar.get']('no_ipv6:blacklist_file', '/etc/modprobe.d/blacklist.conf') }}
    - text: blacklist ipv6
    - makedirs: True
