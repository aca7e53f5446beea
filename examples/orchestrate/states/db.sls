db_conf:
  file.managed:
    - name: /etc/db.conf
    - contents: {{ pillar.get('db_version', 'one') }}
    - makedirs: True
{% if pillar.get('break_db') %}
db_migration:
  test.fail_without_changes:
    - name: the migration failed
{% endif %}
