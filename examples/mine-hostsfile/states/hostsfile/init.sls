# salt-formulas' hostsfile, as its users write it: one line per minion of
# the mine, with the address its mine alias gave (pillar hostsfile:alias,
# network.ip_addrs by default). The minions come in id order.
{%- set minealias = salt['pillar.get']('hostsfile:alias', 'network.ip_addrs') %}
{%- set addrs = salt['mine.get']('*', minealias) %}

hosts-from-mine:
  file.managed:
    - name: /etc/hosts.d/mine
    - makedirs: True
    - contents: |
        # from the mine ({{ minealias }})
{%- for name, addrlist in addrs.items() %}
        {{ addrlist|first }}  {{ name }}
{%- endfor %}
