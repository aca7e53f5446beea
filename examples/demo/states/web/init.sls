web-root:
  file.directory:
    - name: /srv/www
    - makedirs: True

index:
  file.managed:
    - name: /srv/www/index.html
    - contents: |
        <h1>{{ grains['id'] }}</h1>
    - require:
      - file: web-root
