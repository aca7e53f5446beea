# Users' authorized_keys from pillar ssh_keys:users. For each user: ~/.ssh
# owned by them with no group or other write (sshd's StrictModes ignores
# the keys otherwise: the seed's "chmod go-w ~/.ssh"), the file itself 600
# (its content is left to the key states), each key present, and revoked
# keys absent. Other lines of the file are kept as they are.
{% for user, spec in salt['pillar.get']('ssh_keys:users', {}) | dictsort %}
{%- set home = spec.get('home', '/root' if user == 'root' else '/home/' ~ user) %}
{%- set group = spec.get('group', user) %}
{{ user }}-ssh-dir:
  file.directory:
    - name: {{ home }}/.ssh
    - user: {{ user }}
    - group: {{ group }}
    - mode: 700

{{ user }}-authorized-keys:
  file.managed:
    - name: {{ home }}/.ssh/authorized_keys
    - replace: False
    - makedirs: True
    - user: {{ user }}
    - group: {{ group }}
    - mode: 600
    - require:
      - file: {{ user }}-ssh-dir

{% for key in spec.get('keys', []) %}
{{ user }}-key-{{ loop.index }}:
  ssh_auth.present:
    - name: {{ key }}
    - user: {{ user }}
    - require:
      - file: {{ user }}-authorized-keys
{% endfor %}

{% for key in spec.get('revoked', []) %}
{{ user }}-revoked-{{ loop.index }}:
  ssh_auth.absent:
    - name: {{ key }}
    - user: {{ user }}
    - require:
      - file: {{ user }}-authorized-keys
{% endfor %}
{% endfor %}
