ready:
  salt.wait_for_event:
    - name: minion/*/app/ready
    - id_list:
      - web1
    - timeout: 60
after:
  salt.function:
    - name: test.ping
    - tgt: web1
    - require:
      - salt: ready
