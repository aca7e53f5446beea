# The message of the day every host shows, with its own name.
motd:
  file.managed:
    - name: /etc/motd
    - makedirs: True
    - contents: |
        {{ grains['id'] }}: managed by brine; local edits are reported by `brine drift`.
