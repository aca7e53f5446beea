{%- from 'lib/broken.jinja' import thing with context %}
{{ thing }}
