# Services that fail or are useless in a guest (HAL on CentOS 5) are kept
# from starting at boot: chkconfig NAME off, as rc links in the image.
{% for svc in salt['pillar.get']('xen_guest:disabled_services', []) %}
{{ svc }}:
  service.disabled: []
{% endfor %}
