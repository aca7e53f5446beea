{%- from "openssh/map.jinja" import openssh with context %}
{%- set banner = salt['pillar.get']('openssh:banner', none) %}

openssh:
  pkg.installed:
    - name: {{ openssh.server }}
  service.running:
    - name: {{ openssh.service }}
    - enable: True
    - require:
      - pkg: openssh

sshd_config:
  file.managed:
    - name: {{ openssh.sshd_config }}
    - contents: |
        Port {{ openssh.port }}
        PermitRootLogin {{ openssh.permit_root_login }}
        {%- if openssh.allow_users %}
        AllowUsers {{ openssh.allow_users | join(' ') }}
        {%- endif %}
        {%- if banner is not none %}
        Banner /etc/issue.net
        {%- endif %}
    - watch_in:
      - service: openssh

{%- for user, keys in salt['pillar.get']('openssh:keys', {}).items() %}
{%- for key in keys %}
ssh_key_{{ user }}_{{ loop.index }}:
  ssh_auth.present:
    - user: {{ user }}
    - name: {{ key }}
{%- endfor %}
{%- endfor %}
