record_deploy:
  salt.function:
    - name: file.write
    - tgt: 'web*'
    - arg:
      - /etc/last-deploy
      - "{{ pillar['deployed_on'] }} {{ pillar['version'] }}"
