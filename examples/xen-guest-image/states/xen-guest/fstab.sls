# The guest's fstab, one mount.mounted per line of pillar xen_guest:fstab.
# mount: False writes the image's fstab and mounts nothing (with --root
# nothing is ever mounted anyway).
{% for m in salt['pillar.get']('xen_guest:fstab', []) %}
fstab-{{ m.name }}:
  mount.mounted:
    - name: {{ m.name }}
    - device: {{ m.device }}
    - fstype: {{ m.fstype }}
    - opts: {{ m.get('opts', 'defaults') }}
    - dump: {{ m.get('dump', 0) }}
    - pass_num: {{ m.get('pass', 0) }}
    - mount: False
{% endfor %}
