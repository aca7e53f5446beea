include:
  - .sysctl

motd:
  file.managed:
    - name: /etc/motd
    - source: salt://files/motd.j2
    - template: jinja
    - mode: 0644
    - context:
        owner: {{ pillar.get('owner', 'the ops team') }}

admin-keys-dir:
  file.directory:
    - name: /root/.ssh
    - mode: 0700
    - makedirs: True

{% for user, key in pillar.get('ssh_keys', {}).items() %}
ssh-key-{{ user }}:
  ssh_auth.present:
    - name: {{ key }}
    - user: root
    - comment: {{ user }}
    - config: /root/.ssh/authorized_keys
    - require:
      - file: admin-keys-dir
{% endfor %}

tmp-on-tmpfs:
  mount.mounted:
    - name: /tmp
    - device: tmpfs
    - fstype: tmpfs
    - opts: [nosuid, nodev, size=512m]
    - mount: False
