web_conf:
  file.managed:
    - name: /etc/web.conf
    - contents: managed by brine
    - makedirs: True
