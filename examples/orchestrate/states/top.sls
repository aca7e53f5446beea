base:
  'db*':
    - db
  'web*':
    - web
