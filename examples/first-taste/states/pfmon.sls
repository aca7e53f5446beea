# pfmon: a small script that prints pf's counters, for the BSD firewalls
# (top.sls gives it to minions with "bsd" in their id).
/usr/local/sbin/pfmon:
  file.managed:
    - mode: 755
    - makedirs: True
    - contents: |
        #!/bin/sh
        # pfmon: pf's state table and counters, for the monitoring system.
        # Managed by brine from examples/first-taste.
        exec /sbin/pfctl -s info
