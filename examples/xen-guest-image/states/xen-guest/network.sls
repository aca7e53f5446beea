{% from "xen-guest/map.jinja" import xen with context %}
{% set net = salt['pillar.get']('xen_guest:network', {}) %}
# The guest's address, name and resolver, from pillar xen_guest:network.
{% if xen.network_style == 'sysconfig' %}
/etc/sysconfig/network-scripts/ifcfg-{{ net.get('device', 'eth0') }}:
  file.managed:
    - source: salt://xen-guest/files/ifcfg
    - template: jinja
    - makedirs: True
    - mode: 644
    - context:
        net: {{ net | json }}

/etc/sysconfig/network:
  file.managed:
    - source: salt://xen-guest/files/sysconfig-network
    - template: jinja
    - makedirs: True
    - mode: 644
    - context:
        net: {{ net | json }}
{% else %}
/etc/network/interfaces:
  file.managed:
    - source: salt://xen-guest/files/interfaces
    - template: jinja
    - makedirs: True
    - mode: 644
    - context:
        net: {{ net | json }}

/etc/hostname:
  file.managed:
    - contents: {{ net.hostname.split('.')[0] }}
    - mode: 644
{% endif %}

/etc/resolv.conf:
  file.managed:
    - source: salt://xen-guest/files/resolv.conf
    - template: jinja
    - mode: 644
    - context:
        nameservers: {{ net.get('nameservers', []) | json }}
