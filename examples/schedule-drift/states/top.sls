base:
  '*':
    - motd
    - sshd
