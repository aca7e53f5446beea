# -*- coding: utf-8 -*-
# vim: ft=sls

{#- Get the `tplroot` from `tpldir` #}
{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/map.jinja" import mapdata as nginx with context %}
{%- from tplroot ~ "/macros.jinja" import site_state %}
{%- set sls_package_install = tplroot ~ '.package.install' %}

nginx-package:
  pkg.installed:
    - name: {{ nginx.pkg }}
{%- if nginx.get('backports') %}
    - fromrepo: {{ grains.oscodename | default('bookworm') }}-backports
{%- endif %}

nginx-config:
  file.managed:
    - name: {{ nginx.config }}
    - user: root
    - mode: '0644'
    - contents: |
        user {{ nginx.user }};
        worker_processes {{ nginx.worker_processes }};
        load_module_dir {{ nginx.modules_dir }};
{%- for key, value in nginx.get('extra', {}) | dictsort %}
        {{ key }} {{ value }};
{%- endfor %}
    - require:
      - pkg: nginx-package

{%- for name, site in nginx.sites | dictsort %}
{{ site_state(name, site, nginx) }}
{%- endfor %}

nginx-service:
  service.running:
    - name: {{ nginx.service }}
    - enable: True
    - watch:
      - file: nginx-config
{%- for name in nginx.sites %}
      - file: nginx-site-{{ name }}
{%- endfor %}
