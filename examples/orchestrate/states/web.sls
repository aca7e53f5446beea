web_conf:
  file.managed:
    - name: /etc/web.conf
    - contents: web
    - makedirs: True
