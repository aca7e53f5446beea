sshd:
  password_authentication: 'no'
