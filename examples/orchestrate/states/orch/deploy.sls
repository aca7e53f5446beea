databases:
  salt.state:
    - tgt: 'db*'
    - highstate: True
    - pillar:
        break_db: {{ pillar.get('break_db', False) }}
        db_version: {{ pillar.get('version', 'one') }}

webservers:
  salt.state:
    - tgt: 'web*'
    - highstate: True
    - require:
      - salt: databases

ping_all:
  salt.function:
    - name: test.echo
    - tgt: '*'
    - arg:
      - hello
    - require:
      - salt: webservers
