base:
  '*':
    - ssh-keys
