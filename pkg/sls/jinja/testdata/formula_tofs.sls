{%- set tplroot = tpldir.split('/')[0] %}
{%- from tplroot ~ "/libtofs.jinja" import files_switch with context %}

template-config-file-file-managed:
  file.managed:
    - name: /etc/template.conf
    - source: {{ files_switch(['example.tmpl', 'example.tmpl.jinja'],
                              lookup='template-config-file-file-managed'
                 )
              }}
    - mode: '0644'
    - user: root
    - template: jinja
    - context:
        config: {{ {'port': pillar.app.port, 'name': pillar.app.name} | json }}
