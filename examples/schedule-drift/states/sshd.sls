# The sshd settings every host must keep: a drop-in, so that the
# package's own sshd_config stays as shipped.
sshd_hardening:
  file.managed:
    - name: /etc/ssh/sshd_config.d/50-brine.conf
    - makedirs: True
    - mode: '0644'
    - contents: |
        PermitRootLogin prohibit-password
        PasswordAuthentication {{ salt['pillar.get']('sshd:password_authentication', 'no') }}
