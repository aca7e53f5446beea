# Ban clients of the CloudStack API behind nginx that fail authentication
# (HTTP 401) or hit CloudStack's 531 too often. Every jail takes the
# defaults below unless it sets its own.
fail2ban:
  jail_defaults:
    port: http,https
    action: iptables-allports
    logpath: '%(nginx_access_log)s'
    bantime: 3600
    findtime: 600
    maxretry: 25
    ignoreip:
      - 127.0.0.1/8
  jails:
    nginx-401:
      status: 401
    nginx-531:
      status: 531
